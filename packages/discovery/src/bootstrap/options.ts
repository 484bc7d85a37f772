import type { DialKind } from '../components'
import { DiscoveryError } from '../errors'

/** Options of the bootstrap service; every field is optional. */
export interface BootstrapOptions {
  /** Addresses of bootstrap nodes (URLs such as `tcp://seed.example.org:9333`). @default [] */
  addresses?: readonly string[]
  /**
   * Outbound (full-relay and block-relay) peers other than bootstrap nodes at which the bootstrap
   * connections are closed: bootstrap nodes serve address lists and need not be kept.
   * @default 8
   */
  enoughPeers?: number
  /** Fewer outbound non-bootstrap peers than this, and no bootstrap connection: bootstrap again. @default 1 */
  minPeers?: number
  /** How often the service checks whether to release or redial bootstrap nodes. @default 5_000 */
  checkIntervalMs?: number
  /** Shortest wait between two bootstrap rounds. @default 30_000 */
  retryIntervalMs?: number
  /** Bootstrap (and DNS seed) dials running at once at most. @default 4 */
  maxConcurrentDials?: number
  /** Candidate addresses (from configuration and DNS seeds) kept at most. @default 256 */
  maxCandidates?: number
  /** The outbound slot kind of bootstrap connections. @default 'manual' */
  dialKind?: DialKind
}

/** {@link BootstrapOptions} with every default applied. */
export type ResolvedBootstrapOptions = Required<BootstrapOptions>

/** Applies the defaults and checks the ranges; throws `ERR_INVALID_OPTIONS`. */
export function resolveBootstrapOptions(o: BootstrapOptions = {}): ResolvedBootstrapOptions {
  const r: ResolvedBootstrapOptions = {
    addresses: o.addresses ?? [],
    enoughPeers: o.enoughPeers ?? 8,
    minPeers: o.minPeers ?? 1,
    checkIntervalMs: o.checkIntervalMs ?? 5_000,
    retryIntervalMs: o.retryIntervalMs ?? 30_000,
    maxConcurrentDials: o.maxConcurrentDials ?? 4,
    maxCandidates: o.maxCandidates ?? 256,
    dialKind: o.dialKind ?? 'manual',
  }
  for (const key of [
    'enoughPeers',
    'checkIntervalMs',
    'retryIntervalMs',
    'maxConcurrentDials',
    'maxCandidates',
  ] as const) {
    if (!(r[key] >= 1)) throw new DiscoveryError('ERR_INVALID_OPTIONS', `bootstrap.${key} must be >= 1`)
  }
  if (!(r.minPeers >= 0)) throw new DiscoveryError('ERR_INVALID_OPTIONS', 'bootstrap.minPeers must be >= 0')
  return r
}

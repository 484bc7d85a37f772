import { type OptionSpec, option } from '@chainwire/interface'
import { DIAL_KINDS, type DialKind } from '../components'
import { resolveServiceOptions } from '../util/options'

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

/** The spec of {@link BootstrapOptions}: defaults and ranges. */
const SPEC: OptionSpec<ResolvedBootstrapOptions> = {
  addresses: option.custom<readonly string[]>([], (v) =>
    Array.isArray(v) && v.every((a) => typeof a === 'string') ? undefined : 'must be an array of addresses',
  ),
  enoughPeers: option.integer(8, { min: 1 }),
  minPeers: option.integer(1, { min: 0 }),
  checkIntervalMs: option.integer(5_000, { min: 1 }),
  retryIntervalMs: option.integer(30_000, { min: 1 }),
  maxConcurrentDials: option.integer(4, { min: 1 }),
  maxCandidates: option.integer(256, { min: 1 }),
  dialKind: option.oneOf<DialKind>('manual', DIAL_KINDS),
}

/** Applies the defaults and checks the ranges; throws `ERR_INVALID_OPTIONS`. */
export function resolveBootstrapOptions(o: BootstrapOptions = {}): ResolvedBootstrapOptions {
  return resolveServiceOptions(SPEC, o, 'bootstrap')
}

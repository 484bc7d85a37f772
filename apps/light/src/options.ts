import { type OptionSpec, option, resolveOptions } from '@chainwire/interface'
import { LightClientError } from './errors'

/** A block the operator trusts (from a release, a block explorer, a friend): the chain must contain it. */
export interface Checkpoint {
  readonly height: number
  /** Hex of the block hash. */
  readonly hash: string
}

/** Options of {@link createLightClient}; every field is optional (the chain `network` is a component). */
export interface LightClientOptions {
  /** Full nodes to connect to and keep connected (tcp:// or ws:// URLs). @default [] */
  bootstrap: readonly string[]
  /** The P2P network id (the Noise prologue and hello). @default the chain network's id */
  networkId: string | undefined
  /** Addresses the client listens on (a light client serves nothing; usually none). @default [] */
  listen: readonly string[]
  /**
   * Distinct network groups (IPv4 /16, IPv6 /32) whose peers must serve a chain containing a header before
   * it becomes the verified tip, unless a checkpoint covers it. A local devnet is one group: set 1 there.
   * @default 2
   */
  minAgreeingGroups: number
  /**
   * A block the best chain must contain; headers at and below it need no agreement between peers, and
   * chains without it are not followed past it. @default undefined
   */
  checkpoint: Checkpoint | undefined
  /** Deadline of one `get_headers`; a peer that misses it stalls the sync and is banned. @default 10_000 */
  headersTimeoutMs: number
  /** Deadline of one proof, filter or block request. @default 10_000 */
  requestTimeoutMs: number
  /** Headers that do not connect to anything we know tolerated per peer, then it is banned. @default 3 */
  maxUnconnectingHeaders: number
  /** How long a peer that misbehaved stays banned. @default 86_400_000 (24 h) */
  banDurationMs: number
  /** Interval at which every peer is asked for new headers (besides `inv` announcements). @default 30_000 */
  pollIntervalMs: number
  /** Peers asked for filter headers and compared (BIP 157 cross-check). @default 3 */
  filterHeaderPeers: number
  /** Transactions waiting in one `watch` iterator before the oldest are dropped (counted). @default 10_000 */
  maxBufferedTransactions: number
  /** Public keys watched at once at most. @default 1_000 */
  maxWatchedKeys: number
  /** Interval of `progress` events while headers are syncing. @default 1_000 */
  progressIntervalMs: number
  /** Software name and version announced in `hello`. @default 'chainwire-light/0.1.0' */
  userAgent: string
}

/** The options spec: defaults and bounds. */
export const LIGHT_CLIENT_OPTIONS: OptionSpec<LightClientOptions> = {
  bootstrap: option.custom<readonly string[]>([], (v) =>
    Array.isArray(v) && v.every((a) => typeof a === 'string') ? undefined : 'must be an array of URLs',
  ),
  networkId: option.custom<string | undefined>(undefined, (v) =>
    v === undefined || typeof v === 'string' ? undefined : 'must be a string',
  ),
  listen: option.custom<readonly string[]>([], (v) =>
    Array.isArray(v) && v.every((a) => typeof a === 'string') ? undefined : 'must be an array of URLs',
  ),
  minAgreeingGroups: option.integer(2, { min: 1, max: 16 }),
  checkpoint: option.custom<Checkpoint | undefined>(undefined, (v) => {
    if (v === undefined) return undefined
    const c = v as Checkpoint
    return typeof c === 'object' &&
      c !== null &&
      Number.isSafeInteger(c.height) &&
      c.height >= 0 &&
      typeof c.hash === 'string' &&
      /^[0-9a-f]{64}$/.test(c.hash)
      ? undefined
      : 'must be { height, hash (64 hex) }'
  }),
  headersTimeoutMs: option.integer(10_000, { min: 1 }),
  requestTimeoutMs: option.integer(10_000, { min: 1 }),
  maxUnconnectingHeaders: option.integer(3, { min: 0 }),
  banDurationMs: option.integer(86_400_000, { min: 1 }),
  pollIntervalMs: option.integer(30_000, { min: 1 }),
  filterHeaderPeers: option.integer(3, { min: 1, max: 16 }),
  maxBufferedTransactions: option.integer(10_000, { min: 1 }),
  maxWatchedKeys: option.integer(1_000, { min: 1, max: 100_000 }),
  progressIntervalMs: option.integer(1_000, { min: 1 }),
  userAgent: option.string('chainwire-light/0.1.0', { maxLength: 256 }),
}

/** Resolves options against {@link LIGHT_CLIENT_OPTIONS}; throws `LightClientError` `ERR_INVALID_OPTIONS`. */
export function resolveLightClientOptions(
  given: Partial<LightClientOptions> | undefined,
): LightClientOptions {
  return resolveOptions(LIGHT_CLIENT_OPTIONS, given, {
    error: (message, details) => new LightClientError('ERR_INVALID_OPTIONS', message, details),
  })
}

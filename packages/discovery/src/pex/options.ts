import { type NodeRole, type OptionSpec, option } from '@chainwire/interface'
import { resolveServiceOptions } from '../util/options'

/** Options of peer exchange; every field is optional. */
export interface PexOptions {
  /** Addresses relayed to us per second per peer (Bitcoin Core's addr token bucket rate). @default 0.1 */
  addrRatePerSecond?: number
  /** Capacity of a peer's addr token bucket; asking a peer for addresses adds what we asked for. @default 1_000 */
  addrBucketSize?: number
  /** Entries we ask for and send in one `peers` message (the protocol allows at most 1,000). @default 1_000 */
  maxPeersPerMessage?: number
  /** Ask every new outbound full-relay peer for addresses once it is connected. @default true */
  requestOnConnect?: boolean
  /** Deadline of a `get_peers` request. @default 10_000 */
  requestTimeoutMs?: number
  /**
   * Answer `get_peers` once per connection (later ones get an empty list), against address scraping. A
   * bootstrap node, whose job is serving address lists, sets it to false.
   * @default true
   */
  answerOncePerConnection?: boolean
  /**
   * Our reachable addresses, announced as the first entry of every `peers` reply we send.
   * @default the network's bound listen addresses, minus wildcard hosts (0.0.0.0, ::)
   */
  announce?: readonly string[]
  /** Roles announced for ourselves. @default ['full'] */
  roles?: readonly NodeRole[]
  /** Peers whose rate-limit state is kept at most (dropped when they disconnect). @default 1_024 */
  maxTrackedPeers?: number
}

/** {@link PexOptions} with every default applied (`announce` stays optional). */
export type ResolvedPexOptions = Required<Omit<PexOptions, 'announce'>> & {
  announce: readonly string[] | undefined
}

const ROLES: readonly NodeRole[] = ['full', 'light', 'bootstrap', 'validator']

/** A list of addresses (at most 8 are used). */
const addressList = option.custom<readonly string[] | undefined>(undefined, (v) =>
  Array.isArray(v) && v.every((a) => typeof a === 'string') ? undefined : 'must be an array of addresses',
)

/** The spec of {@link PexOptions}: defaults and ranges. */
const SPEC: OptionSpec<ResolvedPexOptions> = {
  addrRatePerSecond: option.number(0.1, { min: 0 }),
  addrBucketSize: option.number(1_000, { min: 1 }),
  maxPeersPerMessage: option.integer(1_000, { min: 1, max: 1_000 }),
  requestOnConnect: option.boolean(true),
  requestTimeoutMs: option.integer(10_000, { min: 1 }),
  answerOncePerConnection: option.boolean(true),
  announce: addressList,
  roles: option.custom<readonly NodeRole[]>(['full'], (v) =>
    Array.isArray(v) && v.every((r) => ROLES.includes(r as NodeRole))
      ? undefined
      : `must be roles of ${ROLES.join(', ')}`,
  ),
  maxTrackedPeers: option.integer(1_024, { min: 1 }),
}

/** Applies the defaults and checks the ranges; throws `ERR_INVALID_OPTIONS`. */
export function resolvePexOptions(o: PexOptions = {}): ResolvedPexOptions {
  return resolveServiceOptions(SPEC, o, 'pex')
}

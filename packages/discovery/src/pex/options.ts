import type { NodeRole } from '@chainwire/interface'
import { DiscoveryError } from '../errors'

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

/** Applies the defaults and checks the ranges; throws `ERR_INVALID_OPTIONS`. */
export function resolvePexOptions(o: PexOptions = {}): ResolvedPexOptions {
  const r: ResolvedPexOptions = {
    addrRatePerSecond: o.addrRatePerSecond ?? 0.1,
    addrBucketSize: o.addrBucketSize ?? 1_000,
    maxPeersPerMessage: o.maxPeersPerMessage ?? 1_000,
    requestOnConnect: o.requestOnConnect ?? true,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    answerOncePerConnection: o.answerOncePerConnection ?? true,
    announce: o.announce,
    roles: o.roles ?? ['full'],
    maxTrackedPeers: o.maxTrackedPeers ?? 1_024,
  }
  if (!(r.addrRatePerSecond >= 0) || !(r.addrBucketSize >= 1)) {
    throw new DiscoveryError('ERR_INVALID_OPTIONS', 'pex.addrRatePerSecond >= 0 and pex.addrBucketSize >= 1')
  }
  if (!(r.maxPeersPerMessage >= 1 && r.maxPeersPerMessage <= 1_000)) {
    throw new DiscoveryError('ERR_INVALID_OPTIONS', 'pex.maxPeersPerMessage must be 1 to 1,000')
  }
  if (!(r.requestTimeoutMs >= 1) || !(r.maxTrackedPeers >= 1)) {
    throw new DiscoveryError(
      'ERR_INVALID_OPTIONS',
      'pex.requestTimeoutMs and pex.maxTrackedPeers must be >= 1',
    )
  }
  return r
}

import { DiscoveryError } from '../errors'

/** Options of outbound slot filling; every field is optional. */
export interface DialerOptions {
  /**
   * Outbound full-relay connections to keep (DESIGN.md §5). Keep it at most the network's
   * `maxOutboundFullRelay`: the network refuses dials beyond its slots.
   * @default 8
   */
  outboundFullRelay?: number
  /** Outbound block-relay-only connections to keep (at most the network's `maxOutboundBlockRelay`). @default 2 */
  outboundBlockRelay?: number
  /** How often the filler looks at the slots. @default 1_000 */
  intervalMs?: number
  /** Slot-filling dials in flight at most. @default 4 */
  maxPendingDials?: number
  /** Interval of feeler connections (a short dial of a new address, promoted to tried on success); 0 turns them off. @default 120_000 */
  feelerIntervalMs?: number
  /** Interval at which the longest-connected full-relay peer is replaced; 0 turns rotation off. @default 1_800_000 */
  rotationIntervalMs?: number
  /** Addresses always kept connected (the network redials them with backoff). @default [] */
  persistentPeers?: readonly string[]
  /** Dial the anchors saved at the last shutdown first, as block-relay-only peers, and save them at stop. @default true */
  anchors?: boolean
  /** First wait before redialing a persistent peer when the network does not keep it itself; doubles to 5 minutes. @default 1_000 */
  reconnectBaseMs?: number
  /**
   * Fill outbound slots with addresses of network groups already connected when no other group is left
   * (the peer store's `allowGroupRepeats`). Off, a slot stays empty instead: an attacker holding a few
   * groups gets at most one outbound slot per group, whatever it floods. A devnet whose nodes share one
   * group (loopback) needs it on.
   * @default false (`true` when `createDiscovery` runs with `networkKind: 'dev'`)
   */
  allowGroupRepeats?: boolean
}

/** {@link DialerOptions} with every default applied. */
export type ResolvedDialerOptions = Required<DialerOptions>

/** Applies the defaults and checks the ranges; throws `ERR_INVALID_OPTIONS`. */
export function resolveDialerOptions(o: DialerOptions = {}): ResolvedDialerOptions {
  const r: ResolvedDialerOptions = {
    outboundFullRelay: o.outboundFullRelay ?? 8,
    outboundBlockRelay: o.outboundBlockRelay ?? 2,
    intervalMs: o.intervalMs ?? 1_000,
    maxPendingDials: o.maxPendingDials ?? 4,
    feelerIntervalMs: o.feelerIntervalMs ?? 120_000,
    rotationIntervalMs: o.rotationIntervalMs ?? 1_800_000,
    persistentPeers: o.persistentPeers ?? [],
    anchors: o.anchors ?? true,
    reconnectBaseMs: o.reconnectBaseMs ?? 1_000,
    allowGroupRepeats: o.allowGroupRepeats ?? false,
  }
  for (const key of [
    'outboundFullRelay',
    'outboundBlockRelay',
    'feelerIntervalMs',
    'rotationIntervalMs',
  ] as const) {
    if (!(r[key] >= 0)) throw new DiscoveryError('ERR_INVALID_OPTIONS', `dialer.${key} must be >= 0`)
  }
  for (const key of ['intervalMs', 'maxPendingDials', 'reconnectBaseMs'] as const) {
    if (!(r[key] >= 1)) throw new DiscoveryError('ERR_INVALID_OPTIONS', `dialer.${key} must be >= 1`)
  }
  if (r.persistentPeers.length > 64) {
    throw new DiscoveryError('ERR_INVALID_OPTIONS', 'at most 64 persistent peers')
  }
  return r
}

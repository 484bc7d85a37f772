import { type OptionSpec, option } from '@chainwire/interface'
import { resolveServiceOptions } from '../util/options'

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

/** The spec of {@link DialerOptions}: defaults and ranges. */
const SPEC: OptionSpec<ResolvedDialerOptions> = {
  outboundFullRelay: option.integer(8, { min: 0 }),
  outboundBlockRelay: option.integer(2, { min: 0 }),
  intervalMs: option.integer(1_000, { min: 1 }),
  maxPendingDials: option.integer(4, { min: 1 }),
  feelerIntervalMs: option.integer(120_000, { min: 0 }),
  rotationIntervalMs: option.integer(1_800_000, { min: 0 }),
  persistentPeers: option.custom<readonly string[]>([], (v) => {
    if (!Array.isArray(v) || !v.every((a) => typeof a === 'string')) return 'must be an array of addresses'
    return v.length > 64 ? 'must hold at most 64 addresses' : undefined
  }),
  anchors: option.boolean(true),
  reconnectBaseMs: option.integer(1_000, { min: 1 }),
  allowGroupRepeats: option.boolean(false),
}

/** Applies the defaults and checks the ranges; throws `ERR_INVALID_OPTIONS`. */
export function resolveDialerOptions(o: DialerOptions = {}): ResolvedDialerOptions {
  return resolveServiceOptions(SPEC, o, 'dialer')
}

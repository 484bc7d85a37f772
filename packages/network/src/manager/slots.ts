import type { ResolvedOptions } from '../options'
import type { ConnectionKind, OutboundKind, RejectReason } from '../types'

/** A taken connection slot; hand it back with {@link ConnectionSlots.release}. */
export interface Slot {
  readonly kind: ConnectionKind
  /** Inbound only: the remote IP and its network group. */
  readonly ip: string | undefined
  readonly group: string | undefined
  /** Still handshaking. */
  pending: boolean
  released: boolean
}

/**
 * Connection slot accounting: outbound slots per kind, inbound per IP and per network group (counting
 * handshakes in progress), handshaking inbound connections, and the totals. Every map holds only keys with
 * live connections, so it is bounded by the connection limits.
 */
export class ConnectionSlots {
  private readonly options: ResolvedOptions
  private readonly byKind: Record<ConnectionKind, number> = {
    inbound: 0,
    'full-relay': 0,
    'block-relay': 0,
    feeler: 0,
    manual: 0,
  }
  private readonly perIp = new Map<string, number>()
  private readonly perGroup = new Map<string, number>()
  private pendingInbound = 0
  private pendingOutbound = 0

  constructor(options: ResolvedOptions) {
    this.options = options
  }

  /** Slots taken per kind (handshakes in progress included). */
  counts(): Readonly<Record<ConnectionKind, number>> {
    return { ...this.byKind }
  }

  /** Handshakes in progress. */
  get pending(): number {
    return this.pendingInbound + this.pendingOutbound
  }

  /** Why an inbound connection from `ip` cannot even start its handshake, or undefined. */
  checkInbound(ip: string, group: string): RejectReason | undefined {
    if (this.pendingInbound >= this.options.maxPendingInbound) return 'pending_full'
    if ((this.perIp.get(ip) ?? 0) >= this.options.maxInboundPerIp) return 'per_ip'
    if ((this.perGroup.get(group) ?? 0) >= this.options.maxInboundPerNetGroup) return 'per_net_group'
    return undefined
  }

  /** Takes a handshaking inbound slot (call {@link checkInbound} first). */
  reserveInbound(ip: string, group: string): Slot {
    this.byKind.inbound++
    this.pendingInbound++
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1)
    this.perGroup.set(group, (this.perGroup.get(group) ?? 0) + 1)
    return { kind: 'inbound', ip, group, pending: true, released: false }
  }

  /** Takes an outbound slot of `kind`, or returns undefined when that kind or the total is full. */
  reserveOutbound(kind: OutboundKind): Slot | undefined {
    if (this.byKind[kind] >= this.maxOf(kind)) return undefined
    if (this.openTotal() + this.pendingOutbound >= this.options.maxConnections) return undefined
    this.byKind[kind]++
    this.pendingOutbound++
    return { kind, ip: undefined, group: undefined, pending: true, released: false }
  }

  /** Whether admitting one more open inbound connection needs an eviction first. */
  inboundFull(): boolean {
    const openInbound = this.byKind.inbound - this.pendingInbound
    return openInbound >= this.options.maxInbound || this.openTotal() >= this.options.maxConnections
  }

  /** The handshake of the slot's connection completed. */
  markOpen(slot: Slot): void {
    if (!slot.pending || slot.released) return
    slot.pending = false
    if (slot.kind === 'inbound') this.pendingInbound--
    else this.pendingOutbound--
  }

  /** Gives a slot back; idempotent. */
  release(slot: Slot): void {
    if (slot.released) return
    slot.released = true
    this.byKind[slot.kind]--
    if (slot.pending) {
      if (slot.kind === 'inbound') this.pendingInbound--
      else this.pendingOutbound--
    }
    if (slot.ip !== undefined) decrement(this.perIp, slot.ip)
    if (slot.group !== undefined) decrement(this.perGroup, slot.group)
  }

  private openTotal(): number {
    let total = 0
    for (const n of Object.values(this.byKind)) total += n
    return total - this.pendingInbound - this.pendingOutbound
  }

  private maxOf(kind: OutboundKind): number {
    switch (kind) {
      case 'full-relay':
        return this.options.maxOutboundFullRelay
      case 'block-relay':
        return this.options.maxOutboundBlockRelay
      case 'feeler':
        return this.options.maxFeelers
      case 'manual':
        return this.options.maxManual
    }
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1
  if (n <= 0) map.delete(key)
  else map.set(key, n)
}

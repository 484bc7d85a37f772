import { createHash } from 'node:crypto'
import type { Connection } from '../connection/connection'
import { IpRateTable } from '../limits/ip-rate-table'
import { netGroupOf } from '../limits/net-group'
import { type EvictionCandidate, selectEvictionCandidate } from '../manager/eviction'
import type { Slot } from '../manager/slots'
import type { RawConnection } from '../transport/index'
import type { RejectReason } from '../types'
import type { NetworkState } from './state'

/**
 * Inbound admission and eviction: who may open a connection to us (the gater, the per-IP connection rate,
 * the per-IP, per-group and handshaking caps), and, once a newcomer is authenticated and the inbound slots
 * are full, which inbound peer makes room for it (Bitcoin Core's eviction rules, `selectEvictionCandidate`).
 */
export class InboundAdmission {
  private readonly state: NetworkState
  private readonly ipBuckets: IpRateTable
  /** A per-node secret: which groups eviction protects cannot be predicted from outside. */
  private readonly evictionKey: Buffer

  constructor(state: NetworkState) {
    this.state = state
    const o = state.options
    this.ipBuckets = new IpRateTable(
      state.clock,
      { rate: o.inboundRatePerIp, burst: o.inboundBurstPerIp },
      o.maxTrackedIps,
    )
    this.evictionKey = Buffer.from(Array.from({ length: 16 }, () => Math.floor(state.random() * 256)))
  }

  /**
   * A connection arrived (accepted by a transport, or handed over with `addConnection`): refused at once
   * (closed, counted, announced; the reason is returned) or given an inbound slot, which is returned for the
   * caller to run the handshake in.
   */
  accept(raw: RawConnection): Slot | RejectReason {
    const s = this.state
    if (!s.started) {
      raw.close()
      return 'shutdown'
    }
    const ip = raw.remoteHost
    const group = netGroupOf(ip)
    let reason: RejectReason | undefined
    if (s.gater !== undefined && !s.gater.allowInbound(ip)) reason = 'gater'
    else if (!this.ipBuckets.take(ip)) reason = 'inbound_rate'
    else reason = s.slots.checkInbound(ip, group)
    if (reason !== undefined) {
      s.rejected('inbound', raw.remoteAddress, undefined, reason)
      raw.close()
      return reason
    }
    const slot = s.slots.reserveInbound(ip, group)
    s.updateGauges()
    return slot
  }

  /**
   * Makes sure an authenticated inbound connection fits: when the inbound slots are full, evicts the peer
   * chosen by {@link selectEvictionCandidate}; false when every peer is protected (the newcomer must then be
   * refused with `too_many_peers`). A connection from an already connected peer needs no room (it is a
   * duplicate).
   */
  makeRoom(conn: Connection): boolean {
    const s = this.state
    if (conn.direction !== 'inbound' || s.peersById.has(conn.peerId) || !s.slots.inboundFull()) return true
    const victim = this.selectEviction()
    if (victim === undefined) return false
    s.hit('evictions')
    void victim.close('evicted', 'local', 'evicted for a new inbound peer')
    return true
  }

  /** Forgets every per-IP rate bucket (at stop). */
  clear(): void {
    this.ipBuckets.clear()
  }

  private selectEviction(): Connection | undefined {
    const s = this.state
    const candidates: EvictionCandidate[] = []
    const byId = new Map<number, Connection>()
    for (const c of s.peersById.values()) {
      if (c.direction !== 'inbound' || c.state !== 'open') continue
      byId.set(c.id, c)
      candidates.push({
        id: c.id,
        connectedAt: c.connectedAt,
        minPingMs: c.minLatencyMs ?? Number.POSITIVE_INFINITY,
        lastBlockAt: c.lastBlockAt,
        lastTxAt: c.lastTxAt,
        netGroup: c.netGroup,
        keyedNetGroup: this.keyedNetGroup(c.netGroup),
        preferEvict: s.gater?.isDiscouraged?.(c.remoteHost) ?? false,
      })
    }
    const id = selectEvictionCandidate(candidates, s.options.evictionProtection)
    return id === undefined ? undefined : byId.get(id)
  }

  private keyedNetGroup(group: string): number {
    return createHash('sha256').update(this.evictionKey).update(group).digest().readUInt32BE(0)
  }
}

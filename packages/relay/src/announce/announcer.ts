import type { PeerId, TimerHandle } from '@chainwire/interface'
import { exponentialDelay, LruMap } from '@chainwire/interface'
import type { PeerInfo } from '@chainwire/network'
import type { InventoryData, InvItem, Message } from '@chainwire/protocol-codec'
import type { StoredMessage } from '../cache/message-store'
import type { RelayContext, Strategy, TopicState } from '../context'
import { idKey, idOfKey } from '../message/id'
import type { RelayPeer } from '../peers/peer-table'

type Kind = 'tx' | 'block'

/** One peer's announcement of an item. */
interface Announcement {
  readonly peer: PeerId
  readonly at: number
  readonly outbound: boolean
}

/** An item someone announced that we do not have: who announced it, who we asked, and until when. */
interface Wanted {
  readonly kind: Kind
  readonly id: Uint8Array
  readonly announcements: Announcement[]
  readonly asked: Set<PeerId>
  /** The peer asked now (its request carries the get_data deadline). */
  inFlight: { peer: PeerId } | undefined
}

/** Announcers remembered per item. */
const MAX_ANNOUNCERS = 16

const topicOf = (kind: string): string | undefined =>
  kind === 'block' ? 'blocks' : kind === 'tx' ? 'transactions' : undefined

/**
 * Announce-pull (Bitcoin's inv / getdata / notfound): validated items are announced by hash, and a peer that
 * lacks one asks for it. Transactions go out in Poisson-delayed trickle batches (one timer for all inbound
 * peers, mean 5 s; one per outbound peer, mean 2 s), which hides where a transaction started; blocks are
 * announced at once. Each peer has a bounded set of items it is known to have (never announced to it again).
 * Each wanted item has one `get_data` in flight at a time, outbound announcers asked first and inbound ones
 * only after a delay, with a timeout and a fall back to the next announcer on `not_found` or silence.
 */
export class Announcer implements Strategy {
  private readonly ctx: RelayContext
  private readonly wanted: LruMap<string, Wanted>
  /** Items whose request could not go out yet (no eligible announcer now). */
  private readonly waiting = new Set<string>()
  /** Announcements tracked per peer (bounded by `maxAnnouncementsPerPeer`). */
  private readonly perPeer = new Map<PeerId, number>()
  private readonly outboundTimers = new Map<PeerId, TimerHandle>()
  private inboundTimer: TimerHandle | undefined
  private requestTimer: TimerHandle | undefined
  private requestAt = Number.POSITIVE_INFINITY
  /** False after `clear()` (the relay stopped): late answers arm no timer. */
  private active = true

  constructor(ctx: RelayContext) {
    this.ctx = ctx
    this.wanted = new LruMap(ctx.options.announce.maxTrackedItems, (key, w) => this.forget(key, w))
  }

  // ------------------------------------------------------------------------------------------ strategy

  publish(topic: TopicState, message: StoredMessage): number {
    return this.announce(topic, message, [])
  }

  forward(topic: TopicState, message: StoredMessage, exclude: readonly PeerId[]): number {
    return this.announce(topic, message, exclude)
  }

  received(_topic: TopicState, message: { key: string }, from: PeerId): void {
    this.ctx.peers.get(from)?.known?.set(message.key, true)
    this.satisfied(message.key)
  }

  duplicate(_topic: TopicState, key: string, from: PeerId): void {
    this.ctx.peers.get(from)?.known?.set(key, true)
  }

  // ------------------------------------------------------------------------------------------ announce

  private announce(topic: TopicState, message: StoredMessage, exclude: readonly PeerId[]): number {
    let n = 0
    const immediate = topic.name === 'blocks'
    for (const peer of this.ctx.topicPeers(topic.name)) {
      if (exclude.includes(peer.id)) continue
      const known = this.knownOf(peer)
      if (known.has(message.key)) continue
      if (immediate) {
        if (this.sendInv(peer, [{ kind: 'block', hash: message.id }])) n++
        continue
      }
      peer.invQueue ??= new Set()
      peer.invQueue.add(message.key)
      if (peer.invQueue.size > this.ctx.options.announce.maxQueuedPerPeer) {
        const oldest = peer.invQueue.values().next().value as string
        peer.invQueue.delete(oldest)
      }
      this.armTrickle(peer)
      n++
    }
    return n
  }

  private knownOf(peer: RelayPeer): LruMap<string, true> {
    peer.known ??= new LruMap(this.ctx.options.announce.knownInventorySize)
    return peer.known
  }

  private armTrickle(peer: RelayPeer): void {
    if (!this.active) return
    const a = this.ctx.options.announce
    if (peer.outbound) {
      if (this.outboundTimers.has(peer.id)) return
      const delay = exponentialDelay(a.outboundTrickleMs, this.ctx.random)
      this.outboundTimers.set(
        peer.id,
        this.ctx.clock.setTimeout(() => {
          this.outboundTimers.delete(peer.id)
          this.flush(peer)
        }, delay),
      )
      return
    }
    if (this.inboundTimer !== undefined) return
    this.inboundTimer = this.ctx.clock.setTimeout(
      () => {
        this.inboundTimer = undefined
        for (const p of this.ctx.peers.all()) if (!p.outbound) this.flush(p)
      },
      exponentialDelay(a.inboundTrickleMs, this.ctx.random),
    )
  }

  /** Sends one trickle batch to a peer; re-arms its timer when items are left. */
  private flush(peer: RelayPeer): void {
    const queue = peer.invQueue
    if (queue === undefined || queue.size === 0 || !this.ctx.peers.has(peer.id)) return
    const known = this.knownOf(peer)
    const items: InvItem[] = []
    for (const key of queue) {
      if (items.length >= this.ctx.options.announce.maxInvPerTrickle) break
      queue.delete(key)
      if (known.has(key)) continue
      items.push({ kind: 'tx', hash: idOfKey(key) })
    }
    if (items.length > 0) this.sendInv(peer, items)
    if (queue.size > 0) this.armTrickle(peer)
  }

  private sendInv(peer: RelayPeer, items: InvItem[]): boolean {
    if (!this.ctx.sendNow(peer.id, { type: 'inv', data: { items } })) return false
    const known = this.knownOf(peer)
    for (const item of items) known.set(idKey(item.hash), true)
    this.ctx.announceCounters.invSent++
    this.ctx.announceCounters.itemsAnnounced += items.length
    this.ctx.metrics.inventory.inc(items.length, { event: 'announced' })
    return true
  }

  // --------------------------------------------------------------------------------------------- pull

  /** An `inv` from a peer: remember who announced what, and ask for what we lack. */
  onInv(peer: RelayPeer, data: InventoryData): void {
    const c = this.ctx.announceCounters
    c.invReceived++
    const a = this.ctx.options.announce
    const now = this.ctx.clock.now()
    const known = this.knownOf(peer)
    const fresh: string[] = []
    for (const item of data.items) {
      const topic = topicOf(item.kind)
      if (topic === undefined || this.ctx.topic(topic)?.strategy !== 'announce') continue
      const key = idKey(item.hash)
      known.set(key, true)
      if (this.ctx.seen.get(key) !== undefined) continue
      let w = this.wanted.peek(key)
      if (w === undefined) {
        if ((this.perPeer.get(peer.id) ?? 0) >= a.maxAnnouncementsPerPeer) continue
        w = {
          kind: item.kind as Kind,
          id: item.hash,
          announcements: [],
          asked: new Set(),
          inFlight: undefined,
        }
        this.wanted.set(key, w)
      }
      if (w.announcements.length >= MAX_ANNOUNCERS || w.announcements.some((x) => x.peer === peer.id))
        continue
      if ((this.perPeer.get(peer.id) ?? 0) >= a.maxAnnouncementsPerPeer) continue
      this.perPeer.set(peer.id, (this.perPeer.get(peer.id) ?? 0) + 1)
      w.announcements.push({ peer: peer.id, at: now, outbound: peer.outbound })
      this.waiting.add(key)
      fresh.push(key)
    }
    this.requestWaiting(fresh)
  }

  /** Serves a `get_data`: each found item as its own message, the rest listed in the `not_found` answer. */
  async onGetData(peer: PeerInfo, data: InventoryData): Promise<Message> {
    const c = this.ctx.announceCounters
    c.getDataReceived++
    const max = this.ctx.options.announce.maxGetDataItems
    const missing: InvItem[] = data.items.slice(max)
    const known = this.ctx.peers.get(peer.peerId)
    for (const item of data.items.slice(0, max)) {
      const message = this.lookup(item)
      if (message === undefined) {
        missing.push(item)
        continue
      }
      try {
        await this.ctx.network.send(peer.peerId, message)
        c.itemsServed++
        this.ctx.metrics.inventory.inc(1, { event: 'served' })
        if (known !== undefined) this.knownOf(known).set(idKey(item.hash), true)
      } catch {
        missing.push(item)
      }
    }
    c.itemsNotFound += missing.length
    if (missing.length > 0) this.ctx.metrics.inventory.inc(missing.length, { event: 'not_found' })
    return { type: 'not_found', data: { items: missing } }
  }

  private lookup(item: InvItem): Message | undefined {
    const topic = topicOf(item.kind)
    if (topic === undefined) return undefined
    const stored = this.ctx.store.get(idKey(item.hash))
    if (stored !== undefined && stored.topic === topic) return stored.wire
    return this.ctx.inventory?.get(item.kind as Kind, item.hash)
  }

  /**
   * Sends get_data for the waiting items (`keys`, or all of them) that have an eligible announcer now, batched
   * per peer; re-arms a timer for the first one that will have one.
   */
  private requestWaiting(keys: Iterable<string> = this.waiting): void {
    const a = this.ctx.options.announce
    const now = this.ctx.clock.now()
    const batches = new Map<PeerId, InvItem[]>()
    let next = Number.POSITIVE_INFINITY
    for (const key of keys) {
      if (!this.waiting.has(key)) continue
      const w = this.wanted.peek(key)
      if (w === undefined || w.inFlight !== undefined) {
        this.waiting.delete(key)
        continue
      }
      let chosen: PeerId | undefined
      let exhausted = true
      for (const x of [...w.announcements].sort((p, q) => Number(q.outbound) - Number(p.outbound))) {
        if (w.asked.has(x.peer)) continue
        const peer = this.ctx.peers.get(x.peer)
        if (peer === undefined) continue
        exhausted = false
        const readyAt = x.outbound ? x.at : x.at + a.inboundRequestDelayMs
        if (readyAt > now) {
          next = Math.min(next, readyAt)
          continue
        }
        if (peer.inFlight + (batches.get(x.peer)?.length ?? 0) >= a.maxInFlightPerPeer) continue
        chosen = x.peer
        break
      }
      if (chosen === undefined) {
        if (exhausted) this.drop(key, w)
        continue
      }
      this.waiting.delete(key)
      w.asked.add(chosen)
      w.inFlight = { peer: chosen }
      let batch = batches.get(chosen)
      if (batch === undefined) batches.set(chosen, (batch = []))
      batch.push({ kind: w.kind, hash: w.id })
    }
    for (const [peer, items] of batches) this.request(peer, items)
    this.armRequests(next)
  }

  private armRequests(at: number): void {
    if (!this.active || at === Number.POSITIVE_INFINITY || at >= this.requestAt) return
    if (this.requestTimer !== undefined) this.ctx.clock.clearTimeout(this.requestTimer)
    this.requestAt = at
    this.requestTimer = this.ctx.clock.setTimeout(
      () => {
        this.requestTimer = undefined
        this.requestAt = Number.POSITIVE_INFINITY
        this.requestWaiting()
      },
      Math.max(0, at - this.ctx.clock.now()),
    )
  }

  private request(peerId: PeerId, items: InvItem[]): void {
    const c = this.ctx.announceCounters
    const peer = this.ctx.peers.get(peerId)
    if (peer === undefined) return
    peer.inFlight += items.length
    c.getDataSent++
    c.itemsRequested += items.length
    this.ctx.metrics.inventory.inc(items.length, { event: 'requested' })
    const settle = (): void => {
      if (!this.active) return
      peer.inFlight = Math.max(0, peer.inFlight - items.length)
      const failed: string[] = []
      for (const item of items) {
        const key = idKey(item.hash)
        const w = this.wanted.peek(key)
        if (w?.inFlight?.peer !== peerId) continue
        // neither delivered nor (already) given up: ask the next announcer
        w.inFlight = undefined
        this.waiting.add(key)
        failed.push(key)
      }
      if (failed.length > 0) {
        c.fallbacks += failed.length
        this.ctx.metrics.inventory.inc(failed.length, { event: 'failed' })
        this.requestWaiting(failed)
      }
    }
    this.ctx.network
      .request(
        peerId,
        { type: 'get_data', data: { items } },
        { timeoutMs: this.ctx.options.announce.getDataTimeoutMs },
      )
      .then(settle, () => {
        c.requestFailures++
        settle()
      })
  }

  /** A wanted item arrived (from anyone): forget it. */
  private satisfied(key: string): void {
    const w = this.wanted.peek(key)
    if (w === undefined) return
    this.wanted.delete(key)
    this.forget(key, w)
  }

  private drop(key: string, w: Wanted): void {
    this.wanted.delete(key)
    this.forget(key, w)
  }

  private forget(key: string, w: Wanted): void {
    this.waiting.delete(key)
    for (const x of w.announcements) {
      const n = (this.perPeer.get(x.peer) ?? 1) - 1
      if (n <= 0) this.perPeer.delete(x.peer)
      else this.perPeer.set(x.peer, n)
    }
  }

  /** A peer left: its timers stop, and its announcements no longer count toward its budget. */
  peerRemoved(id: PeerId): void {
    const timer = this.outboundTimers.get(id)
    if (timer !== undefined) this.ctx.clock.clearTimeout(timer)
    this.outboundTimers.delete(id)
    this.perPeer.delete(id)
    this.requestWaiting()
  }

  /** Counts of the tracking tables (for status and bounds tests). */
  get tracked(): number {
    return this.wanted.size
  }

  /** Takes requests and timers again after `clear()` (the relay restarted). */
  resume(): void {
    this.active = true
  }

  clear(): void {
    this.active = false
    for (const t of this.outboundTimers.values()) this.ctx.clock.clearTimeout(t)
    this.outboundTimers.clear()
    this.ctx.clock.clearTimeout(this.inboundTimer)
    this.inboundTimer = undefined
    this.ctx.clock.clearTimeout(this.requestTimer)
    this.requestTimer = undefined
    this.requestAt = Number.POSITIVE_INFINITY
    this.wanted.clear()
    this.waiting.clear()
    this.perPeer.clear()
  }
}

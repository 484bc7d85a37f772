import { setMaxListeners } from 'node:events'
import type { Logger, PeerId, TimerHandle } from '@chainwire/interface'
import { ChainwireError, noopLogger } from '@chainwire/interface'
import { EventEmitter } from 'eventemitter3'
import type { BaseComponents, DialKind, DiscoveryDialCandidate, DiscoveryPeerStore } from '../components'
import type { DiscoveryEvents } from '../events'
import { type DiscoveryMetrics, discoveryMetrics } from '../metrics'
import { safeEmit } from '../util/emit'
import { type DialerOptions, type ResolvedDialerOptions, resolveDialerOptions } from './options'
import { countOutbound, pickRotation, slotsToFill } from './slots'

/** What the slot filler needs: the shared components and the peer store it draws addresses from. */
export interface DialerComponents extends BaseComponents {
  peerStore: DiscoveryPeerStore
}

/** Errors that say nothing about the address (no slot, backoff, shutdown): not counted as its failure. */
const NOT_THE_ADDRESS = new Set([
  'ERR_CONNECTION_LIMIT',
  'ERR_DIAL_BACKOFF',
  'ERR_ABORTED',
  'ERR_NOT_STARTED',
])

/**
 * Outbound slot filling: keeps the full-relay and block-relay-only targets filled from the peer store (one
 * address per network group, avoiding the groups of current peers), dials the saved anchors first, runs a
 * feeler connection every `feelerIntervalMs` to test and promote new addresses, rotates the longest-
 * connected full-relay peer every `rotationIntervalMs`, and keeps persistent peers connected.
 */
export class OutboundDialer extends EventEmitter<DiscoveryEvents> {
  readonly options: ResolvedDialerOptions
  private readonly c: DialerComponents
  private readonly log: Logger
  private readonly metrics: DiscoveryMetrics
  private readonly pending = new Map<
    string,
    { kind: DialKind; peerId: PeerId | undefined; anchor: boolean }
  >()
  private readonly tasks = new Set<Promise<unknown>>()
  private readonly persistent = new Map<string, { retryAt: number; delay: number }>()
  private anchorQueue: { peerId: PeerId; address: string }[] = []
  private timers: TimerHandle[] = []
  private started = false
  private stopController = new AbortController()

  constructor(components: DialerComponents, options: DialerOptions = {}) {
    super()
    this.c = components
    this.options = resolveDialerOptions(options)
    this.log = (components.logger ?? noopLogger).child({ component: 'dialer' })
    this.metrics = discoveryMetrics(components.metrics)
  }

  /** Loads the anchors, hands persistent peers to the network and starts the timers. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    this.stopController = new AbortController()
    // every lookup, request and dial in flight listens to it (each bounded by its own option)
    setMaxListeners(1_000, this.stopController.signal)
    const net = this.c.network
    for (const address of this.options.persistentPeers) {
      if (net.addPersistentPeer !== undefined) net.addPersistentPeer(address)
      else this.persistent.set(address, { retryAt: 0, delay: this.options.reconnectBaseMs })
    }
    if (this.options.anchors) {
      this.anchorQueue = (await this.c.peerStore.getAnchors()).slice(0, this.options.outboundBlockRelay)
    }
    const clock = this.c.clock
    this.timers.push(clock.setInterval(() => this.tick(), this.options.intervalMs))
    if (this.options.feelerIntervalMs > 0) {
      this.timers.push(clock.setInterval(() => this.feeler(), this.options.feelerIntervalMs))
    }
    if (this.options.rotationIntervalMs > 0) {
      this.timers.push(clock.setInterval(() => this.rotate(), this.options.rotationIntervalMs))
    }
    this.tick()
  }

  /** Saves the block-relay-only peers as anchors, clears the timers and waits for dials in flight. */
  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const t of this.timers) this.c.clock.clearInterval(t)
    this.timers = []
    if (this.options.anchors) {
      const anchors = this.c.network
        .peers()
        .filter(
          (p) => p.direction === 'outbound' && p.kind === 'block-relay' && p.dialedAddress !== undefined,
        )
        .map((p) => ({ peerId: p.peerId, address: p.dialedAddress as string }))
      this.c.peerStore.saveAnchors(anchors.slice(0, this.options.outboundBlockRelay))
    }
    this.stopController.abort()
    await Promise.allSettled([...this.tasks])
  }

  /**
   * Looks at the slots and starts the dials that fill them. The saved anchors come first (Bitcoin Core): they
   * take the dial budget, and nothing is drawn from the table until every anchor dial has connected or failed,
   * so a table poisoned while we were down cannot take slots before the peers we trusted at the last stop.
   */
  tick(): void {
    if (!this.started) return
    const peers = this.c.network.peers()
    if (this.dialAnchors(peers)) {
      this.redialPersistent()
      return
    }
    const open = countOutbound(peers)
    let pendingFull = 0
    let pendingBlock = 0
    for (const p of this.pending.values()) {
      if (p.kind === 'full-relay') pendingFull++
      else if (p.kind === 'block-relay') pendingBlock++
    }
    const need = slotsToFill(
      { ...open, pendingFullRelay: pendingFull, pendingBlockRelay: pendingBlock },
      { fullRelay: this.options.outboundFullRelay, blockRelay: this.options.outboundBlockRelay },
      this.options.maxPendingDials,
    )
    if (need.fullRelay <= 0 && need.blockRelay <= 0) {
      // every slot is filled or being filled: nothing to pick (most ticks of a settled node)
      this.redialPersistent()
      return
    }
    const exclude = this.excluded()
    const allowGroupRepeats = this.options.allowGroupRepeats
    if (need.fullRelay > 0) {
      for (const cand of this.c.peerStore.selectForDial(need.fullRelay, { exclude, allowGroupRepeats })) {
        this.dial(cand, 'full-relay')
        exclude.add(cand.peerId)
        exclude.add(cand.address)
      }
    }
    if (need.blockRelay > 0) {
      for (const cand of this.c.peerStore.selectForDial(need.blockRelay, { exclude, allowGroupRepeats }))
        this.dial(cand, 'block-relay')
    }
    this.redialPersistent()
  }

  /**
   * Dials the queued anchors as block-relay-only peers, within `maxPendingDials`. True while an anchor is
   * still queued or being dialed: the table waits for them.
   */
  private dialAnchors(peers: readonly { peerId: PeerId }[]): boolean {
    let inFlight = 0
    for (const p of this.pending.values()) if (p.anchor) inFlight++
    if (this.anchorQueue.length === 0) return inFlight > 0
    const connected = new Set(peers.map((p) => p.peerId))
    let room = this.options.maxPendingDials - this.pending.size
    while (room > 0 && this.anchorQueue.length > 0) {
      const anchor = this.anchorQueue.shift() as { peerId: PeerId; address: string }
      if (connected.has(anchor.peerId) || this.pending.has(anchor.address)) continue
      this.dial({ ...anchor, group: '' }, 'block-relay', undefined, true)
      inFlight++
      room--
    }
    return this.anchorQueue.length > 0 || inFlight > 0
  }

  /** One feeler connection to a new (or collided tried) address; promoted to tried when it answers. */
  feeler(): void {
    if (!this.started) return
    const open = countOutbound(this.c.network.peers())
    if (open.fullRelay === 0) return // offline or still starting: fill the real slots first
    for (const p of this.pending.values()) if (p.kind === 'feeler') return
    const cand = this.c.peerStore.selectFeeler({ exclude: this.excluded() })
    if (cand !== undefined) this.dial(cand, 'feeler')
  }

  /** Disconnects the longest-connected full-relay peer so the next tick replaces it. */
  rotate(): void {
    if (!this.started) return
    const persistent = new Set(this.options.persistentPeers)
    const victim = pickRotation(this.c.network.peers(), this.options.outboundFullRelay, (p) =>
      persistent.has(p.dialedAddress ?? ''),
    )
    if (victim === undefined) return
    this.c.network.disconnect(victim.peerId, 'requested', 'outbound rotation').catch(() => undefined)
  }

  /** Dials in flight. */
  pendingDials(): number {
    return this.pending.size
  }

  private excluded(): Set<string> {
    const out = new Set<string>()
    for (const p of this.c.network.peers()) {
      out.add(p.peerId)
      out.add(p.remoteAddress)
      if (p.dialedAddress !== undefined) out.add(p.dialedAddress)
    }
    for (const [address, p] of this.pending) {
      out.add(address)
      if (p.peerId !== undefined) out.add(p.peerId)
    }
    return out
  }

  private redialPersistent(): void {
    if (this.persistent.size === 0) return
    const now = this.c.clock.now()
    const dialedAddrs = new Set(this.c.network.peers().map((p) => p.dialedAddress))
    for (const [address, state] of this.persistent) {
      if (dialedAddrs.has(address) || this.pending.has(address) || now < state.retryAt) continue
      this.dial({ peerId: '', address, group: '' }, 'manual', state)
    }
  }

  private dial(
    cand: DiscoveryDialCandidate,
    kind: DialKind,
    backoff?: { retryAt: number; delay: number },
    anchor = false,
  ): void {
    const { address } = cand
    if (this.pending.has(address)) return
    const peerId = cand.peerId === '' ? undefined : cand.peerId
    this.pending.set(address, { kind, peerId, anchor })
    if (backoff === undefined) this.c.peerStore.markAttempt(address)
    const task = this.c.network
      .dial(address, {
        kind,
        signal: this.stopController.signal,
        ...(peerId === undefined ? {} : { peerId }),
      })
      .then(
        (peer) => {
          this.metrics.dials.inc(1, { kind, result: 'ok' })
          this.c.peerStore.markGood(address, peer.peerId)
          if (backoff !== undefined) {
            backoff.delay = this.options.reconnectBaseMs
            backoff.retryAt = 0
          }
          safeEmit(this, this.log, 'dial:done', { address, kind, peerId: peer.peerId, ok: true })
          if (
            kind === 'feeler' &&
            this.c.network.peers().some((p) => p.peerId === peer.peerId && p.kind === 'feeler')
          ) {
            this.c.network.disconnect(peer.peerId, 'requested', 'feeler done').catch(() => undefined)
          }
        },
        (err: unknown) => {
          this.metrics.dials.inc(1, { kind, result: 'failed' })
          const code = ChainwireError.isInstance(err) ? err.code : ''
          if (!NOT_THE_ADDRESS.has(code) && backoff === undefined) this.c.peerStore.markFailed(address)
          if (backoff !== undefined) {
            backoff.retryAt = this.c.clock.now() + backoff.delay
            backoff.delay = Math.min(300_000, backoff.delay * 2)
          }
          safeEmit(this, this.log, 'dial:done', { address, kind, peerId: undefined, ok: false })
          this.log.debug({ err, address, kind }, 'outbound dial failed')
        },
      )
      .finally(() => {
        this.pending.delete(address)
        this.tasks.delete(task)
      })
    this.tasks.add(task)
  }
}

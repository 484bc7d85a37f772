import { setMaxListeners } from 'node:events'
import type { Logger, PeerId, TimerHandle } from '@chainwire/interface'
import { noopLogger } from '@chainwire/interface'
import { EventEmitter } from 'eventemitter3'
import type { BaseComponents, DiscoveryPeer, DiscoveryPeerStore } from '../components'
import type { DiscoveryEvents, DiscoveryMethod } from '../events'
import { type DiscoveryMetrics, discoveryMetrics } from '../metrics'
import { safeEmit } from '../util/emit'
import { type BootstrapOptions, type ResolvedBootstrapOptions, resolveBootstrapOptions } from './options'

/** What the bootstrap service needs: the shared components, the peer store, and a way to ask for peers. */
export interface BootstrapComponents extends BaseComponents {
  peerStore: DiscoveryPeerStore
  /** Asks a connected peer for addresses and feeds them to the peer store (peer exchange does this). */
  requestPeers(peerId: PeerId, method: DiscoveryMethod): Promise<number>
}

/** Whether the bootstrap service should close its bootstrap connections, given the connected peers. */
export function shouldRelease(
  peers: readonly DiscoveryPeer[],
  bootstrapIds: ReadonlySet<PeerId>,
  enoughPeers: number,
): boolean {
  return otherPeers(peers, bootstrapIds) >= enoughPeers
}

/**
 * Outbound full-relay and block-relay peers that are not bootstrap nodes (neither dialed as one nor
 * announcing the role): the connections the node chose itself, which inbound peers cannot fake.
 */
export function otherPeers(peers: readonly DiscoveryPeer[], bootstrapIds: ReadonlySet<PeerId>): number {
  let n = 0
  for (const p of peers) {
    if (p.direction !== 'outbound' || (p.kind !== 'full-relay' && p.kind !== 'block-relay')) continue
    if (!isBootstrap(p, bootstrapIds)) n++
  }
  return n
}

function isBootstrap(p: DiscoveryPeer, ids: ReadonlySet<PeerId>): boolean {
  return ids.has(p.peerId) || p.hello.roles.includes('bootstrap')
}

/**
 * Bootstrap: dials the configured bootstrap nodes (and addresses from DNS seeds), asks each for peers, and
 * once `enoughPeers` other peers are connected closes the bootstrap connections. When the node falls below
 * `minPeers` with no bootstrap connection, it bootstraps again (at most every `retryIntervalMs`); until a
 * bootstrap node has answered once, it does so whenever it is short of `enoughPeers`.
 */
export class Bootstrap extends EventEmitter<DiscoveryEvents> {
  readonly options: ResolvedBootstrapOptions
  private readonly c: BootstrapComponents
  private readonly log: Logger
  private readonly metrics: DiscoveryMetrics
  /** Candidate address to how it was learned. */
  private readonly candidates = new Map<string, DiscoveryMethod>()
  /** Peers we connected to as bootstrap nodes or seeds. */
  private readonly bootstrapIds = new Set<PeerId>()
  private readonly dialing = new Set<string>()
  private readonly pending = new Set<Promise<unknown>>()
  private timer: TimerHandle | undefined
  private started = false
  private lastRound = Number.NEGATIVE_INFINITY
  private lastAsk = Number.NEGATIVE_INFINITY
  /** Whether a bootstrap node or seed has answered `get_peers` since start. */
  private heard = false
  private asking = 0
  private stopController = new AbortController()

  constructor(components: BootstrapComponents, options: BootstrapOptions = {}) {
    super()
    this.c = components
    this.options = resolveBootstrapOptions(options)
    this.log = (components.logger ?? noopLogger).child({ component: 'bootstrap' })
    this.metrics = discoveryMetrics(components.metrics)
    for (const a of this.options.addresses) this.addCandidates([a], 'bootstrap')
  }

  /** Starts a first bootstrap round and the check timer. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    this.stopController = new AbortController()
    this.heard = false
    // every lookup, request and dial in flight listens to it (each bounded by its own option)
    setMaxListeners(1_000, this.stopController.signal)
    this.timer = this.c.clock.setInterval(() => this.check(), this.options.checkIntervalMs)
    this.round()
  }

  /** Clears the timer and waits for dials in flight to end. */
  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.c.clock.clearInterval(this.timer)
    this.timer = undefined
    this.stopController.abort()
    await Promise.allSettled([...this.pending])
  }

  /** Adds addresses to bootstrap from (DNS seeds call this); dialed in the next round if needed. */
  addCandidates(addresses: readonly string[], method: DiscoveryMethod): void {
    for (const a of addresses) {
      if (this.candidates.has(a)) continue
      if (this.candidates.size >= this.options.maxCandidates) break
      this.candidates.set(a, method)
    }
    if (this.started && otherPeers(this.c.network.peers(), this.bootstrapIds) < this.options.enoughPeers) {
      this.round(true)
    }
  }

  /** Peers we connected to as bootstrap nodes or seeds. */
  bootstrapPeers(): PeerId[] {
    return [...this.bootstrapIds]
  }

  /** Releases the bootstrap connections when enough other peers are connected; bootstraps again when too few. */
  check(): void {
    if (!this.started) return
    const peers = this.c.network.peers()
    if (shouldRelease(peers, this.bootstrapIds, this.options.enoughPeers)) {
      const released: PeerId[] = []
      for (const p of peers) {
        if (
          p.direction === 'outbound' &&
          isBootstrap(p, this.bootstrapIds) &&
          p.kind === this.options.dialKind
        ) {
          released.push(p.peerId)
          this.c.network.disconnect(p.peerId, 'requested', 'bootstrap done').catch(() => undefined)
        }
      }
      if (released.length > 0) safeEmit(this, this.log, 'bootstrap:released', { peers: released })
      return
    }
    const connectedBootstrap = peers.filter(
      (p) => isBootstrap(p, this.bootstrapIds) && p.direction === 'outbound',
    )
    if (connectedBootstrap.length === 0) {
      // Until a bootstrap node has answered, every round short of `enoughPeers` tries again: the first
      // peers a node meets (an inbound stranger announcing itself, say) must not stop it from ever
      // hearing the bootstrap nodes' lists.
      const others = otherPeers(peers, this.bootstrapIds)
      if (others < this.options.minPeers || (!this.heard && others < this.options.enoughPeers)) this.round()
      return
    }
    // Still short of peers: ask the bootstrap nodes again (they answer more than once; their lists grow).
    const now = this.c.clock.now()
    if (now - this.lastAsk >= this.options.retryIntervalMs && this.asking === 0) {
      this.lastAsk = now
      for (const p of connectedBootstrap) {
        this.asking++
        this.track(
          this.c
            .requestPeers(p.peerId, 'bootstrap')
            .catch(() => 0)
            .finally(() => this.asking--),
        )
      }
    }
  }

  /** Dials the candidates not connected (at most `maxConcurrentDials` at once). */
  private round(force = false): void {
    const now = this.c.clock.now()
    if (!force && now - this.lastRound < this.options.retryIntervalMs) return
    this.lastRound = now
    const connected = new Set(this.c.network.peers().map((p) => p.dialedAddress))
    for (const [address, method] of this.candidates) {
      if (this.dialing.size >= this.options.maxConcurrentDials) break
      if (this.dialing.has(address) || connected.has(address)) continue
      this.track(this.dialOne(address, method))
    }
  }

  private async dialOne(address: string, method: DiscoveryMethod): Promise<void> {
    this.dialing.add(address)
    try {
      const peer = await this.c.network.dial(address, {
        kind: this.options.dialKind,
        signal: this.stopController.signal,
      })
      this.metrics.dials.inc(1, { kind: 'bootstrap', result: 'ok' })
      safeEmit(this, this.log, 'dial:done', { address, kind: 'bootstrap', peerId: peer.peerId, ok: true })
      if (method === 'dns') {
        // A DNS seed names ordinary nodes: they are worth remembering.
        this.c.peerStore.markGood(address, peer.peerId)
      }
      this.bootstrapIds.add(peer.peerId)
      if (this.bootstrapIds.size > this.options.maxCandidates) {
        const oldest = this.bootstrapIds.values().next().value
        if (oldest !== undefined) this.bootstrapIds.delete(oldest)
      }
      this.lastAsk = this.c.clock.now()
      await this.c.requestPeers(peer.peerId, method).then(
        () => {
          this.heard = true
        },
        (err: unknown) => {
          this.log.debug({ err, address }, 'bootstrap node gave no peers')
        },
      )
      this.check()
    } catch (err) {
      this.metrics.dials.inc(1, { kind: 'bootstrap', result: 'failed' })
      safeEmit(this, this.log, 'dial:done', { address, kind: 'bootstrap', peerId: undefined, ok: false })
      this.log.debug({ err, address }, 'bootstrap dial failed')
    } finally {
      this.dialing.delete(address)
    }
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }
}

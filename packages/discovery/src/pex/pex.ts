import { setMaxListeners } from 'node:events'
import type { Logger, NodeRole, PeerId } from '@chainwire/interface'
import { isAddress, LruMap, noopLogger, TokenBucket } from '@chainwire/interface'
import type { Message, MessageOf, PeerInfo } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import {
  type BaseComponents,
  connectedPeer,
  type DiscoveryPeer,
  type DiscoveryPeerStore,
} from '../components'
import { DiscoveryError } from '../errors'
import type { DiscoveryEvents, DiscoveryMethod } from '../events'
import { type DiscoveryMetrics, discoveryMetrics } from '../metrics'
import { safeEmit } from '../util/emit'
import { type PexOptions, type ResolvedPexOptions, resolvePexOptions } from './options'

/** What peer exchange needs: the shared components plus the peer store it feeds. */
export interface PexComponents extends BaseComponents {
  peerStore: DiscoveryPeerStore
}

/** Largest `peers` message the protocol allows (DESIGN.md §5). */
export const MAX_PEERS_PER_MESSAGE = 1_000

const WILDCARD = /^[a-z]+:\/\/(0\.0\.0\.0|\[::\])(:|\/|$)/i

/**
 * Peer exchange: asks peers for addresses with `get_peers`, feeds what they send into the peer store with
 * its source, under a per-peer token bucket (0.1 address/s, bucket 1,000, topped up by what we ask for),
 * and answers `get_peers` with a sample of the store led by our own reachable addresses.
 */
export class PeerExchange extends EventEmitter<DiscoveryEvents> {
  readonly options: ResolvedPexOptions
  private readonly c: PexComponents
  private readonly log: Logger
  private readonly metrics: DiscoveryMetrics
  private readonly buckets: LruMap<PeerId, TokenBucket>
  private readonly answered: LruMap<PeerId, true>
  private started = false
  private unhandle: (() => void) | undefined
  private readonly pending = new Set<Promise<unknown>>()
  private stopController = new AbortController()

  constructor(components: PexComponents, options: PexOptions = {}) {
    super()
    this.c = components
    this.options = resolvePexOptions(options)
    this.log = (components.logger ?? noopLogger).child({ component: 'pex' })
    this.metrics = discoveryMetrics(components.metrics)
    this.buckets = new LruMap(this.options.maxTrackedPeers)
    this.answered = new LruMap(this.options.maxTrackedPeers)
  }

  /** Registers the `get_peers` handler and watches connections. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    this.stopController = new AbortController()
    // every lookup, request and dial in flight listens to it (each bounded by its own option)
    setMaxListeners(1_000, this.stopController.signal)
    this.unhandle = this.c.network.handle('get_peers', (msg, peer) => this.serve(msg, peer))
    this.c.network.on('peer:connected', this.onConnected)
    this.c.network.on('peer:disconnected', this.onDisconnected)
  }

  /** Removes the handler and listeners and waits for requests in flight to end. */
  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.unhandle?.()
    this.unhandle = undefined
    this.c.network.off('peer:connected', this.onConnected)
    this.c.network.off('peer:disconnected', this.onDisconnected)
    this.stopController.abort(new DiscoveryError('ERR_NOT_STARTED', 'peer exchange stopped'))
    await Promise.allSettled([...this.pending])
    this.buckets.clear()
    this.answered.clear()
  }

  /** Our reachable addresses as announced to peers. */
  announcedAddresses(): string[] {
    const list = this.options.announce ?? this.c.network.listenAddresses().filter((a) => !WILDCARD.test(a))
    return list.filter((a) => isAddress(a)).slice(0, 8)
  }

  /**
   * Asks a connected peer for addresses and feeds the answer to the peer store; resolves with how many
   * entries were accepted. `method` labels what is discovered (`'bootstrap'` for bootstrap nodes).
   */
  async requestPeers(peerId: PeerId, method: DiscoveryMethod = 'pex'): Promise<number> {
    const peer = connectedPeer(this.c.network, peerId)
    if (peer === undefined) return 0
    const limit = this.options.maxPeersPerMessage
    this.bucketOf(peerId).add(limit)
    const reply = await this.c.network.request(
      peerId,
      { type: 'get_peers', data: { limit } },
      { timeoutMs: this.options.requestTimeoutMs, signal: this.stopController.signal },
    )
    return this.receive(peer, reply, method)
  }

  /**
   * Handles a `peers` reply from `from`: a reply of more than 1,000 entries is dropped whole, counted and
   * the peer reported as misbehaving; entries beyond the peer's token bucket are dropped and counted; the
   * rest go to the peer store with `from` as their source. Returns how many entries were accepted.
   */
  receive(from: DiscoveryPeer, reply: Message, method: DiscoveryMethod = 'pex'): number {
    if (reply.type !== 'peers' || !Array.isArray(reply.data.peers)) {
      this.reject(from.peerId, 'wrong-type', `answered get_peers with ${reply.type}`)
      return 0
    }
    const entries = reply.data.peers
    if (entries.length > MAX_PEERS_PER_MESSAGE) {
      this.reject(from.peerId, 'too-many-peers', `peers reply with ${entries.length} entries`)
      return 0
    }
    const now = this.c.clock.now()
    const allowed = this.bucketOf(from.peerId).takeUpTo(entries.length)
    if (allowed < entries.length) {
      this.metrics.addrDropped.inc(entries.length - allowed, { reason: 'rate' })
    }
    // Filed under the group of the connection's real remote end, never an address anyone claims.
    const sourceAddress = from.remoteAddress
    let accepted = 0
    for (const entry of entries.slice(0, allowed)) {
      if (entry.peerId === this.c.network.peerId) continue
      const added = this.c.peerStore.addAddresses(entry.peerId, entry.addrs, {
        source: { peerId: from.peerId, address: sourceAddress },
        timestamp: Math.min(entry.lastSeen, now),
        roles: entry.roles,
      })
      accepted++
      if (added > 0) {
        this.metrics.discovered.inc(1, { method })
        safeEmit(this, this.log, 'peer:discovered', { peerId: entry.peerId, addresses: entry.addrs, method })
      }
    }
    return accepted
  }

  /** Serves a `get_peers`: our own addresses first, then a sample of the store, never the requester. */
  private serve(msg: MessageOf<'get_peers'>, peer: DiscoveryPeer): Message {
    if (this.options.answerOncePerConnection && this.answered.has(peer.peerId)) {
      return { type: 'peers', data: { peers: [] } }
    }
    this.answered.set(peer.peerId, true)
    const limit = Math.min(msg.data.limit, this.options.maxPeersPerMessage)
    const now = this.c.clock.now()
    const peers: PeerInfo[] = []
    const self = this.announcedAddresses()
    if (self.length > 0) {
      peers.push({
        peerId: this.c.network.peerId,
        addrs: self,
        roles: [...this.options.roles],
        lastSeen: now,
      })
    }
    const byPeer = new Map<PeerId, PeerInfo>()
    for (const a of this.c.peerStore.sampleAddresses({ max: limit * 2 })) {
      if (a.peerId === peer.peerId || a.peerId === this.c.network.peerId) continue
      let info = byPeer.get(a.peerId)
      if (info === undefined) {
        if (byPeer.size + peers.length >= limit) continue
        info = {
          peerId: a.peerId,
          addrs: [],
          roles: this.rolesOf(a.peerId),
          lastSeen: Math.min(a.lastSeen, now),
        }
        byPeer.set(a.peerId, info)
      }
      if (info.addrs.length < 8 && isAddress(a.address)) info.addrs.push(a.address)
    }
    for (const info of byPeer.values()) if (info.addrs.length > 0) peers.push(info)
    return { type: 'peers', data: { peers: peers.slice(0, limit) } }
  }

  private rolesOf(peerId: PeerId): NodeRole[] {
    const roles = this.c.peerStore.getPeer(peerId)?.roles ?? []
    return roles.length === 0 ? ['full'] : [...new Set(roles)].slice(0, 4)
  }

  private readonly onConnected = (event: { readonly peer: DiscoveryPeer }): void => {
    const peer = event.peer
    // The peer's own listen addresses are its claim, filed under the connection it came over (Bitcoin Core's
    // source group): peers connecting from one /16 reach at most 64 new buckets whatever groups they claim.
    const own = peer.hello.listenAddrs.filter((a) => !WILDCARD.test(a)).slice(0, 8)
    // Bootstrap nodes serve address lists; they are not peers to fill slots with.
    if (own.length > 0 && peer.kind !== 'feeler' && !peer.hello.roles.includes('bootstrap')) {
      this.c.peerStore.addAddresses(peer.peerId, own, {
        source: { peerId: peer.peerId, address: peer.remoteAddress },
        roles: peer.hello.roles,
      })
    }
    if (!this.options.requestOnConnect || peer.direction !== 'outbound') return
    if (peer.kind !== 'full-relay') return
    if (peer.hello.roles.includes('bootstrap')) return // the bootstrap service asks those itself
    this.track(this.requestPeers(peer.peerId).catch(() => 0))
  }

  private readonly onDisconnected = (event: { readonly peer: DiscoveryPeer }): void => {
    this.buckets.delete(event.peer.peerId)
    this.answered.delete(event.peer.peerId)
  }

  private bucketOf(peerId: PeerId): TokenBucket {
    let b = this.buckets.get(peerId)
    if (b === undefined) {
      b = new TokenBucket(this.c.clock, {
        rate: this.options.addrRatePerSecond,
        burst: this.options.addrBucketSize,
        initial: 1,
      })
      this.buckets.set(peerId, b)
    }
    return b
  }

  private reject(peerId: PeerId, reason: 'too-many-peers' | 'wrong-type', detail: string): void {
    this.metrics.rejected.inc(1, { reason })
    this.c.misbehaviour?.report(peerId, 'protocol-violation', { detail })
    safeEmit(this, this.log, 'reply:rejected', { peerId, reason })
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }
}

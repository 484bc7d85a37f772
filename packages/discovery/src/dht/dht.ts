import { setMaxListeners } from 'node:events'
import type { Logger, PeerId, TimerHandle } from '@chainwire/interface'
import { deadline, LruMap, linkSignals, noopLogger } from '@chainwire/interface'
import type { Message, MessageOf } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import {
  type BaseComponents,
  connectedPeer,
  type DiscoveryPeer,
  type DiscoveryPeerStore,
} from '../components'
import { DiscoveryError } from '../errors'
import type { DiscoveryEvents } from '../events'
import { type DiscoveryMetrics, discoveryMetrics } from '../metrics'
import { safeEmit } from '../util/emit'
import { iterativeLookup, type LookupPeer, type LookupResult } from './lookup'
import { meetsDifficulty, NODE_ID_BYTES, nodeIdOf, proofOfWorkBits, randomIdInBucket } from './node-id'
import { type DhtOptions, type ResolvedDhtOptions, resolveDhtOptions } from './options'
import { type ConnectionAddresses, connectionAddresses } from './proven'
import { type Contact, RoutingTable } from './routing-table'

/**
 * What the DHT needs: the shared components (clock, network, optional logger, metrics, reporter, random),
 * and optionally the peer store, which then learns the proven address of every node that enters the table.
 */
export interface DhtComponents extends BaseComponents {
  /**
   * Gets the first proven address of every node that enters the table, as `'verified'` (we reached the node
   * there). @default none
   */
  peerStore?: Pick<DiscoveryPeerStore, 'addAddresses'>
}

/**
 * The Kademlia DHT service: serves `find_node` from its routing table, runs iterative lookups, keeps the
 * table fresh (bucket refresh, liveness checks, replacement cache) and admits only nodes that answered us.
 */
export class KademliaDht extends EventEmitter<DiscoveryEvents> {
  readonly table: RoutingTable
  readonly options: ResolvedDhtOptions
  private readonly c: DhtComponents
  private readonly log: Logger
  private readonly metrics: DiscoveryMetrics
  private readonly random: () => number
  private readonly selfId: Uint8Array
  private stopController = new AbortController()
  private started = false
  private unhandle: (() => void) | undefined
  private refreshTimer: TimerHandle | undefined
  private initialTimer: TimerHandle | undefined
  private lookups = 0
  private selfLookupDone = false
  /** A self-lookup is running: contacts it adds do not schedule another. */
  private selfLookupRunning = false
  private checks = 0
  /** Connections we opened only to ask a node: peer id to the number of queries using it. */
  private readonly transient = new Map<PeerId, number>()
  /** Peers whose address we verified (or are verifying) recently, so it is not repeated. */
  private readonly verified: LruMap<PeerId, number>
  private readonly pending = new Set<Promise<unknown>>()
  /** Close timers of query connections nobody uses any more. */
  private readonly lingering = new Map<PeerId, TimerHandle>()
  /** Peers of the query connections held (in use or lingering), at most `maxQueryConnections`. */
  private readonly held = new Set<PeerId>()
  private waiters: (() => void)[] = []

  constructor(components: DhtComponents, options: DhtOptions = {}) {
    super()
    this.c = components
    this.options = resolveDhtOptions(options)
    this.log = (components.logger ?? noopLogger).child({ component: 'dht' })
    this.metrics = discoveryMetrics(components.metrics)
    this.random = components.random ?? Math.random
    const self = nodeIdOf(components.network.peerId)
    if (self === undefined) {
      throw new DiscoveryError('ERR_INVALID_OPTIONS', 'the network peer id does not encode a public key', {
        peerId: components.network.peerId,
      })
    }
    this.selfId = self
    this.verified = new LruMap(this.options.maxRememberedPeers)
    this.table = new RoutingTable(self, {
      k: this.options.k,
      maxPerSubnetPerBucket: this.options.maxPerSubnetPerBucket,
      maxPerSubnetPerTable: this.options.maxPerSubnetPerTable,
      subnetOf: this.options.subnetOf,
      replacementCacheSize: this.options.replacementCacheSize,
    })
  }

  /** Our node id: SHA-256 of our public key. */
  get nodeId(): Uint8Array {
    return this.selfId
  }

  /** Registers the `find_node` handler, watches connections and starts the refresh timer. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    this.stopController = new AbortController()
    // every lookup, request and dial in flight listens to it (each bounded by its own option)
    setMaxListeners(1_000, this.stopController.signal)
    const net = this.c.network
    this.unhandle = net.handle('find_node', (msg, peer) => this.serve(msg, peer))
    net.on('peer:connected', this.onConnected)
    net.on('message:nodes', this.onUnsolicited)
    for (const peer of net.peers()) this.onConnected({ peer })
    // a bucket is due for a refresh `bucketRefreshMs` after start at the earliest: joining is the self-lookup
    this.table.touchAll(this.c.clock.now())
    this.refreshTimer = this.c.clock.setInterval(() => this.refresh(), this.options.refreshCheckIntervalMs)
    this.scheduleSelfLookup()
  }

  /**
   * Looks up our own id `initialLookupDelayMs` after the table gets its first contacts (and again at each
   * refresh check until one succeeds): that fills the buckets near us and puts us in our neighbours' tables.
   */
  private scheduleSelfLookup(): void {
    if (
      !this.started ||
      this.selfLookupDone ||
      this.selfLookupRunning ||
      this.initialTimer !== undefined ||
      this.table.size === 0
    )
      return
    this.initialTimer = this.c.clock.setTimeout(() => {
      this.initialTimer = undefined
      this.selfLookup()
    }, this.options.initialLookupDelayMs)
  }

  private selfLookup(): void {
    if (this.selfLookupRunning || this.lookups >= this.options.maxConcurrentLookups || this.table.size === 0)
      return
    this.selfLookupRunning = true
    this.track(
      this.findNode(this.selfId)
        .then((r) => {
          if (r.queried > 0) this.selfLookupDone = true
        })
        .catch(() => undefined)
        .finally(() => {
          this.selfLookupRunning = false
        }),
    )
  }

  /** Removes the handler and listeners, clears the timers and ends running lookups and checks. */
  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.unhandle?.()
    this.unhandle = undefined
    const net = this.c.network
    net.off('peer:connected', this.onConnected)
    net.off('message:nodes', this.onUnsolicited)
    this.c.clock.clearInterval(this.refreshTimer)
    this.c.clock.clearTimeout(this.initialTimer)
    this.refreshTimer = undefined
    this.initialTimer = undefined
    for (const t of this.lingering.values()) this.c.clock.clearTimeout(t)
    this.lingering.clear()
    this.held.clear()
    for (const w of this.waiters.splice(0)) w()
    this.stopController.abort(new DiscoveryError('ERR_NOT_STARTED', 'the DHT stopped'))
    await Promise.allSettled([...this.pending])
  }

  /**
   * Iterative lookup of the k nodes closest to a 32-byte `target`. Nodes that answer enter the routing
   * table. Rejects with `ERR_INVALID_TARGET`, `ERR_NO_PEERS` (empty table), `ERR_BUSY` or an `AbortError`.
   */
  async findNode(target: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<LookupResult> {
    if (!(target instanceof Uint8Array) || target.length !== NODE_ID_BYTES) {
      throw new DiscoveryError('ERR_INVALID_TARGET', 'a lookup target is 32 bytes')
    }
    if (!this.started) throw new DiscoveryError('ERR_NOT_STARTED', 'the DHT is not started')
    if (this.lookups >= this.options.maxConcurrentLookups) {
      throw new DiscoveryError('ERR_BUSY', `${this.lookups} lookups already running`)
    }
    const seeds = this.table.closest(target, this.options.k)
    if (seeds.length === 0) throw new DiscoveryError('ERR_NO_PEERS', 'the routing table is empty')
    this.lookups++
    const linked = linkSignals(options.signal, this.stopController.signal)
    try {
      this.table.touch(target, this.c.clock.now())
      const result = await iterativeLookup(
        this.c.clock,
        this.c.network.peerId,
        target,
        seeds,
        (peer, t, signal) => this.query(peer, t, signal),
        {
          k: this.options.k,
          alpha: this.options.alpha,
          requestTimeoutMs: this.options.requestTimeoutMs,
          lookupTimeoutMs: this.options.lookupTimeoutMs,
          maxCandidates: this.options.maxLookupCandidates,
        },
        linked.signal,
      )
      this.metrics.lookupHops.observe(result.hops)
      this.metrics.lookupDuration.observe(result.durationMs)
      safeEmit(this, this.log, 'lookup:done', {
        target,
        hops: result.hops,
        durationMs: result.durationMs,
        queried: result.queried,
        found: result.closest.length,
      })
      return result
    } finally {
      linked.clear()
      this.lookups--
    }
  }

  /**
   * Looks a peer up by id (from the table, or with a lookup): the addresses it proved to us, or else the listen
   * addresses it announced to us itself; never addresses a third party named. Undefined when not found.
   */
  async findPeer(peerId: PeerId, options: { signal?: AbortSignal } = {}): Promise<string[] | undefined> {
    const known = this.table.get(peerId)
    if (known !== undefined && known.failures === 0 && known.addrs.length > 0) return [...known.addrs]
    const id = nodeIdOf(peerId)
    if (id === undefined) return undefined
    const result = await this.findNode(id, options)
    if (!result.closest.some((p) => p.peerId === peerId)) return undefined
    const contact = this.table.get(peerId)
    const connected = connectedPeer(this.c.network, peerId)
    const fromConnection = connected === undefined ? undefined : connectionAddresses(connected)
    const found = [
      contact?.addrs ?? [],
      fromConnection?.proven ?? [],
      contact?.claimed ?? [],
      fromConnection?.claimed ?? [],
    ].find((list) => list.length > 0)
    return found === undefined ? undefined : [...found]
  }

  /** The live contacts closest to `target` in our table. */
  closest(target: Uint8Array, n = this.options.k): LookupPeer[] {
    return this.table.closest(target, n).map(toPeer)
  }

  /** Entries in the routing table. */
  get size(): number {
    return this.table.size
  }

  // ------------------------------------------------------------------------------------------- internals

  private readonly onConnected = (event: { readonly peer: DiscoveryPeer }): void => {
    const peer = event.peer
    if (peer.direction === 'outbound' && peer.dialedAddress !== undefined) {
      if (peer.kind === 'feeler') return
      this.admit(peer.peerId, connectionAddresses(peer))
      return
    }
    // An inbound peer enters the table only once it answered a find_node of ours (a live DHT node), counted
    // in the subnet of its real remote address; the listen addresses it announced stay claims until we
    // reach it at one (or one is its connection's remote address).
    this.verify(peer)
  }

  private readonly onUnsolicited = (event: { readonly peerId: PeerId }): void => {
    this.reject(event.peerId, 'unsolicited-nodes', 'unrequested-message', 'a nodes reply nobody asked for')
  }

  /**
   * Serves a `find_node`: the closest live contacts that proved an address, at their proven addresses only,
   * never the requester, at most `maxNodesPerReply`.
   */
  private serve(msg: MessageOf<'find_node'>, peer: DiscoveryPeer): Message {
    const exclude = new Set([peer.peerId])
    const nodes = this.table
      .closest(msg.data.target, this.options.maxNodesPerReply, exclude, true)
      .map((c) => ({ peerId: c.peerId, addrs: c.addrs.slice(0, 8) }))
    if (!this.verified.has(peer.peerId) && this.table.get(peer.peerId) === undefined) this.verify(peer)
    return { type: 'nodes', data: { nodes } }
  }

  /**
   * Puts a peer that answered us over a connection (or that we dialed) in the table at the addresses that
   * connection proves, counted in the subnet of its real remote address; probes the bucket's oldest when full.
   */
  private admit(peerId: PeerId, at: ConnectionAddresses): void {
    const nodeId = nodeIdOf(peerId)
    if (nodeId === undefined) return
    if (!this.admissible(nodeId)) return
    this.verified.set(peerId, this.c.clock.now())
    const outcome = this.table.add(peerId, nodeId, at.proven, this.c.clock.now(), {
      remoteAddress: at.remoteAddress,
      claimed: at.claimed,
    })
    this.metrics.tableEntries.set(this.table.size)
    if (outcome.status === 'added') {
      this.scheduleSelfLookup()
      // We reached it there: a verified entry for the address book. Claims go there only through peer
      // exchange, filed under the connection's source.
      const first = at.proven[0]
      if (first !== undefined && this.c.peerStore !== undefined) {
        this.c.peerStore.addAddresses(peerId, [first], { source: 'verified' })
      }
      safeEmit(this, this.log, 'peer:discovered', { peerId, addresses: [...at.proven], method: 'dht' })
      this.metrics.discovered.inc(1, { method: 'dht' })
    } else if (outcome.status === 'cached') {
      this.check(outcome.probe)
    }
  }

  private admissible(nodeId: Uint8Array): boolean {
    const d = this.options.proofOfWorkDifficulty
    return d <= 0 || proofOfWorkBits(nodeId) >= d
  }

  /**
   * Asks a connected peer that announced listen addresses a find_node; the answer admits it (`query` does).
   * Bounded and deduplicated.
   */
  private verify(connected: DiscoveryPeer): void {
    const peerId = connected.peerId
    if (!this.started || this.verified.has(peerId) || this.checks >= this.options.maxConcurrentChecks) return
    if (connected.hello.listenAddrs.length === 0) return // announces no address: not a DHT contact
    const nodeId = nodeIdOf(peerId)
    if (nodeId === undefined || !this.admissible(nodeId)) return
    this.verified.set(peerId, this.c.clock.now())
    this.checks++
    const { proven, claimed } = connectionAddresses(connected)
    // Asked over its connection; the addresses are dialed only if that connection is gone by then.
    const peer: LookupPeer = { peerId, nodeId, addrs: [...proven, ...claimed] }
    this.track(
      this.timedQuery(peer, this.selfId)
        .catch(() => {
          this.verified.delete(peerId) // may be retried when it contacts us again
        })
        .finally(() => this.checks--),
    )
  }

  /** Liveness check of a contact; a failure evicts it for a replacement (if the bucket has one). */
  private check(contact: Contact): void {
    if (!this.started || this.checks >= this.options.maxConcurrentChecks) return
    this.checks++
    this.track(
      this.timedQuery(toPeer(contact), this.selfId)
        .then(() => this.table.add(contact.peerId, contact.nodeId, [], this.c.clock.now()))
        .catch(() => {
          this.table.markFailed(contact.peerId)
          this.metrics.tableEntries.set(this.table.size)
        })
        .finally(() => this.checks--),
    )
  }

  private async timedQuery(peer: LookupPeer, target: Uint8Array): Promise<LookupPeer[]> {
    const timer = deadline(
      this.c.clock,
      this.options.requestTimeoutMs,
      this.stopController.signal,
      'DHT check',
    )
    try {
      return await this.query(peer, target, timer.signal)
    } finally {
      timer.clear()
    }
  }

  /**
   * Asks one node for the nodes closest to `target`, dialing it first when there is no connection (the
   * connection is closed again, after a linger, when no other query uses it).
   */
  private async query(peer: LookupPeer, target: Uint8Array, signal: AbortSignal): Promise<LookupPeer[]> {
    const net = this.c.network
    const connected = connectedPeer(net, peer.peerId)
    let opened = false
    // A query connection about to be closed is ours again while this query uses it.
    const lingering = this.lingering.get(peer.peerId)
    const ours = connected === undefined || lingering !== undefined
    if (connected !== undefined && lingering !== undefined) {
      // still held: the connection moves from lingering back to in use
      this.c.clock.clearTimeout(lingering)
      this.lingering.delete(peer.peerId)
      this.transient.set(peer.peerId, (this.transient.get(peer.peerId) ?? 0) + 1)
      opened = true
    }
    if (connected === undefined) {
      const addr = peer.addrs[0]
      if (addr === undefined) throw new DiscoveryError('ERR_NO_PEERS', 'the node has no address')
      this.transient.set(peer.peerId, (this.transient.get(peer.peerId) ?? 0) + 1)
      opened = true
      let got: DiscoveryPeer
      try {
        got = await this.dialForQuery(addr, peer.peerId, signal)
      } catch (err) {
        this.release(peer.peerId, false)
        throw err
      }
      if (got.peerId !== peer.peerId) {
        this.release(peer.peerId, ours)
        throw new DiscoveryError('ERR_BAD_REPLY', 'another peer answered at that address', { addr })
      }
    }
    try {
      const reply = await net.request(
        peer.peerId,
        { type: 'find_node', data: { target } },
        { signal, timeoutMs: this.options.requestTimeoutMs },
      )
      const nodes = this.accept(peer.peerId, reply)
      // Admitted at what the connection it answered on proves, never at the addresses we were told.
      const conn = connectedPeer(net, peer.peerId)
      if (conn !== undefined) this.admit(peer.peerId, connectionAddresses(conn))
      return nodes
    } finally {
      if (opened) this.release(peer.peerId, ours)
    }
  }

  /**
   * Dials a node to ask it something, holding one of `maxQueryConnections`: when they are all held, the
   * query connection that has lingered longest is closed, or else the query waits for one (bounded).
   */
  private async dialForQuery(address: string, peerId: PeerId, signal: AbortSignal): Promise<DiscoveryPeer> {
    const net = this.c.network
    while (!this.held.has(peerId) && this.held.size >= this.options.maxQueryConnections) {
      const idle = this.lingering.keys().next()
      if (idle.done !== true) {
        this.closeLingering(idle.value)
        continue
      }
      if (this.waiters.length >= 64)
        throw new DiscoveryError('ERR_BUSY', 'too many queries waiting for a connection')
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.waiters = this.waiters.filter((w) => w !== wake)
          reject(new DiscoveryError('ERR_BUSY', 'no query connection in time'))
        }
        const wake = (): void => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
        if (signal.aborted) return onAbort()
        signal.addEventListener('abort', onAbort, { once: true })
        this.waiters.push(wake)
      })
    }
    this.held.add(peerId)
    try {
      return await net.dial(address, { signal, kind: this.options.dialKind, peerId })
    } catch (err) {
      // only this query used the hold: give it back
      if ((this.transient.get(peerId) ?? 0) <= 1 && !this.lingering.has(peerId)) this.unhold(peerId)
      throw err
    }
  }

  private unhold(peerId: PeerId): void {
    if (this.held.delete(peerId)) this.waiters.shift()?.()
  }

  private closeLingering(peerId: PeerId): void {
    this.c.clock.clearTimeout(this.lingering.get(peerId))
    this.lingering.delete(peerId)
    this.unhold(peerId)
    const peer = connectedPeer(this.c.network, peerId)
    if (peer !== undefined && peer.kind === this.options.dialKind && peer.direction === 'outbound') {
      this.c.network.disconnect(peerId, 'requested', 'DHT query done').catch(() => undefined)
    }
  }

  /**
   * Drops our use of a connection opened for queries. When nobody else uses it, it is closed after
   * `requestTimeoutMs` (so the node we asked has time to verify us back over it) unless used again.
   */
  private release(peerId: PeerId, close: boolean): void {
    const n = (this.transient.get(peerId) ?? 1) - 1
    if (n > 0) {
      this.transient.set(peerId, n)
      return
    }
    this.transient.delete(peerId)
    if (!close) return
    if (!this.started) {
      this.unhold(peerId)
      return
    }
    this.c.clock.clearTimeout(this.lingering.get(peerId))
    this.lingering.set(
      peerId,
      this.c.clock.setTimeout(() => {
        if (this.lingering.has(peerId)) this.closeLingering(peerId)
      }, this.options.requestTimeoutMs),
    )
  }

  /**
   * Checks a `nodes` reply: more than 16 entries (or a reply of another type) is dropped whole, counted and
   * the peer reported; entries that do not encode a public key, fail the proof of work or name us are
   * skipped. A node already in our table is followed at the addresses we know for it, never the reply's:
   * a third party may propose contacts, not move known ones.
   */
  private accept(from: PeerId, reply: Message): LookupPeer[] {
    if (reply.type !== 'nodes') {
      this.reject(from, 'wrong-type', 'protocol-violation', `answered find_node with ${reply.type}`)
      throw new DiscoveryError('ERR_BAD_REPLY', `expected nodes, got ${reply.type}`)
    }
    const nodes = reply.data.nodes
    if (!Array.isArray(nodes) || nodes.length > 16) {
      this.reject(from, 'too-many-nodes', 'protocol-violation', `nodes reply with ${nodes?.length} entries`)
      throw new DiscoveryError('ERR_BAD_REPLY', 'a nodes reply has at most 16 entries', {
        entries: nodes?.length,
      })
    }
    const out: LookupPeer[] = []
    for (const n of nodes) {
      if (n.peerId === this.c.network.peerId || n.addrs.length === 0) continue
      if (!meetsDifficulty(n.peerId, this.options.proofOfWorkDifficulty)) continue
      const nodeId = nodeIdOf(n.peerId)
      if (nodeId === undefined) continue
      const known = this.table.get(n.peerId)
      out.push(known === undefined ? { peerId: n.peerId, nodeId, addrs: n.addrs.slice(0, 8) } : toPeer(known))
    }
    return out
  }

  private reject(
    peerId: PeerId,
    reason: 'too-many-nodes' | 'unsolicited-nodes' | 'wrong-type',
    behaviour: 'protocol-violation' | 'unrequested-message',
    detail: string,
  ): void {
    this.metrics.rejected.inc(1, { reason })
    this.c.misbehaviour?.report(peerId, behaviour, { detail })
    safeEmit(this, this.log, 'reply:rejected', { peerId, reason })
  }

  /** Periodic upkeep: refresh stale buckets, check contacts silent for too long. */
  private refresh(): void {
    if (!this.started) return
    const now = this.c.clock.now()
    if (!this.selfLookupDone) this.selfLookup()
    if (this.table.size > 0) {
      const stale = this.table.staleBuckets(now, this.options.bucketRefreshMs)
      for (const index of stale.slice(0, this.options.maxRefreshesPerCheck)) {
        if (this.lookups >= this.options.maxConcurrentLookups) break
        const target = randomIdInBucket(this.selfId, index, this.random)
        this.track(this.findNode(target).catch(() => undefined))
      }
    }
    for (const contact of this.table.leastRecentlySeen()) {
      if (now - contact.lastSeen >= this.options.livenessIntervalMs) this.check(contact)
    }
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }
}

/** A contact as a lookup candidate: reached at its proven addresses, or else at those it claimed itself. */
function toPeer(c: Contact): LookupPeer {
  return { peerId: c.peerId, nodeId: c.nodeId, addrs: c.addrs.length > 0 ? c.addrs : c.claimed }
}

import { setMaxListeners } from 'node:events'
import type { Logger, PeerId, TimerHandle } from '@chainwire/interface'
import { deadline, LruMap, linkSignals, noopLogger } from '@chainwire/interface'
import type { Message, MessageOf } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import {
  type BaseComponents,
  connectedPeer,
  type DiscoveryDatagramSender,
  type DiscoveryPeer,
  type DiscoveryPeerStore,
} from '../components'
import { DiscoveryError } from '../errors'
import type { DiscoveryEvents } from '../events'
import { type DiscoveryMetrics, discoveryMetrics } from '../metrics'
import { safeEmit } from '../util/emit'
import { DatagramQueries, fittingNodes } from './datagram-queries'
import {
  type DhtLookupResult,
  emptyBreakdown,
  iterativeLookup,
  type LookupBreakdown,
  type LookupPeer,
} from './lookup'
import { meetsDifficulty, NODE_ID_BYTES, nodeIdOf, proofOfWorkBits, randomIdInBucket } from './node-id'
import { type DhtOptions, type ResolvedDhtOptions, resolveDhtOptions } from './options'
import { type ConnectionAddresses, connectionAddresses } from './proven'
import { failureOf, QueryConnections, type Reached } from './query-connections'
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
  private unhandleDatagram: (() => void) | undefined
  /** Queries without a connection, over the network's datagram wire (undefined: off, or no such wire). */
  private readonly datagrams: DatagramQueries | undefined
  private refreshTimer: TimerHandle | undefined
  private initialTimer: TimerHandle | undefined
  private lookups = 0
  private selfLookupDone = false
  /** A self-lookup is running: contacts it adds do not schedule another. */
  private selfLookupRunning = false
  private checks = 0
  /** Peers whose address we verified (or are verifying) recently, so it is not repeated. */
  private readonly verified: LruMap<PeerId, number>
  private readonly pending = new Set<Promise<unknown>>()
  /** The warm connections of queries (bounded; idle ones closed after `queryConnectionIdleMs`). */
  private connections: QueryConnections

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
    this.connections = this.newConnections()
    const datagrams = new DatagramQueries(
      components.clock,
      components.network,
      this.options.datagramMinTimeoutMs,
      this.options.datagramTimeoutMs,
    )
    this.datagrams = this.options.datagrams && datagrams.available ? datagrams : undefined
    this.table = new RoutingTable(self, {
      k: this.options.k,
      maxPerSubnetPerBucket: this.options.maxPerSubnetPerBucket,
      maxPerSubnetPerTable: this.options.maxPerSubnetPerTable,
      subnetOf: this.options.subnetOf,
      replacementCacheSize: this.options.replacementCacheSize,
    })
  }

  private newConnections(): QueryConnections {
    return new QueryConnections(this.c.clock, this.c.network, {
      max: this.options.maxQueryConnections,
      idleMs: this.options.queryConnectionIdleMs,
      dialKind: this.options.dialKind,
      prefer: (peerId) => this.table.get(peerId) !== undefined,
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
    this.connections = this.newConnections()
    const net = this.c.network
    this.unhandle = net.handle('find_node', (msg, peer) => this.serve(msg, peer))
    if (this.datagrams !== undefined) {
      this.unhandleDatagram = net.handleDatagram?.('find_node', (msg, from, reply) =>
        this.serveDatagram(msg, from, reply),
      )
    }
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
    this.unhandleDatagram?.()
    this.unhandleDatagram = undefined
    const net = this.c.network
    net.off('peer:connected', this.onConnected)
    net.off('message:nodes', this.onUnsolicited)
    this.c.clock.clearInterval(this.refreshTimer)
    this.c.clock.clearTimeout(this.initialTimer)
    this.refreshTimer = undefined
    this.initialTimer = undefined
    this.stopController.abort(new DiscoveryError('ERR_NOT_STARTED', 'the DHT stopped'))
    await Promise.allSettled([...this.pending])
    await this.connections.stop()
  }

  /**
   * Iterative lookup of the k nodes closest to a 32-byte `target`. Nodes that answer enter the routing
   * table. Rejects with `ERR_INVALID_TARGET`, `ERR_NO_PEERS` (empty table), `ERR_BUSY` or an `AbortError`.
   */
  async findNode(target: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<DhtLookupResult> {
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
    const breakdown = emptyBreakdown()
    try {
      this.table.touch(target, this.c.clock.now())
      const result = await iterativeLookup(
        this.c.clock,
        this.c.network.peerId,
        target,
        seeds,
        (peer, t, signal) => this.query(peer, t, signal, breakdown),
        {
          k: this.options.k,
          alpha: this.options.alpha,
          requestTimeoutMs: this.options.requestTimeoutMs,
          lookupTimeoutMs: this.options.lookupTimeoutMs,
          maxCandidates: this.options.maxLookupCandidates,
          widenOnStall: this.options.widenOnStall,
          // datagram queries hold no connection: a wide round may ask all k at once
          maxWidth: this.datagrams === undefined ? this.options.maxQueryConnections : this.options.k,
          prepare: (peer, signal) => {
            if (this.datagramAddresses(peer).length === 0)
              this.connections.prefetch(peer.peerId, peer.addrs, signal)
          },
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
        breakdown,
      })
      return { ...result, breakdown }
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
    // a contact that stopped answering connects again (restarted): asked at once, it is handed out again
    const failing = this.table.get(peer.peerId)
    if (failing !== undefined && failing.failures > 0) this.check(failing)
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
    const nodes = this.nodesFor(msg.data.target, peer.peerId, 8)
    if (!this.verified.has(peer.peerId) && this.table.get(peer.peerId) === undefined) this.verify(peer)
    return { type: 'nodes', data: { nodes } }
  }

  /**
   * Serves a `find_node` datagram like {@link serve}, each node at its first proven address, as many of the
   * closest as fit in the response packet. A sender new to us is asked back at its source address: its
   * signed answer proves its key there, and only then does it enter the table.
   */
  private serveDatagram(
    msg: MessageOf<'find_node'>,
    from: DiscoveryDatagramSender,
    reply: { fits(message: Message): boolean },
  ): Message {
    const answer = fittingNodes(this.nodesFor(msg.data.target, from.peerId, 1), reply)
    if (!this.verified.has(from.peerId) && this.table.get(from.peerId) === undefined) {
      this.verifyAt(from.peerId, from.address)
    }
    return answer
  }

  /** The closest live contacts with a proven address, at up to `addrs` of their proven addresses. */
  private nodesFor(
    target: Uint8Array,
    requester: PeerId,
    addrs: number,
  ): { peerId: PeerId; addrs: string[] }[] {
    return this.table
      .closest(target, this.options.maxNodesPerReply, new Set([requester]), true)
      .map((c) => ({ peerId: c.peerId, addrs: c.addrs.slice(0, addrs) }))
  }

  /** The addresses of a lookup candidate a datagram query reaches (none with datagrams off). */
  private datagramAddresses(peer: LookupPeer): string[] {
    return this.datagrams?.reachable(peer.addrs) ?? []
  }

  /**
   * Asks a node that sent us a datagram request back at its source address (bounded and deduplicated like
   * {@link verify}); its signed answer admits it there.
   */
  private verifyAt(peerId: PeerId, address: string): void {
    if (!this.started || this.checks >= this.options.maxConcurrentChecks) return
    const nodeId = nodeIdOf(peerId)
    if (nodeId === undefined || !this.admissible(nodeId)) return
    if (this.datagramAddresses({ peerId, nodeId, addrs: [address] }).length === 0) return
    this.verified.set(peerId, this.c.clock.now())
    this.checks++
    this.track(
      this.timedQuery({ peerId, nodeId, addrs: [address] }, this.selfId)
        .catch(() => {
          this.verified.delete(peerId)
        })
        .finally(() => this.checks--),
    )
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
    this.recordTableHealth()
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
        .then(() => this.proveClaimed(peerId))
        .catch(() => {
          this.verified.delete(peerId) // may be retried when it contacts us again
        })
        .finally(() => this.checks--),
    )
  }

  /** Liveness check of a contact; a failure evicts it for a replacement, or leaves it stale (not handed out). */
  private check(contact: Contact): void {
    if (!this.started || this.checks >= this.options.maxConcurrentChecks) return
    this.checks++
    this.track(
      this.timedQuery(toPeer(contact), this.selfId)
        .catch(() => undefined) // the query recorded the failure in the table
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
   * Asks one node for the nodes closest to `target`: over a connection we have, else over a warm query
   * connection dialed at each of its addresses in turn. A node that answers is admitted at what the
   * connection proves (and the address a dial reached it at); a contact that fails is marked failed at once.
   */
  private async query(
    peer: LookupPeer,
    target: Uint8Array,
    signal: AbortSignal,
    breakdown?: LookupBreakdown,
  ): Promise<LookupPeer[]> {
    const net = this.c.network
    if (connectedPeer(net, peer.peerId) === undefined) {
      const byDatagram = this.datagramAddresses(peer)
      if (byDatagram.length > 0) return this.queryByDatagram(peer, byDatagram, target, signal, breakdown)
    }
    let reached: Reached | undefined
    try {
      reached = await this.connections.acquire(peer.peerId, peer.addrs, signal)
      const first = reached
      if (reached.dialMs === 0) {
        if (breakdown !== undefined) breakdown.warm++
      } else {
        this.metrics.dhtDialMs.observe(reached.dialMs)
        if (breakdown !== undefined) {
          breakdown.dials++
          breakdown.dialMs += reached.dialMs
          breakdown.waitMs += reached.waitMs
        }
      }
      const asked = this.c.clock.now()
      let reply: Message
      try {
        reply = await this.ask(peer.peerId, target, signal)
      } catch (err) {
        // The connection went away under the request: both ends dialed each other at once and the network
        // kept the other connection, or the node closed its idle query connection to us just then. Asked once
        // more, over whatever connects us now (dialed again if nothing does).
        if (signal.aborted) throw err
        this.connections.release(peer.peerId)
        reached = undefined
        reached = await this.connections.acquire(peer.peerId, peer.addrs, signal)
        reply = await this.ask(peer.peerId, target, signal)
      }
      if (breakdown !== undefined) breakdown.requestMs += this.c.clock.now() - asked
      const nodes = this.accept(peer.peerId, reply)
      this.metrics.dhtQueries.inc(1, { result: first.dialMs === 0 ? 'warm' : 'dialed' })
      // Admitted at what the connection it answered on proves, never at the addresses we were told.
      const conn = connectedPeer(net, peer.peerId)
      if (conn !== undefined) {
        const at = connectionAddresses(conn)
        if (reached.dialed !== undefined && !at.proven.includes(reached.dialed))
          at.proven.unshift(reached.dialed)
        this.admit(peer.peerId, at)
      }
      return nodes
    } catch (err) {
      throw this.queryFailed(peer.peerId, err, signal, breakdown)
    } finally {
      if (reached !== undefined) this.connections.release(peer.peerId)
    }
  }

  /**
   * Asks a node with one datagram each way (no connection): its signed answer admits it at the address it
   * answered from, counted in that address's subnet.
   */
  private async queryByDatagram(
    peer: LookupPeer,
    addrs: readonly string[],
    target: Uint8Array,
    signal: AbortSignal,
    breakdown?: LookupBreakdown,
  ): Promise<LookupPeer[]> {
    const asked = this.c.clock.now()
    try {
      const answer = await (this.datagrams as DatagramQueries).ask(peer.peerId, addrs, target, signal)
      const nodes = this.accept(peer.peerId, answer.message)
      if (breakdown !== undefined) {
        breakdown.datagrams++
        breakdown.requestMs += this.c.clock.now() - asked
      }
      this.metrics.dhtQueries.inc(1, { result: 'datagram' })
      this.admit(peer.peerId, { proven: [answer.address], claimed: [], remoteAddress: answer.address })
      return nodes
    } catch (err) {
      throw this.queryFailed(peer.peerId, err, signal, breakdown)
    }
  }

  /** Counts a failed query and marks the contact failed (unless our own limits failed it); returns `err`. */
  private queryFailed(
    peerId: PeerId,
    err: unknown,
    signal: AbortSignal,
    breakdown?: LookupBreakdown,
  ): unknown {
    const kind = failureOf(err, signal)
    this.metrics.dhtQueries.inc(1, { result: kind })
    if (breakdown !== undefined) breakdown.failures[kind]++
    // our own limits say nothing about the node
    if (kind !== 'busy') this.contactFailed(peerId)
    return err
  }

  private ask(peerId: PeerId, target: Uint8Array, signal: AbortSignal): Promise<Message> {
    return this.c.network.request(
      peerId,
      { type: 'find_node', data: { target } },
      { signal, timeoutMs: this.options.requestTimeoutMs },
    )
  }

  /**
   * A contact did not answer: evicted at once for the newest replacement its bucket has, else kept but no
   * longer handed out, and removed after `maxContactFailures` failures in a row.
   */
  private contactFailed(peerId: PeerId): void {
    const contact = this.table.get(peerId)
    if (contact === undefined) return
    const replacement = this.table.markFailed(peerId)
    if (replacement !== undefined || this.table.get(peerId) === undefined) {
      this.metrics.dhtEvictions.inc(1, { replaced: replacement === undefined ? 'no' : 'yes' })
    } else if (contact.failures >= this.options.maxContactFailures) {
      this.table.remove(peerId)
      this.metrics.dhtEvictions.inc(1, { replaced: 'no' })
    }
    // when it comes back (a restart), it is verified again like a newcomer
    if (this.table.get(peerId) === undefined) this.verified.delete(peerId)
    this.recordTableHealth()
  }

  /**
   * Proves a verified inbound contact's first claimed listen address: a signed datagram answer from there
   * (or, without datagrams, a dial that reaches it there) proves the address, and the contact is then served
   * to others (an inbound connection's remote end is an ephemeral port on TCP, never a listen address). A
   * dialed connection is held as an idle query connection.
   */
  private async proveClaimed(peerId: PeerId): Promise<void> {
    const contact = this.table.get(peerId)
    const address = contact?.claimed[0]
    if (contact === undefined || contact.addrs.length > 0 || address === undefined) return
    const timer = deadline(
      this.c.clock,
      this.options.requestTimeoutMs,
      this.stopController.signal,
      'DHT dial-back',
    )
    try {
      if (this.datagramAddresses({ peerId, nodeId: contact.nodeId, addrs: [address] }).length > 0) {
        // a signed datagram answer from the claimed address proves it, with no connection
        const answer = await (this.datagrams as DatagramQueries).ask(
          peerId,
          [address],
          this.selfId,
          timer.signal,
        )
        this.accept(peerId, answer.message)
      } else {
        const got = await this.c.network.dial(address, { signal: timer.signal, kind: this.options.dialKind })
        if (got.peerId !== peerId) return
        const conn = connectedPeer(this.c.network, peerId)
        if (conn?.direction === 'outbound' && conn.kind === this.options.dialKind)
          this.connections.adopt(peerId)
      }
      this.table.add(peerId, contact.nodeId, [address], this.c.clock.now())
      this.c.peerStore?.addAddresses(peerId, [address], { source: 'verified' })
    } catch {
      // the claim stays a claim: dialable by us, never served
    } finally {
      timer.clear()
    }
  }

  /** Records the table's fill and stale share (contacts that failed their last query or check). */
  private recordTableHealth(): void {
    const health = this.table.health(this.c.clock.now(), this.options.livenessIntervalMs)
    this.metrics.tableEntries.set(this.table.size)
    this.metrics.tableFill.set(health.fill)
    this.metrics.tableStale.set(health.staleShare)
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
    // a contact that failed once is asked again: it answers (and is handed out again) or leaves
    for (const contact of this.table.failing()) this.check(contact)
    this.recordTableHealth()
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

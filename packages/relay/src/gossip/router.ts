import type { PeerId, TimerHandle } from '@chainwire/interface'
import { isPeerId, LruMap, shuffled } from '@chainwire/interface'
import type {
  DhtNode,
  GraftData,
  IDontWantData,
  IHaveData,
  IWantData,
  Message,
  PreambleData,
  PruneData,
} from '@chainwire/protocol-codec'
import { LIMITS } from '@chainwire/protocol-codec'
import type { StoredMessage } from '../cache/message-store'
import type { SeenEntry } from '../cache/seen-cache'
import type { RelayContext, Strategy, TopicState } from '../context'
import { idKey } from '../message/id'
import type { RelayPeer } from '../peers/peer-table'
import { maintainMesh } from './mesh'
import { MessageWindows } from './windows'

/** Longest backoff a PRUNE may impose on us (a peer asking for more gets this). */
const MAX_BACKOFF_MS = 3_600_000
/** Peers whose backoff is remembered per topic at most. */
const MAX_BACKOFFS_PER_TOPIC = 4_096
/**
 * Peers one IHAVE send task goes to. The heartbeat only picks the ids and the peers; the IHAVE messages
 * (up to `maxIHaveLength` ids each, encoded and encrypted per peer) go out in tasks of this many peers
 * after it, so no single task holds the event loop for all of a heartbeat's gossip (about 25 peers per
 * topic with 100 peers).
 */
const IHAVE_PEERS_PER_TASK = 8

/**
 * The gossipsub v1.1 / v1.2 router over chainwire's catalog messages: a mesh of about D peers per topic that
 * validated messages are forwarded to, IHAVE gossip of recent ids to Dlazy other peers each heartbeat, IWANT
 * to fetch what we missed (answered at most `gossipRetransmission` times per id and peer), GRAFT / PRUNE
 * with backoff and peer exchange, IDONTWANT for large messages, flood-publish of our own messages, and the
 * score-driven mesh upkeep of the heartbeat (`mesh.ts`).
 */
export class GossipRouter implements Strategy {
  readonly ctx: RelayContext
  /** Mesh peers per gossip topic. */
  readonly meshes = new Map<string, Set<PeerId>>()
  /** Per topic: peer to the clock time its backoff ends. */
  readonly backoffs = new Map<string, LruMap<PeerId, number>>()
  readonly windows: MessageWindows
  /** Ids we asked for with IWANT: key to the peer asked and the time its promise ends. */
  private readonly promises: LruMap<string, { peer: PeerId; until: number }>
  /** Messages a peer announced in a preamble: key to the announcer and the time its promise ends. */
  private readonly expected: LruMap<string, { peer: PeerId; id: Uint8Array; topic: string; until: number }>
  /** Mesh peers told IDONTWANT per message (so a preamble and the message itself never tell one twice). */
  private readonly told: LruMap<string, Set<PeerId>>
  /** IDONTWANT ids waiting for the next batch to each peer, and when the last one went. */
  private readonly dontWantOut = new Map<
    PeerId,
    { ids: Uint8Array[]; timer: TimerHandle | undefined; last: number }
  >()
  /** IHAVE ids sent to each peer this heartbeat. */
  private readonly ihaveSent = new Map<PeerId, number>()
  /** IHAVE send tasks the last heartbeat scheduled and that have not run yet. */
  private readonly gossipTasks = new Set<TimerHandle>()
  tick = 0

  constructor(ctx: RelayContext) {
    this.ctx = ctx
    const g = ctx.options.gossip
    this.windows = new MessageWindows(g.historyLength, g.historyGossip, ctx.options.messageCacheEntries)
    this.promises = new LruMap(g.maxPromises)
    this.expected = new LruMap(g.maxPromises)
    this.told = new LruMap(g.maxPromises)
  }

  /** Entries in the router's bounded tables (`status().tables`). */
  sizes(): { promises: number; preambles: number; idontwantTold: number; backoffs: number } {
    let backoffs = 0
    for (const t of this.backoffs.values()) backoffs += t.size
    return {
      promises: this.promises.size,
      preambles: this.expected.size,
      idontwantTold: this.told.size,
      backoffs,
    }
  }

  // ------------------------------------------------------------------------------------------ strategy

  joined(topic: TopicState): void {
    if (!this.meshes.has(topic.name)) this.meshes.set(topic.name, new Set())
    maintainMesh(this, topic.name)
  }

  left(topic: TopicState): void {
    const mesh = this.meshes.get(topic.name)
    if (mesh === undefined) return
    for (const peer of [...mesh])
      this.prune(topic.name, peer, this.ctx.options.gossip.unsubscribeBackoffMs, false)
    this.meshes.delete(topic.name)
    this.backoffs.delete(topic.name)
  }

  publish(topic: TopicState, message: StoredMessage): number {
    const o = this.ctx.options
    this.windows.push(topic.name, message.key, message.id)
    let targets: PeerId[]
    if (o.gossip.floodPublish) {
      targets = this.ctx
        .topicPeers(topic.name)
        .filter((p) => this.ctx.score.score(p.id) >= o.score.publishThreshold)
        .map((p) => p.id)
    } else {
      targets = [...(this.meshes.get(topic.name) ?? [])]
      if (targets.length === 0) {
        // no mesh yet: D random peers of the topic (gossipsub's fanout)
        targets = shuffled(
          this.ctx.topicPeers(topic.name).map((p) => p.id),
          this.ctx.random,
        ).slice(0, o.gossip.D)
      }
    }
    this.sendPreambles(topic.name, message, targets)
    return this.ctx.sendTo(targets, message.wire, message.size)
  }

  forward(topic: TopicState, message: StoredMessage, exclude: readonly PeerId[]): number {
    this.windows.push(topic.name, message.key, message.id)
    const now = this.ctx.clock.now()
    const targets: PeerId[] = []
    for (const id of this.meshes.get(topic.name) ?? []) {
      if (exclude.includes(id)) continue
      const peer = this.ctx.peers.get(id)
      if (peer === undefined) continue
      if (peer.doesNotWant(message.key, now)) {
        this.ctx.gossipCounters.skippedByIDontWant++
        continue
      }
      targets.push(id)
    }
    this.sendPreambles(topic.name, message, targets)
    return this.ctx.sendTo(targets, message.wire, message.size)
  }

  /** Announces a large message to each target just before it is queued (control lane: it arrives first). */
  private sendPreambles(topic: string, message: StoredMessage, targets: readonly PeerId[]): void {
    const g = this.ctx.options.gossip
    if (!g.preamble || message.size < g.preambleMinSize) return
    const preamble = { type: 'preamble' as const, data: { topic, messageIds: [message.id] } }
    for (const id of targets) {
      if (this.ctx.sendNow(id, preamble)) this.ctx.gossipCounters.preambleSent++
    }
  }

  received(topic: TopicState, message: { key: string; id: Uint8Array; size: number }, from: PeerId): void {
    this.promises.delete(message.key)
    this.expected.delete(message.key)
    const g = this.ctx.options.gossip
    // gossipsub v1.2: tell the mesh before validating, so copies not yet on their way are not sent at all
    if (g.idontwant && message.size >= g.idontwantMinSize)
      this.sendIDontWant(topic.name, message, from, undefined)
  }

  /**
   * IDONTWANT for one message to the mesh of its topic, but not to `except` (the peer sending it to us) nor
   * to peers already told. On a preamble (`announcerRtt` set), only to the peers whose round trip is at least
   * the announcer's: a copy from them could not arrive sooner (a nearer peer that has not started may still
   * win, so it is told only once the message is here).
   */
  private sendIDontWant(
    topic: string,
    message: { key: string; id: Uint8Array },
    except: PeerId,
    announcerRtt: number | undefined,
  ): void {
    const g = this.ctx.options.gossip
    let told = this.told.peek(message.key)
    if (told === undefined) this.told.set(message.key, (told = new Set()))
    for (const peerId of this.meshes.get(topic) ?? []) {
      if (peerId === except || told.has(peerId)) continue
      if (
        announcerRtt !== undefined &&
        !((this.ctx.network.getPeer(peerId)?.latencyMs ?? -1) >= announcerRtt)
      )
        continue
      const peer = this.ctx.peers.get(peerId)
      if (peer === undefined || peer.budget.idontwantOut >= g.maxIDontWantPerHeartbeat) continue
      told.add(peerId)
      peer.budget.idontwantOut++
      this.queueIDontWant(peerId, message.id)
    }
  }

  /**
   * Sends an IDONTWANT id to a peer: at once when none went to it in the last `idontwantBatchMs`, else with
   * the others of that window in one message (so a busy topic stays within the peer's control-message rate).
   */
  private queueIDontWant(peerId: PeerId, id: Uint8Array): void {
    const now = this.ctx.clock.now()
    const batchMs = this.ctx.options.gossip.idontwantBatchMs
    let q = this.dontWantOut.get(peerId)
    if (q === undefined)
      this.dontWantOut.set(peerId, (q = { ids: [], timer: undefined, last: Number.NEGATIVE_INFINITY }))
    if (q.timer === undefined && now - q.last >= batchMs) {
      this.flushIDontWant(peerId, [id])
      return
    }
    if (q.ids.length < LIMITS.maxIDontWantIds) q.ids.push(id)
    if (q.timer === undefined) {
      const batch = q
      batch.timer = this.ctx.clock.setTimeout(
        () => {
          batch.timer = undefined
          const ids = batch.ids.splice(0)
          if (ids.length > 0) this.flushIDontWant(peerId, ids)
        },
        Math.max(1, batch.last + batchMs - now),
      )
    }
  }

  private flushIDontWant(peerId: PeerId, messageIds: Uint8Array[]): void {
    const q = this.dontWantOut.get(peerId)
    if (q !== undefined) q.last = this.ctx.clock.now()
    if (this.ctx.sendNow(peerId, { type: 'idontwant', data: { messageIds } })) {
      this.ctx.gossipCounters.idontwantSent++
      this.ctx.metrics.control.inc(1, { type: 'idontwant', direction: 'out' })
    }
  }

  /**
   * A peer is about to send us messages (its preamble): the mesh peers farther than it hear IDONTWANT at
   * once, and the peer is held to it (`preambleTimeoutMs`, then a broken promise and an IWANT elsewhere).
   */
  onPreamble(peer: RelayPeer, data: PreambleData): void {
    const c = this.ctx.gossipCounters
    const g = this.ctx.options.gossip
    c.preambleReceived++
    this.ctx.metrics.control.inc(1, { type: 'preamble', direction: 'in' })
    if (!this.isGossipTopic(data.topic)) return
    const now = this.ctx.clock.now()
    const rtt = this.ctx.network.getPeer(peer.id)?.latencyMs
    for (const id of data.messageIds) {
      if (peer.budget.preambleIn >= g.maxIDontWantPerHeartbeat) return
      peer.budget.preambleIn++
      const key = idKey(id)
      if (this.ctx.seen.get(key) !== undefined || this.expected.peek(key) !== undefined) continue
      this.expected.set(key, { peer: peer.id, id, topic: data.topic, until: now + g.preambleTimeoutMs })
      if (g.idontwant && rtt !== undefined) this.sendIDontWant(data.topic, { key, id }, peer.id, rtt)
    }
  }

  duplicate(topic: TopicState, _key: string, from: PeerId, entry: SeenEntry): void {
    if (entry.state === 'accepted' || entry.state === 'validating') {
      this.ctx.score.meshDelivery(from, topic.name, entry.at)
    }
  }

  // --------------------------------------------------------------------------------------- control in

  onIHave(peer: RelayPeer, data: IHaveData): void {
    const c = this.ctx.gossipCounters
    const g = this.ctx.options.gossip
    c.ihaveReceived++
    this.ctx.metrics.control.inc(1, { type: 'ihave', direction: 'in' })
    if (!this.isGossipTopic(data.topic)) return
    if (this.ctx.score.score(peer.id) < this.ctx.options.score.gossipThreshold) return
    const b = peer.budget
    b.ihaveMessages++
    const room = b.ihaveMessages > g.maxIHaveMessages ? 0 : g.maxIHaveLength - b.ihaveIds
    const ids = data.messageIds.length > room ? data.messageIds.slice(0, Math.max(0, room)) : data.messageIds
    if (ids.length < data.messageIds.length) {
      c.ihaveIgnored += data.messageIds.length - ids.length
      if (!b.ihavePenalised) {
        b.ihavePenalised = true
        this.ctx.penalise(peer.id, 'rate-limit-exceeded', 'IHAVE beyond the per-heartbeat budget')
      }
    }
    b.ihaveIds += ids.length
    const now = this.ctx.clock.now()
    const want: Uint8Array[] = []
    for (const id of ids) {
      const key = idKey(id)
      if (this.ctx.seen.get(key) !== undefined) continue
      const promise = this.promises.peek(key)
      if (promise !== undefined && promise.until > now) continue
      if (this.expected.peek(key) !== undefined) continue // announced by a preamble: on its way
      this.promises.set(key, { peer: peer.id, until: now + g.iwantFollowupMs })
      want.push(id)
    }
    if (want.length === 0) return
    if (this.ctx.sendNow(peer.id, { type: 'iwant', data: { messageIds: want } })) {
      c.iwantSent++
      this.ctx.metrics.control.inc(1, { type: 'iwant', direction: 'out' })
    } else {
      for (const id of want) this.promises.delete(idKey(id))
    }
  }

  onIWant(peer: RelayPeer, data: IWantData): void {
    const c = this.ctx.gossipCounters
    c.iwantReceived++
    this.ctx.metrics.control.inc(1, { type: 'iwant', direction: 'in' })
    if (this.ctx.score.score(peer.id) < this.ctx.options.score.gossipThreshold) return
    const max = this.ctx.options.gossip.gossipRetransmission
    for (const id of data.messageIds) {
      const key = idKey(id)
      const m = this.windows.has(key) ? this.ctx.store.get(key) : undefined
      if (m === undefined) {
        c.iwantRefused++
        continue
      }
      m.iwant ??= new Map()
      const times = m.iwant.get(peer.id) ?? 0
      if (times >= max) {
        c.iwantRefused++
        continue
      }
      m.iwant.set(peer.id, times + 1)
      if (this.ctx.sendNow(peer.id, m.wire)) c.iwantServed++
    }
  }

  onGraft(peer: RelayPeer, data: GraftData): void {
    const c = this.ctx.gossipCounters
    c.graftReceived++
    this.ctx.metrics.control.inc(1, { type: 'graft', direction: 'in' })
    const mesh = this.meshes.get(data.topic)
    if (mesh === undefined || !this.isGossipTopic(data.topic)) return // unknown topic: no state at all
    if (peer.topics.size < this.ctx.options.maxTopics) peer.topics.add(data.topic)
    if (mesh.has(peer.id)) return
    const g = this.ctx.options.gossip
    const now = this.ctx.clock.now()
    const until = this.backoffs.get(data.topic)?.peek(peer.id)
    if (until !== undefined && until > now) {
      const prunedAt = until - g.pruneBackoffMs
      const flood = now < prunedAt + g.graftFloodThresholdMs
      this.ctx.penalise(peer.id, 'rate-limit-exceeded', 'GRAFT during backoff', flood ? 2 : 1)
      this.sendPrune(data.topic, peer.id, g.pruneBackoffMs, false)
      return
    }
    if (this.ctx.score.score(peer.id) < 0) {
      this.sendPrune(data.topic, peer.id, g.pruneBackoffMs, false)
      return
    }
    if (mesh.size >= g.Dhi && !peer.outbound) {
      this.sendPrune(data.topic, peer.id, g.pruneBackoffMs, true)
      return
    }
    this.addToMesh(data.topic, peer.id, 'remote')
  }

  onPrune(peer: RelayPeer, data: PruneData): void {
    const c = this.ctx.gossipCounters
    c.pruneReceived++
    this.ctx.metrics.control.inc(1, { type: 'prune', direction: 'in' })
    const mesh = this.meshes.get(data.topic)
    if (mesh === undefined || !this.isGossipTopic(data.topic)) return
    if (mesh.delete(peer.id)) {
      this.ctx.score.prune(peer.id, data.topic)
      this.ctx.emit('mesh:prune', { topic: data.topic, peerId: peer.id, by: 'remote' })
    }
    const backoff = Math.min(data.backoffMs ?? this.ctx.options.gossip.pruneBackoffMs, MAX_BACKOFF_MS)
    this.setBackoff(data.topic, peer.id, backoff)
    if (data.peers.length > 0) this.peerExchange(peer, data.topic, data.peers)
  }

  onIDontWant(peer: RelayPeer, data: IDontWantData): void {
    const c = this.ctx.gossipCounters
    const g = this.ctx.options.gossip
    c.idontwantReceived++
    this.ctx.metrics.control.inc(1, { type: 'idontwant', direction: 'in' })
    const now = this.ctx.clock.now()
    for (const id of data.messageIds) {
      if (peer.budget.idontwantIn >= g.maxIDontWantPerHeartbeat) return
      peer.budget.idontwantIn++
      const key = idKey(id)
      peer.dontWant.set(key, now + g.idontwantTtlMs)
      // it had the message: a mesh delivery, when we already had it too (else it owes us a copy)
      const entry = this.ctx.seen.get(key)
      if (entry !== undefined && entry.senders.length > 0)
        this.ctx.score.meshDelivery(peer.id, entry.topic, entry.at)
    }
  }

  /** A peer left: it is out of every mesh (its score keeps the record). */
  peerRemoved(id: PeerId): void {
    for (const mesh of this.meshes.values()) mesh.delete(id)
    this.ctx.clock.clearTimeout(this.dontWantOut.get(id)?.timer)
    this.dontWantOut.delete(id)
    this.ihaveSent.delete(id)
  }

  /** A peer unsubscribed from a topic: out of that mesh. */
  peerLeftTopic(id: PeerId, topic: string): void {
    if (this.meshes.get(topic)?.delete(id) === true) this.ctx.score.prune(id, topic)
  }

  // ------------------------------------------------------------------------------------------ heartbeat

  /** One heartbeat: broken promises, mesh upkeep per topic, IHAVE gossip, a new cache window. */
  heartbeat(): void {
    this.tick++
    this.ihaveSent.clear()
    this.checkPromises()
    this.checkPreambles()
    for (const topic of this.meshes.keys()) maintainMesh(this, topic)
    for (const topic of this.meshes.keys()) this.emitGossip(topic)
    this.windows.shift()
    for (const [topic, table] of this.backoffs) {
      const now = this.ctx.clock.now()
      for (const [peer, until] of table) if (until <= now) table.delete(peer)
      if (table.size === 0) this.backoffs.delete(topic)
    }
  }

  // ------------------------------------------------------------------------------------------ mesh ops

  /** Whether `peer` may be grafted on `topic` now (not in backoff). */
  inBackoff(topic: string, peer: PeerId): boolean {
    const until = this.backoffs.get(topic)?.peek(peer)
    return until !== undefined && until > this.ctx.clock.now()
  }

  addToMesh(topic: string, peer: PeerId, by: 'local' | 'remote'): void {
    const mesh = this.meshes.get(topic)
    if (mesh === undefined || mesh.has(peer)) return
    mesh.add(peer)
    this.ctx.score.graft(peer, topic)
    this.ctx.emit('mesh:graft', { topic, peerId: peer, by })
  }

  /** We graft a peer: it joins our mesh and gets a GRAFT. */
  graft(topic: string, peer: PeerId): void {
    this.addToMesh(topic, peer, 'local')
    if (this.ctx.sendNow(peer, { type: 'graft', data: { topic } })) {
      this.ctx.gossipCounters.graftSent++
      this.ctx.metrics.control.inc(1, { type: 'graft', direction: 'out' })
    }
  }

  /** We prune a peer: out of our mesh, a PRUNE with backoff (and peer exchange when `px`). */
  prune(topic: string, peer: PeerId, backoffMs: number, px: boolean): void {
    const mesh = this.meshes.get(topic)
    if (mesh?.delete(peer) === true) {
      const deficit = this.ctx.score.meshDeficit(peer, topic)
      this.ctx.score.prune(peer, topic)
      if (deficit > 0) this.ctx.report(peer, 'timeout', `mesh delivery deficit on ${topic}`)
      this.ctx.emit('mesh:prune', { topic, peerId: peer, by: 'local' })
    }
    this.sendPrune(topic, peer, backoffMs, px)
  }

  sendPrune(topic: string, peer: PeerId, backoffMs: number, px: boolean): void {
    this.setBackoff(topic, peer, backoffMs)
    const peers = px ? this.exchangePeers(topic, peer) : []
    if (this.ctx.sendNow(peer, { type: 'prune', data: { topic, peers, backoffMs } })) {
      this.ctx.gossipCounters.pruneSent++
      this.ctx.metrics.control.inc(1, { type: 'prune', direction: 'out' })
    }
  }

  private setBackoff(topic: string, peer: PeerId, ms: number): void {
    let table = this.backoffs.get(topic)
    if (table === undefined) this.backoffs.set(topic, (table = new LruMap(MAX_BACKOFFS_PER_TOPIC)))
    table.set(peer, this.ctx.clock.now() + ms)
  }

  /** Peers to suggest in a PRUNE: topic peers with a non-negative score and an address they announced. */
  private exchangePeers(topic: string, pruned: PeerId): DhtNode[] {
    const max = this.ctx.options.gossip.prunePeers
    const out: DhtNode[] = []
    for (const p of shuffled(this.ctx.topicPeers(topic), this.ctx.random)) {
      if (out.length >= max) break
      if (p.id === pruned || this.ctx.score.score(p.id) < 0) continue
      const addrs = p.info.hello.listenAddrs.slice(0, LIMITS.maxAddrsPerPeer)
      if (addrs.length > 0) out.push({ peerId: p.id, addrs })
    }
    return out
  }

  private peerExchange(from: RelayPeer, topic: string, peers: readonly DhtNode[]): void {
    if (this.ctx.score.score(from.id) < this.ctx.options.score.acceptPXThreshold) return
    const fresh = peers.filter(
      (p) => isPeerId(p.peerId) && p.peerId !== this.ctx.self && !this.ctx.peers.has(p.peerId),
    )
    if (fresh.length === 0) return
    this.ctx.emit('peer-exchange', { topic, from: from.id, peers: fresh })
    if (this.ctx.topicPeers(topic).length >= this.ctx.options.gossip.D) return
    for (const p of fresh.slice(0, this.ctx.options.gossip.maxPeerExchangeDials)) {
      const address = p.addrs[0]
      if (address === undefined) continue
      this.ctx.network.dial(address, { peerId: p.peerId, kind: 'full-relay' }).catch(() => {})
    }
  }

  private checkPromises(): void {
    const now = this.ctx.clock.now()
    const broken = new Map<PeerId, number>()
    for (const [key, p] of this.promises) {
      if (p.until > now) continue
      this.promises.delete(key)
      broken.set(p.peer, (broken.get(p.peer) ?? 0) + 1)
    }
    for (const [peer, n] of broken) {
      this.ctx.gossipCounters.brokenPromises += n
      this.ctx.metrics.brokenPromises.inc(n)
      this.ctx.penalise(peer, 'timeout', `${n} IWANT promises broken`, n)
    }
  }

  /** Preambles whose message never came: the announcer is penalised, and the message asked of a peer that has it. */
  private checkPreambles(): void {
    const now = this.ctx.clock.now()
    for (const [key, e] of this.expected) {
      if (e.until > now) continue
      this.expected.delete(key)
      if (this.ctx.seen.get(key) !== undefined) continue
      this.ctx.gossipCounters.brokenPreambles++
      this.ctx.penalise(e.peer, 'timeout', 'a message announced in a preamble never came')
      // the mesh peers that said IDONTWANT have it: ask one of them
      const holder = [...(this.meshes.get(e.topic) ?? [])].find(
        (id) => id !== e.peer && this.ctx.peers.get(id)?.dontWant.peek(key) !== undefined,
      )
      // (no promise: the holder advertised nothing, so it owes us nothing if it cannot serve it)
      if (holder !== undefined && this.ctx.sendNow(holder, { type: 'iwant', data: { messageIds: [e.id] } })) {
        this.ctx.gossipCounters.iwantSent++
      }
    }
  }

  /**
   * IHAVE gossip for one topic: the ids of the gossip windows (at most `maxIHaveLength`, shuffled), one
   * message encoded once for Dlazy (or `gossipFactor` of the) eligible peers outside the mesh.
   */
  private emitGossip(topic: string): void {
    const all = this.windows.gossip(topic)
    if (all.length === 0) return
    const g = this.ctx.options.gossip
    const mesh = this.meshes.get(topic) ?? new Set()
    const threshold = this.ctx.options.score.gossipThreshold
    const eligible = this.ctx
      .topicPeers(topic)
      .filter((p) => !mesh.has(p.id) && this.ctx.score.score(p.id) >= threshold)
    const n = Math.max(g.Dlazy, Math.floor(g.gossipFactor * eligible.length))
    const messageIds = shuffled(all, this.ctx.random).slice(0, g.maxIHaveLength)
    const chosen = new Set<PeerId>()
    for (const p of shuffled(eligible, this.ctx.random).slice(0, n)) {
      // the receiver processes at most maxIHaveLength ids per heartbeat: stay within it over all topics
      const sent = this.ihaveSent.get(p.id) ?? 0
      if (sent + messageIds.length > g.maxIHaveLength) continue
      this.ihaveSent.set(p.id, sent + messageIds.length)
      chosen.add(p.id)
    }
    if (chosen.size === 0) return
    const message: Message = { type: 'ihave', data: { topic, messageIds } }
    const peers = [...chosen]
    for (let i = 0; i < peers.length; i += IHAVE_PEERS_PER_TASK) {
      const batch = new Set(peers.slice(i, i + IHAVE_PEERS_PER_TASK))
      const task = this.ctx.clock.setTimeout(() => {
        this.gossipTasks.delete(task)
        const n = this.ctx.network.broadcast(message, (p) => batch.has(p.peerId))
        this.ctx.gossipCounters.ihaveSent += n
        this.ctx.metrics.control.inc(n, { type: 'ihave', direction: 'out' })
      }, 0)
      this.gossipTasks.add(task)
    }
  }

  private isGossipTopic(topic: string): boolean {
    return this.ctx.topic(topic)?.strategy === 'gossip'
  }

  clear(): void {
    this.meshes.clear()
    this.backoffs.clear()
    this.windows.clear()
    this.promises.clear()
    this.expected.clear()
    this.told.clear()
    for (const q of this.dontWantOut.values()) this.ctx.clock.clearTimeout(q.timer)
    this.dontWantOut.clear()
    this.ihaveSent.clear()
    for (const task of this.gossipTasks) this.ctx.clock.clearTimeout(task)
    this.gossipTasks.clear()
  }
}

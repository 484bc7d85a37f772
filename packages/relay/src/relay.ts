import type { Clock, Logger, PeerId, TimerHandle } from '@chainwire/interface'
import { noopLogger, noopMetrics, systemClock } from '@chainwire/interface'
import type { MessageEvent, PeerConnectedEvent, PeerDisconnectedEvent } from '@chainwire/network'
import { DEFAULT_MESSAGE_CLASSES, peerIdFromPublicKey } from '@chainwire/network'
import {
  decode,
  encode,
  FRAME_HEADER_BYTES,
  LIMITS,
  type Message,
  type MessageType,
  type RelayData,
} from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import { Announcer } from './announce/announcer'
import { MessageStore, type StoredMessage } from './cache/message-store'
import { SeenCache } from './cache/seen-cache'
import type { RelayContext, Strategy, TopicState } from './context'
import { DirectRelay } from './direct/direct'
import { RelayError } from './errors'
import { GossipRouter } from './gossip/router'
import { idKey, messageIdOf } from './message/id'
import { BUILTIN_TOPIC_TYPES, CARRIED_TYPES, isBuiltinTopic, topicOfMessageType } from './message/topics'
import { RelayMetrics } from './metrics'
import { type RelayOptions, type ResolvedOptions, resolveRelayOptions, resolveTopicOptions } from './options'
import { PeerTable, type RelayPeer } from './peers/peer-table'
import { type Arrival, Pipeline } from './pipeline'
import { PushStrategy } from './push/push'
import { PeerScore } from './score/peer-score'
import { emptyCounters, RelayStats } from './stats'
import type {
  DirectSendOptions,
  DirectSendResult,
  PublishResult,
  Relay,
  RelayBehaviour,
  RelayComponents,
  RelayEvents,
  RelayStatus,
  RelayTableSizes,
  TopicContent,
  TopicOptions,
} from './types'

/** Messages of at least this many bytes (encoded) go to peers whose send queue is full one peer per task. */
const LARGE_SEND_BYTES = 64 * 1024
/** Deferred sends held at most; beyond it, a large message is sent at once like a small one. */
const MAX_DEFERRED_SENDS = 4_096

/** The relay service (see {@link Relay}); `createRelay` builds one. */
export class RelayService extends EventEmitter<RelayEvents> implements Relay {
  private readonly o: ResolvedOptions
  private readonly components: RelayComponents
  private readonly clock: Clock
  private readonly log: Logger
  private readonly ctx: RelayContext
  private readonly joined = new Map<string, TopicState>()
  private readonly peers: PeerTable
  private readonly stats = new RelayStats()
  private readonly pipeline: Pipeline
  private readonly push: PushStrategy
  private readonly gossip: GossipRouter
  private readonly announcer: Announcer
  private readonly direct: DirectRelay
  private readonly validators = new Set<PeerId>()
  private readonly setValidatorIds = new Set<PeerId>()
  private readonly graylisted = new Set<PeerId>()
  private started = false
  private unregister: (() => void)[] = []
  private heartbeatTimer: TimerHandle | undefined
  private cleanupTimer: TimerHandle | undefined
  private lastDecay = 0
  /** Large messages waiting to be sent to a peer whose queue was full, one per task (see `sendTo`). */
  private deferred: ({ peer: PeerId; message: Message } | undefined)[] = []
  private deferredHead = 0
  private deferredTimer: TimerHandle | undefined

  constructor(components: RelayComponents, options: RelayOptions = {}) {
    super()
    this.o = resolveRelayOptions(options)
    this.components = components
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'relay' })
    const metrics = new RelayMetrics(components.metrics ?? noopMetrics)
    this.peers = new PeerTable(
      this.o.gossip.maxIDontWantPerHeartbeat *
        Math.max(1, Math.ceil(this.o.gossip.idontwantTtlMs / this.o.gossip.heartbeatIntervalMs)),
    )
    const score = new PeerScore(
      this.o.score,
      (topic) => this.joined.get(topic)?.score,
      this.clock,
      components.scores,
    )
    const network = components.network
    const random = components.random ?? Math.random
    this.ctx = {
      network,
      self: network.peerId,
      clock: this.clock,
      random,
      options: this.o,
      log: this.log,
      peers: this.peers,
      score,
      store: new MessageStore(
        this.clock,
        this.o.messageCacheEntries,
        this.o.messageCacheBytes,
        this.o.messageCacheMs,
      ),
      seen: new SeenCache(this.clock, this.o.seenCacheSize, this.o.messageExpiration),
      metrics,
      routing: components.routing,
      inventory: components.inventory,
      gossipCounters: this.stats.gossip,
      announceCounters: this.stats.announce,
      directCounters: this.stats.direct,
      topic: (name) => this.joined.get(name),
      report: (peer, behaviour, detail) => this.report(peer, behaviour, detail),
      penalise: (peer, behaviour, detail, count = 1) => {
        if (count > 0) score.penalise(peer, count)
        this.report(peer, behaviour, detail)
        this.checkPeer(peer)
      },
      checkPeer: (peer) => this.checkPeer(peer),
      isGraylisted: (peer) => score.score(peer) < this.o.score.graylistThreshold,
      sendTo: (peers, message, size) => this.sendTo(peers, message, size),
      sendNow: (peer, message) => network.trySend(peer, message),
      emit: (event, ...args) => this.emitEvent(event, ...args),
      topicPeers: (topic) => this.peers.inTopic(topic),
    }
    this.push = new PushStrategy(this.ctx, components.scores, this.validators)
    this.gossip = new GossipRouter(this.ctx)
    this.announcer = new Announcer(this.ctx)
    this.direct = new DirectRelay(this.ctx)
    this.pipeline = new Pipeline(this.ctx, (t) => this.strategyOf(t))
    for (const [name, t] of Object.entries(this.o.topics)) this.addTopic(name, t)
  }

  // ---------------------------------------------------------------------------------------- lifecycle

  start(): void {
    if (this.started) return
    this.started = true
    this.pipeline.resume()
    this.announcer.resume()
    const net = this.components.network
    const on = <E extends Parameters<typeof net.on>[0]>(event: E, fn: (...args: never[]) => void): void => {
      net.on(event, fn as never)
      this.unregister.push(() => net.off(event, fn as never))
    }
    on('peer:connected', (e: PeerConnectedEvent) => this.peerConnected(e.peer))
    on('peer:disconnected', (e: PeerDisconnectedEvent) => this.peerDisconnected(e.peer.peerId))
    for (const type of CARRIED_TYPES) {
      on(`message:${type}` as 'message:new_block', (e: MessageEvent) => this.onNative(e))
    }
    on('message:relay', (e: MessageEvent<'relay'>) => this.onEnvelope(e))
    on('message:subscribe', (e: MessageEvent<'subscribe'>) => this.control(e, (p) => this.onSubscribe(p, e)))
    on('message:ihave', (e: MessageEvent<'ihave'>) =>
      this.control(e, (p) => this.gossip.onIHave(p, e.message.data)),
    )
    on('message:iwant', (e: MessageEvent<'iwant'>) =>
      this.control(e, (p) => this.gossip.onIWant(p, e.message.data)),
    )
    on('message:graft', (e: MessageEvent<'graft'>) =>
      this.control(e, (p) => this.gossip.onGraft(p, e.message.data)),
    )
    on('message:prune', (e: MessageEvent<'prune'>) =>
      this.control(e, (p) => this.gossip.onPrune(p, e.message.data)),
    )
    on('message:idontwant', (e: MessageEvent<'idontwant'>) =>
      this.control(e, (p) => this.gossip.onIDontWant(p, e.message.data)),
    )
    on('message:preamble', (e: MessageEvent<'preamble'>) =>
      this.control(e, (p) => this.gossip.onPreamble(p, e.message.data)),
    )
    on('message:inv', (e: MessageEvent<'inv'>) =>
      this.control(e, (p) => this.announcer.onInv(p, e.message.data)),
    )
    this.unregister.push(
      net.handle('get_data', async (message, peer) =>
        this.ignoreGraylisted(peer.peerId, 'get_data')
          ? { type: 'not_found', data: { items: message.data.items } }
          : this.announcer.onGetData(peer, message.data),
      ),
    )
    for (const peer of net.peers()) this.peerConnected(peer)
    this.lastDecay = this.clock.now()
    this.heartbeatTimer = this.clock.setInterval(() => this.heartbeat(), this.o.gossip.heartbeatIntervalMs)
    this.cleanupTimer = this.clock.setInterval(() => this.ctx.seen.cleanup(), this.o.cleanupInterval)
    for (const t of this.joined.values()) this.strategyOf(t).joined?.(t)
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    for (const fn of this.unregister.splice(0)) fn()
    this.clock.clearInterval(this.heartbeatTimer)
    this.clock.clearInterval(this.cleanupTimer)
    this.clock.clearTimeout(this.deferredTimer)
    this.heartbeatTimer = undefined
    this.cleanupTimer = undefined
    this.deferredTimer = undefined
    this.deferred = []
    this.deferredHead = 0
    this.pipeline.stop()
    this.gossip.clear()
    this.announcer.clear()
    this.direct.clear()
    this.peers.clear()
    this.ctx.store.clear()
    this.ctx.seen.clear()
    this.ctx.score.clear()
    this.graylisted.clear()
  }

  isStarted(): boolean {
    return this.started
  }

  // ------------------------------------------------------------------------------------------- topics

  join(topic: string, options: TopicOptions = {}): void {
    const existing = this.joined.get(topic)
    if (existing === undefined && this.joined.size >= this.o.maxTopics) {
      throw new RelayError('ERR_TOO_MANY_TOPICS', `at most ${this.o.maxTopics} topics`, { topic })
    }
    const before = existing === undefined ? undefined : this.strategyOf(existing)
    const t = this.addTopic(topic, options)
    const after = this.strategyOf(t)
    if (!this.started) return
    if (before !== after) {
      if (existing !== undefined) before?.left?.(t)
      after.joined?.(t)
    }
    if (existing === undefined) this.announceSubscriptions([...this.peers.all()], [topic], true)
  }

  leave(topic: string): void {
    const t = this.joined.get(topic)
    if (t === undefined) return
    if (this.started) this.strategyOf(t).left?.(t)
    this.joined.delete(topic)
    this.ctx.score.forgetTopic(topic)
    if (this.started) this.announceSubscriptions([...this.peers.all()], [topic], false)
  }

  topics(): string[] {
    return [...this.joined.keys()]
  }

  private addTopic(name: string, options: TopicOptions): TopicState {
    const r = resolveTopicOptions(name, options)
    const strategy = r.strategy ?? (name === 'consensus' ? 'validator_only' : this.o.relayMode)
    const existing = this.joined.get(name)
    if (existing !== undefined) {
      existing.strategy = strategy
      existing.validator = r.validator
      existing.messageId = r.messageId
      existing.score = r.score
      return existing
    }
    const t: TopicState = {
      name,
      strategy,
      validator: r.validator,
      messageId: r.messageId,
      score: r.score,
      counters: emptyCounters(),
    }
    this.joined.set(name, t)
    return t
  }

  private strategyOf(t: TopicState): Strategy {
    switch (t.strategy) {
      case 'gossip':
        return this.gossip
      case 'announce':
        return this.announcer
      default:
        return this.push
    }
  }

  // ------------------------------------------------------------------------------------------ publish

  publish(topic: string, content: Message | Uint8Array): PublishResult {
    if (!this.started) throw new RelayError('ERR_NOT_STARTED', 'the relay is not started')
    const t = this.joined.get(topic)
    if (t === undefined) throw new RelayError('ERR_UNKNOWN_TOPIC', `topic ${topic} is not joined`, { topic })
    const tc = this.contentOf(t, content)
    const id = messageIdOf(t.messageId, t.name, tc)
    const key = idKey(id)
    if (this.ctx.seen.get(key) !== undefined) {
      throw new RelayError('ERR_DUPLICATE', `message ${key} was already seen`, { topic, id: key })
    }
    const wire = this.wireFor(t, tc, undefined)
    const stored: StoredMessage = {
      key,
      id,
      topic,
      wire: wire.message,
      size: encode(wire.message).byteLength,
      at: this.clock.now(),
      iwant: undefined,
    }
    this.ctx.seen.add(key, topic, 'accepted', undefined)
    this.ctx.store.put(stored)
    t.counters.published++
    this.ctx.metrics.messages.inc(1, { topic, outcome: 'published' })
    if (tc.message?.type === 'validator_set') this.learnValidators(tc.message.data.validators)
    const peers = this.strategyOf(t).publish(t, stored)
    t.counters.forwarded += peers
    return { id, peers }
  }

  private contentOf(t: TopicState, content: Message | Uint8Array): TopicContent {
    if (isBuiltinTopic(t.name)) {
      if (content instanceof Uint8Array || !BUILTIN_TOPIC_TYPES[t.name].includes(content.type)) {
        throw new RelayError(
          'ERR_WRONG_TOPIC',
          `${t.name} carries ${BUILTIN_TOPIC_TYPES[t.name].join(', ')}`,
          {
            topic: t.name,
          },
        )
      }
      return { message: content }
    }
    if (!(content instanceof Uint8Array)) {
      throw new RelayError('ERR_WRONG_TOPIC', `${t.name} is a user topic: publish bytes`, { topic: t.name })
    }
    if (content.byteLength > LIMITS.maxRelayPayloadBytes) {
      throw new RelayError('ERR_WRONG_TOPIC', `payload over ${LIMITS.maxRelayPayloadBytes} bytes`, {
        topic: t.name,
      })
    }
    return { payload: content }
  }

  /**
   * How a topic's message travels onward: user topics and validator-only topics in a relay envelope (hop
   * count and expiry), built-in topics otherwise as their own catalog messages (so network's send classes put
   * blocks ahead of transactions). `arrived` is the envelope it came in, or the sender of a native message.
   */
  private wireFor(
    t: TopicState,
    content: TopicContent,
    arrived: { env: RelayData } | { from: PeerId } | undefined,
  ): { message: Message; forwardable: boolean } {
    const envelope = !isBuiltinTopic(t.name) || t.strategy === 'validator_only'
    if (!envelope) return { message: content.message as Message, forwardable: true }
    const payload = content.payload ?? encode(content.message as Message)
    if (arrived === undefined) {
      const data: RelayData = {
        origin: this.ctx.self,
        hops: 0,
        ttl: this.o.maxRelayHops,
        topic: t.name,
        payload,
        expiresAt: this.clock.now() + this.o.messageExpiration,
      }
      return { message: { type: 'relay', data }, forwardable: true }
    }
    const base: RelayData =
      'env' in arrived
        ? arrived.env
        : { origin: arrived.from, hops: 0, ttl: this.o.maxRelayHops, topic: t.name, payload }
    const hops = base.hops + 1
    return {
      message: { type: 'relay', data: { ...base, hops } },
      forwardable: hops < Math.min(base.ttl, this.o.maxRelayHops),
    }
  }

  // ------------------------------------------------------------------------------------------ inbound

  private onNative(e: MessageEvent): void {
    const topicName = topicOfMessageType(e.message.type)
    if (topicName === undefined) return
    const t = this.joined.get(topicName)
    if (t === undefined) {
      this.stats.unknownTopic++
      return
    }
    if (this.ignoreGraylisted(e.peerId, e.message.type)) return
    const content: TopicContent = { message: e.message as Message }
    const wire = this.wireFor(t, content, { from: e.peerId })
    void this.pipeline.receive({
      topic: t,
      content,
      wire: wire.message,
      forwardable: wire.forwardable,
      from: e.peerId,
      size: e.size,
      origin: undefined,
      hops: 0,
    })
  }

  private onEnvelope(e: MessageEvent<'relay'>): void {
    const env = e.message.data
    const from = e.peerId
    if (this.ignoreGraylisted(from, 'relay')) return
    if (env.target !== undefined) {
      this.direct.receive(env as RelayData & { target: string }, from, e.size)
      return
    }
    if (env.topic === undefined) {
      this.ctx.penalise(from, 'protocol-violation', 'relay envelope with neither target nor topic')
      return
    }
    const t = this.joined.get(env.topic)
    if (t === undefined) {
      this.stats.unknownTopic++
      return
    }
    const arrival = this.envelopeArrival(t, env, from, e.size)
    if (arrival !== undefined) void this.pipeline.receive(arrival)
  }

  /** Checks a topic envelope (hops, expiry, origin, payload) and makes it an arrival, or drops it. */
  private envelopeArrival(t: TopicState, env: RelayData, from: PeerId, size: number): Arrival | undefined {
    const now = this.clock.now()
    if (env.hops >= env.ttl) {
      t.counters.hopLimit++
      this.ctx.penalise(from, 'protocol-violation', `relay envelope at hop ${env.hops} of ttl ${env.ttl}`)
      return undefined
    }
    if (env.hops === 0 && env.origin !== from) {
      this.ctx.penalise(
        from,
        'protocol-violation',
        'relay envelope at hop 0 from a peer that is not its origin',
      )
      return undefined
    }
    if (env.expiresAt !== undefined && env.expiresAt <= now) {
      t.counters.expired++
      this.ctx.metrics.messages.inc(1, { topic: t.name, outcome: 'expired' })
      return undefined
    }
    if (
      env.expiresAt !== undefined &&
      env.expiresAt > now + this.o.messageExpiration + this.o.maxClockSkewMs
    ) {
      this.ctx.penalise(from, 'protocol-violation', 'relay envelope expiring beyond the longest life')
      return undefined
    }
    let content: TopicContent
    if (isBuiltinTopic(t.name)) {
      let inner: Message
      try {
        inner = decode(env.payload)
      } catch {
        this.ctx.penalise(from, 'invalid-message', `undecodable ${t.name} payload in a relay envelope`)
        return undefined
      }
      if (!BUILTIN_TOPIC_TYPES[t.name].includes(inner.type)) {
        this.ctx.penalise(from, 'invalid-message', `a ${inner.type} in a ${t.name} envelope`)
        return undefined
      }
      content = { message: inner }
    } else {
      content = { payload: env.payload }
    }
    const wire = this.wireFor(t, content, { env })
    return {
      topic: t,
      content,
      wire: wire.message,
      forwardable: wire.forwardable,
      from,
      size,
      origin: env.origin,
      hops: env.hops,
    }
  }

  /**
   * Drops anything a graylisted peer sends (messages, control, requests): each one is a behaviour penalty
   * (P7) reported to the misbehaviour sink, so a peer that keeps sending while graylisted falls below the
   * disconnect threshold within a few messages and is disconnected.
   */
  private ignoreGraylisted(peer: PeerId, type: MessageType): boolean {
    if (!this.ctx.isGraylisted(peer)) return false
    this.stats.graylisted++
    if (this.peers.has(peer)) this.ctx.penalise(peer, 'rate-limit-exceeded', `${type} while graylisted`)
    return true
  }

  private withPeer<T extends MessageType>(e: MessageEvent<T>, fn: (peer: RelayPeer) => void): void {
    const peer = this.peers.get(e.peerId)
    if (peer !== undefined) fn(peer)
  }

  private control<T extends MessageType>(e: MessageEvent<T>, fn: (peer: RelayPeer) => void): void {
    if (this.ignoreGraylisted(e.peerId, e.message.type)) return
    this.withPeer(e, fn)
  }

  private onSubscribe(peer: RelayPeer, e: MessageEvent<'subscribe'>): void {
    for (const { topic, subscribed } of e.message.data.topics) {
      if (subscribed) {
        if (peer.topics.size < this.o.maxTopics) peer.topics.add(topic)
      } else if (peer.topics.delete(topic)) {
        this.gossip.peerLeftTopic(peer.id, topic)
      }
    }
  }

  // -------------------------------------------------------------------------------------------- peers

  private peerConnected(info: PeerConnectedEvent['peer']): void {
    if (this.peers.has(info.peerId)) return
    const peer = this.peers.add(info)
    this.ctx.score.connected(info.peerId, info.remoteHost)
    this.announceSubscriptions([peer], [...this.joined.keys()], true)
  }

  private peerDisconnected(id: PeerId): void {
    if (this.peers.remove(id) === undefined) return
    this.ctx.score.disconnected(id)
    this.gossip.peerRemoved(id)
    this.announcer.peerRemoved(id)
    this.graylisted.delete(id)
  }

  private announceSubscriptions(peers: RelayPeer[], topics: string[], subscribed: boolean): void {
    for (let i = 0; i < topics.length; i += LIMITS.maxSubscriptions) {
      const chunk = topics.slice(i, i + LIMITS.maxSubscriptions).map((topic) => ({ topic, subscribed }))
      if (chunk.length === 0) continue
      for (const p of peers) this.ctx.sendNow(p.id, { type: 'subscribe', data: { topics: chunk } })
    }
  }

  // --------------------------------------------------------------------------------------- validators

  setValidators(peerIds: readonly PeerId[]): void {
    for (const id of this.setValidatorIds) this.validators.delete(id)
    this.setValidatorIds.clear()
    for (const id of peerIds.slice(0, LIMITS.maxValidators)) {
      this.setValidatorIds.add(id)
      this.validators.add(id)
    }
  }

  private learnValidators(validators: readonly { publicKey: Uint8Array }[]): void {
    for (const id of [...this.validators]) if (!this.setValidatorIds.has(id)) this.validators.delete(id)
    for (const v of validators.slice(0, LIMITS.maxValidators)) {
      try {
        this.validators.add(peerIdFromPublicKey(v.publicKey))
      } catch {
        // not an Ed25519 key: not a peer we can recognise
      }
    }
  }

  // ------------------------------------------------------------------------------------------- direct

  sendDirect(target: PeerId, payload: Uint8Array, options?: DirectSendOptions): DirectSendResult {
    if (!this.started) throw new RelayError('ERR_NOT_STARTED', 'the relay is not started')
    return this.direct.send(target, payload, options)
  }

  // ------------------------------------------------------------------------------------------ scoring

  mesh(topic: string): PeerId[] {
    return [...(this.gossip.meshes.get(topic) ?? [])]
  }

  score(peerId: PeerId): number {
    return this.ctx.score.score(peerId)
  }

  isGraylisted(peerId: PeerId): boolean {
    return this.ctx.isGraylisted(peerId)
  }

  private report(peer: PeerId, behaviour: RelayBehaviour, detail: string): void {
    try {
      this.components.misbehaviour?.report(peer, behaviour, detail === '' ? undefined : { detail })
    } catch (err) {
      this.log.warn({ err }, 'misbehaviour sink threw')
    }
  }

  private checkPeer(peer: PeerId): void {
    const s = this.ctx.score.score(peer)
    const th = this.o.score
    if (s < th.graylistThreshold) {
      if (!this.graylisted.has(peer) && this.peers.has(peer)) {
        this.graylisted.add(peer)
        this.ctx.metrics.graylisted.inc()
        this.emitEvent('peer:graylisted', { peerId: peer, score: s })
      }
    } else {
      this.graylisted.delete(peer)
    }
    if (s <= th.disconnectThreshold && this.peers.has(peer)) {
      this.components.network.disconnect(peer, 'misbehaviour', 'relay score too low').catch(() => {})
    }
  }

  // ---------------------------------------------------------------------------------------- heartbeat

  private heartbeat(): void {
    const started = performance.now()
    const now = this.clock.now()
    const interval = this.o.score.decayIntervalMs
    for (let n = 0; now - this.lastDecay >= interval && n < 10; n++) {
      this.ctx.score.decay()
      this.lastDecay += interval
    }
    if (now - this.lastDecay >= interval) this.lastDecay = now
    for (const p of this.peers.all()) p.resetBudget()
    this.gossip.heartbeat()
    this.ctx.store.cleanup()
    for (const p of [...this.peers.all()]) this.checkPeer(p.id)
    const ms = performance.now() - started
    this.stats.heartbeatDone(ms)
    this.ctx.metrics.heartbeat.observe(ms / 1_000)
    this.emitEvent('heartbeat', { durationMs: ms })
  }

  // ------------------------------------------------------------------------------------------ sending

  private sendTo(peers: Iterable<PeerId>, message: Message, size: number): number {
    const net = this.components.network
    const cls = DEFAULT_MESSAGE_CLASSES[message.type] ?? 'bulk'
    const frame = size + FRAME_HEADER_BYTES
    const ready = new Set<PeerId>()
    let n = 0
    for (const id of peers) {
      if (net.canSend(id, frame, cls)) ready.add(id)
      else {
        n++
        // a large message waiting for room is encoded for each such peer: one peer per task, so relaying a
        // block to a mesh whose queues are full is several short tasks instead of one long one
        if (frame < LARGE_SEND_BYTES || this.deferred.length - this.deferredHead >= MAX_DEFERRED_SENDS) {
          net.send(id, message).catch(() => {})
        } else {
          this.deferred.push({ peer: id, message })
          if (this.deferredTimer === undefined) {
            this.deferredTimer = this.clock.setTimeout(this.sendDeferred, 0)
          }
        }
      }
    }
    if (ready.size > 0) n += net.broadcast(message, (p) => ready.has(p.peerId))
    return n
  }

  /** Sends the oldest deferred large message (see `sendTo`), then leaves the rest to a later task. */
  private readonly sendDeferred = (): void => {
    this.deferredTimer = undefined
    const next = this.deferred[this.deferredHead]
    if (next === undefined) return
    this.deferred[this.deferredHead++] = undefined
    if (this.deferredHead === this.deferred.length) {
      this.deferred = []
      this.deferredHead = 0
    } else {
      if (this.deferredHead >= 1_024) {
        this.deferred = this.deferred.slice(this.deferredHead)
        this.deferredHead = 0
      }
      this.deferredTimer = this.clock.setTimeout(this.sendDeferred, 0)
    }
    this.components.network.send(next.peer, next.message).catch(() => {})
  }

  private emitEvent<E extends keyof RelayEvents>(event: E, ...args: Parameters<RelayEvents[E]>): void {
    if (event === 'message') {
      const m = args[0] as Parameters<RelayEvents['message']>[0]
      if (m.message?.type === 'validator_set') this.learnValidators(m.message.data.validators)
    }
    try {
      ;(this.emit as (e: E, ...a: Parameters<RelayEvents[E]>) => boolean)(event, ...args)
    } catch (err) {
      this.log.warn({ err, event }, 'relay listener threw')
    }
  }

  // ------------------------------------------------------------------------------------------- status

  status(): RelayStatus {
    const topics: Record<string, RelayStatus['topics'][string]> = {}
    for (const t of this.joined.values()) {
      topics[t.name] = {
        ...t.counters,
        strategy: t.strategy,
        mesh: this.gossip.meshes.get(t.name)?.size ?? 0,
        peers: this.peers.inTopic(t.name).length,
      }
    }
    return {
      started: this.started,
      topics,
      gossip: { ...this.stats.gossip },
      announce: { ...this.stats.announce },
      direct: { ...this.stats.direct },
      heartbeat: { ...this.stats.heartbeat },
      unknownTopic: this.stats.unknownTopic,
      graylisted: this.stats.graylisted,
      seenEntries: this.ctx.seen.size,
      cachedMessages: this.ctx.store.size,
      cachedBytes: this.ctx.store.bytes,
      pendingValidations: this.pipeline.pending,
      tables: this.tableSizes(),
    }
  }

  private tableSizes(): RelayTableSizes {
    let idontwantHeld = 0
    let knownInventory = 0
    let queuedInventory = 0
    for (const p of this.peers.all()) {
      idontwantHeld += p.dontWant.size
      knownInventory += p.known?.size ?? 0
      queuedInventory += p.invQueue?.size ?? 0
    }
    return {
      ...this.gossip.sizes(),
      ...this.direct.sizes(),
      idontwantHeld,
      scoredPeers: this.ctx.score.size,
      announcedItems: this.announcer.tracked,
      knownInventory,
      queuedInventory,
    }
  }
}

import { createHash } from 'node:crypto'
import {
  AbortError,
  type Clock,
  type Deadline,
  deadline,
  type Logger,
  noopLogger,
  noopMetrics,
  type PeerId,
  systemClock,
  TimeoutError,
} from '@chainwire/interface'
import {
  CATALOG,
  CodecError,
  type DisconnectReason,
  encodeFrameParts,
  type HelloData,
  type Message,
  type MessageType,
  partsLength,
} from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import {
  type CloseInfo,
  Connection,
  type ConnectionCounter,
  type ConnectionHost,
} from './connection/connection'
import { DialError, HandshakeError, type HandshakeErrorCode, NetworkError, SendError } from './errors'
import { buildHello, checkHello } from './handshake/hello'
import type { Identity } from './identity/index'
import type {
  ConnectionGater,
  ConnectionKind,
  DialOptions,
  LimitCounters,
  LocalStatus,
  MessageHandler,
  MisbehaviourSink,
  Network,
  NetworkBehaviour,
  NetworkComponents,
  NetworkEvents,
  NetworkOptions,
  NetworkStatus,
  OutboundKind,
  PeerInfo,
  RejectReason,
  RequestOptions,
  SendOptions,
  UsefulKind,
} from './index'
import { BucketTable } from './limits/bucket-table'
import type { MessageClass } from './limits/message-class'
import { netGroupOf } from './limits/net-group'
import { DialBackoff } from './manager/backoff'
import { keepFirst } from './manager/duplicates'
import { type EvictionCandidate, selectEvictionCandidate } from './manager/eviction'
import { PersistentPeers } from './manager/persistent'
import { ConnectionSlots, type Slot } from './manager/slots'
import { createNetworkMetrics, type NetworkMetrics } from './metrics'
import {
  DH_LENGTH,
  NoiseError,
  type SecureChannelOptions,
  type SecureConnection,
  secureInbound,
  secureOutbound,
  type X25519KeyPair,
  x25519KeyPairFromPrivateKey,
} from './noise/index'
import type { TransportAead } from './noise/transport-aead'
import { MAX_PERSISTENT_PEERS, type ResolvedOptions, resolveOptions } from './options'
import { serveRequest } from './protocol/serve'
import { buildStatus, emptyLimitCounters } from './status'
import {
  canonicalAddress,
  createTcpTransport,
  createTransports,
  createWebSocketTransport,
  type Listener,
  type RawConnection,
  type Transports,
} from './transport/index'
import { linkSignals } from './util/signals'

/** Types the network answers or consumes itself; `handle` refuses them. */
const RESERVED_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  'hello',
  'ping',
  'pong',
  'disconnect',
  'error',
])

/** A listen address on a wildcard host, which no peer can dial. */
const WILDCARD = /^[a-z]+:\/\/(?:0\.0\.0\.0|\[::\])(?::|\/|$)/

/** Bytes charged per message held by a running handler, on top of its size. */
const HANDLER_OVERHEAD_BYTES = 256

/** What an outbound upgrade knows about its dial. */
interface DialContext {
  readonly address: string
  readonly kind: OutboundKind
  readonly peerId: PeerId | undefined
  /** The dial deadline, linked to the caller's signal and to `stop()`. */
  readonly deadline: Deadline
  readonly callerSignal: AbortSignal | undefined
}

/** A connection past Noise, waiting for the remote hello. */
interface PendingHandshake {
  readonly conn: Connection
  readonly slot: Slot
  readonly dial: DialContext | undefined
  readonly deadline: Deadline
  settled: boolean
  readonly resolve: (peer: PeerInfo) => void
  readonly reject: (err: Error) => void
  readonly onAbort: () => void
}

/** The implementation behind {@link Network}; see the README for the architecture. */
export class NetworkService extends EventEmitter<NetworkEvents> implements Network {
  readonly peerId: PeerId
  readonly networkId: string
  private readonly identity: Identity
  private readonly clock: Clock
  private readonly log: Logger
  private readonly metrics: NetworkMetrics
  private readonly gater: ConnectionGater | undefined
  private readonly sink: MisbehaviourSink | undefined
  private readonly transports: Transports
  private readonly random: () => number
  /** Seeded key material for simulations (see `NetworkComponents.entropy`); undefined in real use. */
  private readonly entropy: ((length: number) => Uint8Array) | undefined
  private readonly noiseStaticKey: X25519KeyPair | undefined
  /** The transport AEAD a simulator injected (see `NetworkComponents.transportAead`); undefined in real use. */
  private readonly transportAead: TransportAead | undefined
  private readonly options: ResolvedOptions
  private readonly slots: ConnectionSlots
  private readonly backoff: DialBackoff
  private readonly persistent: PersistentPeers
  private readonly ipBuckets: BucketTable
  private readonly limits: LimitCounters = emptyLimitCounters()
  private readonly handlers = new Map<MessageType, MessageHandler>()
  private readonly peersById = new Map<PeerId, Connection>()
  private readonly connections = new Map<number, Connection>()
  private readonly slotOf = new Map<number, Slot>()
  private readonly handshakes = new Map<number, PendingHandshake>()
  private readonly tasks = new Set<Promise<unknown>>()
  private readonly evictionKey: Buffer
  private readonly host: ConnectionHost
  private listening: Listener[] = []
  private bound: string[] = []
  private local: LocalStatus
  private started = false
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined
  private stopController = new AbortController()
  /**
   * One controller per dial and inbound handshake in flight, aborted by `stop()`. Each operation links to
   * its own controller rather than adding a listener to the shared stop signal, so concurrent handshakes
   * (up to `maxPendingInbound` plus the outbound dials) never pile listeners onto one signal. Bounded by
   * the connection slots: an entry exists only while its slot is reserved.
   */
  private readonly inflight = new Set<AbortController>()
  private nextConnectionId = 1

  constructor(components: NetworkComponents, options: NetworkOptions) {
    super()
    if (components?.identity === undefined) {
      throw new NetworkError('ERR_INVALID_OPTIONS', 'createNetwork needs components.identity')
    }
    this.options = resolveOptions(options)
    this.identity = components.identity
    this.peerId = components.identity.peerId
    this.networkId = this.options.networkId
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'network', peerId: this.peerId })
    this.metrics = createNetworkMetrics(components.metrics ?? noopMetrics)
    this.gater = components.gater
    this.sink = components.misbehaviour
    this.random = components.random ?? Math.random
    this.entropy = components.entropy
    this.transportAead = components.transportAead
    this.noiseStaticKey =
      this.entropy === undefined ? undefined : x25519KeyPairFromPrivateKey(this.entropy(DH_LENGTH))
    const transportLogger = components.logger ?? noopLogger
    this.transports = createTransports(
      components.transports ?? [
        createTcpTransport({ logger: transportLogger }),
        createWebSocketTransport({ logger: transportLogger }),
      ],
    )
    this.local = { ...this.options.localStatus }
    this.slots = new ConnectionSlots(this.options)
    this.backoff = new DialBackoff(this.clock, this.random, {
      baseMs: this.options.backoffBaseMs,
      maxMs: this.options.backoffMaxMs,
      jitter: this.options.backoffJitter,
      maxEntries: this.options.backoffMaxEntries,
    })
    this.ipBuckets = new BucketTable(
      this.clock,
      { rate: this.options.inboundRatePerIp, burst: this.options.inboundBurstPerIp },
      this.options.maxTrackedIps,
    )
    this.persistent = new PersistentPeers(
      this.clock,
      this.backoff,
      (address) => this.dial(address, { kind: 'manual', force: true }),
      (peerId) => this.peersById.has(peerId),
      this.log,
    )
    for (const address of this.options.persistentPeers) this.persistent.add(canonicalAddress(address))
    this.evictionKey = Buffer.from(Array.from({ length: 16 }, () => Math.floor(this.random() * 256)))
    this.host = this.createHost()
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    if (this.started) return
    if (this.starting !== undefined) return this.starting
    this.starting = (async () => {
      if (this.stopping !== undefined) await this.stopping
      this.stopController = new AbortController()
      const bound: Listener[] = []
      try {
        for (const address of this.options.listen) {
          bound.push(await this.transports.listen(address, (raw) => this.onInbound(raw)))
        }
      } catch (err) {
        await Promise.allSettled(bound.map((l) => l.close()))
        throw err
      }
      this.listening = bound
      this.bound = bound.flatMap((l) => [...l.addresses])
      this.started = true
      this.persistent.start()
      this.log.info({ listen: this.bound }, 'network started')
    })()
    try {
      await this.starting
    } finally {
      this.starting = undefined
    }
  }

  async stop(): Promise<void> {
    if (this.starting !== undefined) await this.starting.catch(() => {})
    if (this.stopping !== undefined) return this.stopping
    if (!this.started) return
    this.started = false
    this.stopping = (async () => {
      const reason = new AbortError('the network is stopping')
      this.stopController.abort(reason)
      for (const controller of [...this.inflight]) controller.abort(reason)
      this.inflight.clear()
      this.persistent.stop()
      const listeners = this.listening
      this.listening = []
      this.bound = []
      await Promise.allSettled(listeners.map((l) => l.close()))
      // Handshakes that were past Noise when the stop began create connections while we wait: loop until
      // no connection and no dial or handshake is left.
      for (let round = 0; round < 100 && (this.connections.size > 0 || this.tasks.size > 0); round++) {
        const closing = [...this.connections.values()].map((c) =>
          c.close('shutdown', 'local', 'shutting down'),
        )
        await Promise.allSettled([...closing, ...this.tasks])
      }
      this.ipBuckets.clear()
      this.updateGauges()
      this.log.info('network stopped')
    })()
    try {
      await this.stopping
    } finally {
      this.stopping = undefined
    }
  }

  isStarted(): boolean {
    return this.started
  }

  listenAddresses(): string[] {
    return [...this.bound]
  }

  // ------------------------------------------------------------------------------------------------ dialing

  async dial(address: string, options: DialOptions = {}): Promise<PeerInfo> {
    this.assertStarted()
    const target = canonicalAddress(address)
    if (!this.transports.canHandle(target)) {
      throw new DialError('ERR_NO_TRANSPORT', `no transport handles ${target}`, { address: target })
    }
    if (this.gater !== undefined && !this.gater.allowDial(target)) {
      this.hit('gaterDenied')
      throw new DialError('ERR_DIAL_DENIED', `the gater refused ${target}`, { address: target })
    }
    if (options.peerId !== undefined) {
      if (options.peerId === this.peerId) {
        throw new HandshakeError('ERR_SELF_CONNECTION', 'refusing to dial our own peer id', {
          address: target,
        })
      }
      const existing = this.peersById.get(options.peerId)
      if (existing !== undefined) return this.infoOf(existing)
    }
    if (options.force !== true) {
      const retryAt = this.backoff.retryAt(target)
      if (retryAt !== undefined) {
        this.hit('dialBackoff')
        throw new DialError('ERR_DIAL_BACKOFF', `${target} failed recently; retry after ${retryAt}`, {
          address: target,
          retryAt,
        })
      }
    }
    const kind = options.kind ?? 'manual'
    const slot = this.slots.reserveOutbound(kind)
    if (slot === undefined) {
      this.hit('outboundFull')
      throw new DialError('ERR_CONNECTION_LIMIT', `no free ${kind} slot`, { kind })
    }
    this.updateGauges()
    const stopper = this.trackInflight()
    const linked = linkSignals(options.signal, stopper.signal)
    const timer = deadline(this.clock, this.options.dialTimeoutMs, linked.signal, `dial ${target}`)
    const dial: DialContext = {
      address: target,
      kind,
      peerId: options.peerId,
      deadline: timer,
      callerSignal: options.signal,
    }
    const task = this.connect(target, slot, dial)
    this.track(task)
    try {
      const peer = await task
      this.backoff.success(target)
      return peer
    } catch (err) {
      if (countsAsDialFailure(err)) this.backoff.failure(target)
      throw err
    } finally {
      timer.clear()
      linked.clear()
      this.inflight.delete(stopper)
    }
  }

  /** A controller that `stop()` aborts, registered until the caller deletes it from `inflight`. */
  private trackInflight(): AbortController {
    const controller = new AbortController()
    if (this.stopController.signal.aborted) controller.abort(this.stopController.signal.reason)
    else this.inflight.add(controller)
    return controller
  }

  private async connect(address: string, slot: Slot, dial: DialContext): Promise<PeerInfo> {
    let raw: RawConnection
    try {
      raw = await this.transports.dial(address, { signal: dial.deadline.signal })
    } catch (err) {
      this.slots.release(slot)
      this.updateGauges()
      throw this.dialAbortError(dial) ?? err
    }
    return this.upgrade(raw, slot, dial)
  }

  /** The error a dial fails with when its signal aborted (caller, stop or deadline), else undefined. */
  private dialAbortError(dial: DialContext): Error | undefined {
    const signal = dial.deadline.signal
    if (!signal.aborted) return undefined
    if (dial.callerSignal?.aborted === true) {
      return new AbortError('the dial was aborted', { cause: dial.callerSignal.reason })
    }
    if (TimeoutError.isInstance(signal.reason)) {
      return new DialError('ERR_DIAL_TIMEOUT', `dial to ${dial.address} timed out`, {
        address: dial.address,
        timeoutMs: this.options.dialTimeoutMs,
      })
    }
    return new AbortError('the network is stopping', { cause: signal.reason })
  }

  // ------------------------------------------------------------------------------------------------ inbound

  private onInbound(raw: RawConnection): void {
    if (!this.started) {
      raw.close()
      return
    }
    const ip = raw.remoteHost
    const group = netGroupOf(ip)
    let reason: RejectReason | undefined
    if (this.gater !== undefined && !this.gater.allowInbound(ip)) reason = 'gater'
    else if (!this.ipBuckets.take(ip)) reason = 'inbound_rate'
    else reason = this.slots.checkInbound(ip, group)
    if (reason !== undefined) {
      this.rejected('inbound', raw.remoteAddress, undefined, reason)
      raw.close()
      return
    }
    const slot = this.slots.reserveInbound(ip, group)
    this.updateGauges()
    this.track(this.upgrade(raw, slot, undefined).catch(() => {}))
  }

  // ---------------------------------------------------------------------------------------------- handshake

  /** Runs Noise then the hello exchange under one deadline; resolves once the peer is admitted. */
  private async upgrade(raw: RawConnection, slot: Slot, dial: DialContext | undefined): Promise<PeerInfo> {
    // An outbound handshake runs under its dial's deadline (which stop() aborts); an inbound one gets its own
    // controller in `inflight`.
    const stopper = dial === undefined ? this.trackInflight() : undefined
    const parent = dial?.deadline.signal ?? (stopper as AbortController).signal
    const timer = deadline(this.clock, this.options.handshakeTimeoutMs, parent, 'handshake')
    let conn: Connection | undefined
    try {
      let secure: SecureConnection
      try {
        const secureOptions: SecureChannelOptions = {
          identity: this.identity,
          networkId: this.networkId,
          clock: this.clock,
          handshakeTimeoutMs: this.options.handshakeTimeoutMs,
          signal: timer.signal,
          expectedPeerId: dial?.peerId,
          logger: this.log,
          ...(this.entropy === undefined
            ? {}
            : {
                staticKey: this.noiseStaticKey,
                ephemeralKey: x25519KeyPairFromPrivateKey(this.entropy(DH_LENGTH)),
              }),
          ...(this.transportAead === undefined ? {} : { transportAead: this.transportAead }),
        }
        secure = await (raw.direction === 'outbound'
          ? secureOutbound(raw, secureOptions)
          : secureInbound(raw, secureOptions))
      } catch (err) {
        throw this.noiseFailed(raw, err, timer, dial)
      }
      conn = new Connection(
        this.host,
        { id: this.nextConnectionId++, raw, secure, kind: slot.kind, dialedAddress: dial?.address },
        this.log,
      )
      this.connections.set(conn.id, conn)
      this.slotOf.set(conn.id, slot)
      const c = conn
      void conn.closed.then(() => this.connections.delete(c.id))
      return await this.exchangeHello(conn, slot, timer, dial)
    } finally {
      timer.clear()
      if (stopper !== undefined) this.inflight.delete(stopper)
      if (conn === undefined) {
        this.slots.release(slot)
        this.updateGauges()
      }
    }
  }

  /** Maps a failed Noise handshake to the error to throw, counting and announcing it. */
  private noiseFailed(
    raw: RawConnection,
    err: unknown,
    timer: Deadline,
    dial: DialContext | undefined,
  ): Error {
    raw.close()
    let error = err instanceof Error ? err : new Error(String(err))
    let reason: RejectReason = 'handshake_failed'
    const aborted = dial !== undefined ? this.dialAbortError(dial) : undefined
    if (aborted !== undefined) {
      error = aborted
      reason = DialError.isInstance(aborted) ? 'handshake_timeout' : 'aborted'
    } else if (
      (timer.signal.aborted && TimeoutError.isInstance(timer.signal.reason)) ||
      (NoiseError.isInstance(err) && err.code === 'ERR_HANDSHAKE_TIMEOUT')
    ) {
      error = new HandshakeError(
        'ERR_HANDSHAKE_TIMEOUT',
        `handshake did not finish within ${this.options.handshakeTimeoutMs} ms`,
        { remoteAddress: raw.remoteAddress, timeoutMs: this.options.handshakeTimeoutMs },
        { cause: err },
      )
      reason = 'handshake_timeout'
    } else if (!this.started) {
      error = new AbortError('the network is stopping', { cause: err })
      reason = 'shutdown'
    } else if (
      raw.direction === 'outbound' &&
      NoiseError.isInstance(err) &&
      err.code === 'ERR_NOISE_DECRYPT'
    ) {
      // The prologue binds the network id: a responder of another network is the usual reason message 2
      // does not decrypt (the other is tampering on the path). The Noise error stays as the cause.
      error = new HandshakeError(
        'ERR_NETWORK_MISMATCH',
        `${raw.remoteAddress} is not on network ${this.networkId} (the Noise handshake did not decrypt)`,
        { remoteAddress: raw.remoteAddress, networkId: this.networkId },
        { cause: err },
      )
      reason = 'network_mismatch'
    }
    this.rejected(raw.direction, raw.remoteAddress, undefined, reason, error)
    return error
  }

  private exchangeHello(
    conn: Connection,
    slot: Slot,
    timer: Deadline,
    dial: DialContext | undefined,
  ): Promise<PeerInfo> {
    return new Promise<PeerInfo>((resolve, reject) => {
      const pending: PendingHandshake = {
        conn,
        slot,
        dial,
        deadline: timer,
        settled: false,
        resolve,
        reject,
        onAbort: () => this.handshakeAborted(pending),
      }
      this.handshakes.set(conn.id, pending)
      if (timer.signal.aborted) {
        pending.onAbort()
        return
      }
      timer.signal.addEventListener('abort', pending.onAbort, { once: true })
      if (conn.peerId === this.peerId) {
        this.failHandshake(
          pending,
          'self_connection',
          'ERR_SELF_CONNECTION',
          'connected to ourselves',
          undefined,
        )
        return
      }
      if (this.gater !== undefined && !this.gater.allowPeer(conn.peerId)) {
        this.failHandshake(pending, 'banned', 'ERR_PEER_DENIED', 'the gater refused the peer', undefined)
        return
      }
      // Inbound capacity is settled once the peer is authenticated and before our hello: a full node
      // refuses with `too_many_peers` as the first message, or evicts someone for the newcomer.
      if (!this.makeInboundRoom(pending)) return
      const hello = buildHello(
        this.options,
        this.local,
        this.announced(),
        conn.remoteAddress,
        this.clock.now(),
      )
      conn.sendControl({ type: 'hello', data: hello })
    })
  }

  private handshakeAborted(pending: PendingHandshake): void {
    if (pending.settled) return
    const aborted = pending.dial !== undefined ? this.dialAbortError(pending.dial) : undefined
    if (aborted !== undefined || !this.started) {
      this.settle(pending)
      const error = aborted ?? new AbortError('the network is stopping')
      this.rejected(pending.conn.direction, pending.conn.remoteAddress, pending.conn.peerId, 'aborted', error)
      void pending.conn.close(this.started ? 'timeout' : 'shutdown', 'local')
      pending.reject(error)
      return
    }
    this.failHandshake(
      pending,
      'timeout',
      'ERR_HANDSHAKE_TIMEOUT',
      `no hello within ${this.options.handshakeTimeoutMs} ms`,
      undefined,
    )
  }

  /** The connection's first message (hello, or a disconnect, or something that failed to decode). */
  private handshakeMessage(conn: Connection, message: Message | CodecError): void {
    const pending = this.handshakes.get(conn.id)
    if (pending === undefined || pending.settled) return
    if (CodecError.isInstance(message)) {
      this.failHandshake(
        pending,
        'bad_handshake',
        'ERR_HANDSHAKE_FAILED',
        `malformed hello (${message.code})`,
        'handshake-failure',
      )
      return
    }
    if (message.type === 'disconnect') {
      this.settle(pending)
      const { reason, message: text } = message.data
      const error = new HandshakeError(
        'ERR_REMOTE_DISCONNECT',
        `the peer disconnected during the handshake: ${reason}`,
        { reason, message: text, peerId: conn.peerId },
      )
      this.rejected(conn.direction, conn.remoteAddress, conn.peerId, 'remote_disconnect', error)
      void conn.close(reason, 'remote', text)
      pending.reject(error)
      return
    }
    if (message.type !== 'hello') {
      this.failHandshake(
        pending,
        'bad_handshake',
        'ERR_HANDSHAKE_FAILED',
        `the first message is ${message.type}, not hello`,
        'handshake-failure',
      )
      return
    }
    const rejection = checkHello(message.data, this.options, this.clock.now())
    if (rejection !== undefined) {
      this.failHandshake(pending, rejection.reason, rejection.code, rejection.detail, rejection.behaviour)
      return
    }
    this.admit(pending, message.data)
  }

  private failHandshake(
    pending: PendingHandshake,
    reason: DisconnectReason,
    code: HandshakeErrorCode,
    detail: string,
    behaviour: NetworkBehaviour | undefined,
  ): void {
    if (pending.settled) return
    this.settle(pending)
    const conn = pending.conn
    if (behaviour !== undefined) this.report(conn.peerId, behaviour, detail)
    const error = new HandshakeError(code, detail, {
      reason,
      peerId: conn.peerId,
      remoteAddress: conn.remoteAddress,
    })
    this.rejected(conn.direction, conn.remoteAddress, conn.peerId, rejectReasonOf(reason), error)
    void conn.close(reason, 'local', detail)
    pending.reject(error)
  }

  private settle(pending: PendingHandshake): void {
    pending.settled = true
    this.handshakes.delete(pending.conn.id)
    pending.deadline.signal.removeEventListener('abort', pending.onAbort)
  }

  /** Admits a connection whose hello checked out: duplicates, inbound capacity and eviction, then open. */
  private admit(pending: PendingHandshake, hello: HelloData): void {
    const conn = pending.conn
    const existing = this.peersById.get(conn.peerId)
    if (existing !== undefined) {
      if (!keepFirst(this.peerId, conn.peerId, conn, existing)) {
        this.settle(pending)
        this.rejected(conn.direction, conn.remoteAddress, conn.peerId, 'duplicate')
        void conn.close('duplicate', 'local', 'already connected')
        pending.resolve(this.infoOf(existing))
        return
      }
      void existing.close('duplicate', 'local', 'replaced by a simultaneous connection')
    }
    // Checked again: another newcomer may have taken the room made for this one.
    if (!this.makeInboundRoom(pending)) return
    this.settle(pending)
    this.slots.markOpen(pending.slot)
    conn.open(pending.slot.kind, hello)
    this.peersById.set(conn.peerId, conn)
    this.updateGauges()
    const peer = this.infoOf(conn)
    this.log.debug({ peer: conn.peerId, direction: conn.direction, kind: conn.kind }, 'peer connected')
    this.safeEmit('peer:connected', { peer })
    pending.resolve(peer)
    if (conn.kind === 'feeler') void conn.close('requested', 'local', 'feeler connection')
  }

  /**
   * Makes sure an inbound connection fits: when the inbound slots are full, evicts the peer chosen by
   * {@link selectEvictionCandidate}, or refuses the newcomer with `too_many_peers` when every peer is
   * protected. A connection from an already connected peer needs no room (it is a duplicate). Returns false
   * when the handshake was failed.
   */
  private makeInboundRoom(pending: PendingHandshake): boolean {
    const conn = pending.conn
    if (conn.direction !== 'inbound' || this.peersById.has(conn.peerId) || !this.slots.inboundFull())
      return true
    const victim = this.selectEviction()
    if (victim === undefined) {
      this.failHandshake(pending, 'too_many_peers', 'ERR_HANDSHAKE_FAILED', 'no free inbound slot', undefined)
      return false
    }
    this.hit('evictions')
    void victim.close('evicted', 'local', 'evicted for a new inbound peer')
    return true
  }

  private selectEviction(): Connection | undefined {
    const candidates: EvictionCandidate[] = []
    const byId = new Map<number, Connection>()
    for (const c of this.peersById.values()) {
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
        preferEvict: this.gater?.isDiscouraged?.(c.remoteHost) ?? false,
      })
    }
    const id = selectEvictionCandidate(candidates, this.options.evictionProtection)
    return id === undefined ? undefined : byId.get(id)
  }

  private keyedNetGroup(group: string): number {
    return createHash('sha256').update(this.evictionKey).update(group).digest().readUInt32BE(0)
  }

  // ------------------------------------------------------------------------------------------------- peers

  async disconnect(peerId: PeerId, reason: DisconnectReason = 'requested', message?: string): Promise<void> {
    const conn = this.peersById.get(peerId)
    if (conn === undefined) return
    await conn.close(reason, 'local', message)
  }

  peers(): PeerInfo[] {
    return [...this.peersById.values()]
      .sort((a, b) => a.connectedAt - b.connectedAt || a.id - b.id)
      .map((c) => this.infoOf(c))
  }

  getPeer(peerId: PeerId): PeerInfo | undefined {
    const conn = this.peersById.get(peerId)
    return conn === undefined ? undefined : this.infoOf(conn)
  }

  markUseful(peerId: PeerId, kind: UsefulKind): void {
    const conn = this.peersById.get(peerId)
    if (conn === undefined) return
    if (kind === 'block') conn.lastBlockAt = this.clock.now()
    else conn.lastTxAt = this.clock.now()
  }

  updateLocalStatus(status: Partial<LocalStatus>): void {
    this.local = {
      bestHeight: status.bestHeight ?? this.local.bestHeight,
      bestHash: status.bestHash ?? this.local.bestHash,
      totalWork: status.totalWork ?? this.local.totalWork,
    }
  }

  addPersistentPeer(address: string): void {
    const target = canonicalAddress(address)
    if (!this.persistent.has(target) && this.persistent.size >= MAX_PERSISTENT_PEERS) {
      throw new NetworkError('ERR_INVALID_OPTIONS', `at most ${MAX_PERSISTENT_PEERS} persistent peers`, {
        address: target,
      })
    }
    this.persistent.add(target)
  }

  removePersistentPeer(address: string): void {
    this.persistent.remove(canonicalAddress(address))
  }

  // --------------------------------------------------------------------------------------------- messaging

  async send(peerId: PeerId, message: Message, options: SendOptions = {}): Promise<void> {
    const conn = this.openConnection(peerId)
    const { frame, size } = this.encode(message)
    const cls = this.classOf(message.type)
    if (conn.trySend(frame, message.type, cls, size)) return
    const timeoutMs = options.timeoutMs ?? this.options.sendTimeoutMs
    // The queue is full: the caller waits for room, under a deadline armed only now (the fast path above
    // allocates no signal and no timer) and cleared however the wait ends. A caller signal that is already
    // aborted is refused by the queue at once, so it needs no deadline either.
    const timer =
      options.signal?.aborted === true ? undefined : deadline(this.clock, timeoutMs, options.signal, 'send')
    try {
      await conn.send(frame, message.type, cls, timer?.signal ?? options.signal, size)
    } catch (err) {
      if (TimeoutError.isInstance(err) && options.signal?.aborted !== true) {
        this.hit('sendQueueFull')
        throw new SendError('ERR_QUEUE_FULL', `the send queue of ${peerId} stayed full for ${timeoutMs} ms`, {
          peerId,
          timeoutMs,
        })
      }
      if (SendError.isInstance(err)) this.hit('sendQueueFull')
      throw err
    } finally {
      timer?.clear()
    }
  }

  trySend(peerId: PeerId, message: Message): boolean {
    const conn = this.peersById.get(peerId)
    if (conn === undefined || conn.state !== 'open') return false
    const { frame, size } = this.encode(message)
    const ok = conn.trySend(frame, message.type, this.classOf(message.type), size)
    if (!ok) this.hit('sendQueueFull')
    return ok
  }

  canSend(peerId: PeerId, size = 0, cls: MessageClass = 'bulk'): boolean {
    const conn = this.peersById.get(peerId)
    return conn !== undefined && conn.state === 'open' && conn.canSend(size, cls)
  }

  broadcast(message: Message, filter?: (peer: PeerInfo) => boolean): number {
    const { frame, size } = this.encode(message)
    const cls = this.classOf(message.type)
    let sent = 0
    for (const conn of this.peersById.values()) {
      if (conn.state !== 'open') continue
      if (cls === 'transactions' && conn.kind === 'block-relay') continue
      if (filter !== undefined && !filter(this.infoOf(conn))) continue
      if (conn.trySend(frame, message.type, cls, size)) sent++
      else this.hit('sendQueueFull')
    }
    return sent
  }

  async request(peerId: PeerId, message: Message, options: RequestOptions = {}): Promise<Message> {
    const entry = CATALOG[message.type]
    if (entry?.kind !== 'request' || entry.response === undefined) {
      throw new NetworkError('ERR_INVALID_MESSAGE', `${String(message.type)} is not a request type`, {
        type: String(message.type),
      })
    }
    const conn = this.openConnection(peerId)
    return conn.request(
      message,
      entry.response,
      options.timeoutMs ?? this.options.requestTimeoutMs,
      options.signal,
    )
  }

  async ping(peerId: PeerId, options: RequestOptions = {}): Promise<number> {
    const conn = this.openConnection(peerId)
    const nonce = Math.floor(this.random() * 0x1_0000_0000)
    const sentAt = this.clock.now()
    await conn.request(
      { type: 'ping', data: { nonce } },
      'pong',
      options.timeoutMs ?? this.options.requestTimeoutMs,
      options.signal,
    )
    const rtt = this.clock.now() - sentAt
    conn.recordRoundTrip(rtt)
    this.metrics.pingRtt.observe(rtt)
    return rtt
  }

  handle<T extends MessageType>(type: T, handler: MessageHandler<T>): () => void {
    const entry = CATALOG[type]
    if (entry === undefined || RESERVED_TYPES.has(type) || entry.kind === 'response') {
      throw new NetworkError('ERR_INVALID_MESSAGE', `${String(type)} cannot have a handler`, {
        type: String(type),
      })
    }
    if (this.handlers.has(type)) {
      throw new NetworkError('ERR_HANDLER_EXISTS', `${type} already has a handler`, { type })
    }
    const h = handler as unknown as MessageHandler
    this.handlers.set(type, h)
    return () => {
      if (this.handlers.get(type) === h) this.handlers.delete(type)
    }
  }

  getNetworkStatus(): NetworkStatus {
    const counts = this.openCounts()
    return buildStatus({
      peerId: this.peerId,
      networkId: this.networkId,
      started: this.started,
      listenAddresses: this.listenAddresses(),
      connections: this.peers().map((p) => [p, this.peersById.get(p.peerId) as Connection] as const),
      counts,
      pendingHandshakes: this.slots.pending,
      limits: this.limits,
    })
  }

  // ----------------------------------------------------------------------------------------------- helpers

  /** The callbacks connections use; kept off the public object. */
  private createHost(): ConnectionHost {
    return {
      clock: this.clock,
      options: this.options,
      random: this.random,
      classOf: (type) => this.classOf(type),
      handshakeMessage: (conn, message) => this.handshakeMessage(conn, message),
      message: (conn, message, size) => this.dispatch(conn, message, size),
      count: (counter, cls) => this.countConnectionEvent(counter, cls),
      report: (conn, behaviour, detail) => this.report(conn.peerId, behaviour, detail),
      closing: (conn) => this.closing(conn),
      traffic: (direction, type, bytes) => {
        this.metrics.messages.inc(1, { direction, type: type ?? 'invalid' })
        this.metrics.bytes.inc(bytes, { direction })
      },
    }
  }

  private dispatch(conn: Connection, message: Message, size: number): void {
    this.safeEmit(
      `message:${message.type}` as 'message:hello',
      {
        peerId: conn.peerId,
        message,
        size,
      } as never,
    )
    if (CATALOG[message.type].kind === 'request') {
      serveRequest(conn, message, size, this.handlers.get(message.type), {
        peer: () => this.infoOf(conn),
        refused: () => this.hit('requestsRefused'),
        log: this.log,
        sendTimeoutMs: this.options.sendTimeoutMs,
        clock: this.clock,
        overheadBytes: HANDLER_OVERHEAD_BYTES,
        maxServing: this.options.maxInboundRequests,
      })
      return
    }
    const handler = this.handlers.get(message.type)
    if (handler === undefined) return
    let result: ReturnType<MessageHandler>
    try {
      result = handler(message, this.infoOf(conn))
    } catch (err) {
      this.log.warn({ err, type: message.type }, 'message handler threw')
      return
    }
    if (result instanceof Promise) {
      const held = size + HANDLER_OVERHEAD_BYTES
      conn.hold(held)
      result.then(
        () => conn.release(held),
        (err: unknown) => {
          conn.release(held)
          this.log.warn({ err, type: message.type }, 'message handler failed')
        },
      )
    }
  }

  private closing(conn: Connection): void {
    const info = conn.closeInfo as CloseInfo
    const pending = this.handshakes.get(conn.id)
    if (pending !== undefined && !pending.settled) {
      this.settle(pending)
      const error = new HandshakeError(
        'ERR_CONNECTION_CLOSED',
        'the connection closed during the handshake',
        {
          peerId: conn.peerId,
          remoteAddress: conn.remoteAddress,
        },
        { cause: info.error },
      )
      this.rejected(conn.direction, conn.remoteAddress, conn.peerId, 'handshake_failed', error)
      pending.reject(error)
    }
    const slot = this.slotOf.get(conn.id)
    if (slot !== undefined) {
      this.slots.release(slot)
      this.slotOf.delete(conn.id)
    }
    if (this.peersById.get(conn.peerId) === conn) {
      this.peersById.delete(conn.peerId)
      this.metrics.disconnects.inc(1, { reason: info.reason, initiator: info.initiator })
      this.log.debug(
        { peer: conn.peerId, reason: info.reason, initiator: info.initiator },
        'peer disconnected',
      )
      this.safeEmit('peer:disconnected', {
        peer: this.infoOf(conn),
        reason: info.reason,
        initiator: info.initiator,
        ...(info.message === undefined ? {} : { message: info.message }),
      })
      this.persistent.disconnected(conn.peerId)
    }
    this.updateGauges()
  }

  private report(peerId: PeerId, behaviour: NetworkBehaviour, detail: string): void {
    this.metrics.misbehaviour.inc(1, { behaviour })
    try {
      this.sink?.report(peerId, behaviour, { detail })
    } catch (err) {
      this.log.warn({ err }, 'misbehaviour sink threw')
    }
    this.safeEmit('peer:misbehaved', { peerId, behaviour, detail })
  }

  private rejected(
    direction: 'inbound' | 'outbound',
    remoteAddress: string,
    peerId: PeerId | undefined,
    reason: RejectReason,
    error?: Error,
  ): void {
    const counter = LIMIT_OF_REJECT[reason]
    if (counter !== undefined) this.hit(counter)
    this.metrics.rejected.inc(1, { reason })
    this.log.debug({ direction, remoteAddress, peerId, reason, err: error }, 'connection rejected')
    this.safeEmit('connection:rejected', {
      direction,
      remoteAddress,
      peerId,
      reason,
      ...(error === undefined ? {} : { error }),
    })
  }

  private countConnectionEvent(counter: ConnectionCounter, cls: MessageClass | undefined): void {
    this.hit(counter)
    if (counter === 'messagesRateLimited' && cls !== undefined)
      this.metrics.rateLimited.inc(1, { class: cls })
  }

  private hit(limit: keyof LimitCounters): void {
    this.limits[limit]++
    this.metrics.limits.inc(1, { limit })
  }

  private updateGauges(): void {
    const counts = this.openCounts()
    for (const [kind, n] of Object.entries(counts)) this.metrics.peers.set(n, { kind })
    this.metrics.pendingHandshakes.set(this.slots.pending)
  }

  /** Open connections (past the handshake) per kind. */
  private openCounts(): Record<ConnectionKind, number> {
    const counts: Record<ConnectionKind, number> = {
      inbound: 0,
      'full-relay': 0,
      'block-relay': 0,
      feeler: 0,
      manual: 0,
    }
    for (const c of this.peersById.values()) counts[c.kind]++
    return counts
  }

  /** Emits an event; a throwing listener is logged, never allowed to break the connection path. */
  private safeEmit<E extends keyof NetworkEvents>(event: E, ...args: Parameters<NetworkEvents[E]>): void {
    try {
      ;(this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args)
    } catch (err) {
      this.log.warn({ err, event }, 'event listener threw')
    }
  }

  private track(task: Promise<unknown>): void {
    const t = task.then(
      () => {},
      () => {},
    )
    this.tasks.add(t)
    void t.then(() => this.tasks.delete(t))
  }

  private classOf(type: MessageType): MessageClass {
    return this.options.messageClasses[type] ?? 'bulk'
  }

  /**
   * Encodes a message for sending: large byte fields are referenced, not copied (see `encodeFrameParts`), so
   * they must not change until written out.
   */
  private encode(message: Message): { frame: Uint8Array[]; size: number } {
    const frame = encodeFrameParts(message)
    const size = partsLength(frame)
    if (size - 4 > this.options.maxMessageSize) {
      throw new NetworkError('ERR_INVALID_MESSAGE', `${message.type} is over maxMessageSize`, {
        type: message.type,
        size: size - 4,
        maxMessageSize: this.options.maxMessageSize,
      })
    }
    return { frame, size }
  }

  private openConnection(peerId: PeerId): Connection {
    const conn = this.peersById.get(peerId)
    if (conn === undefined || conn.state !== 'open') {
      throw new NetworkError('ERR_NOT_CONNECTED', `not connected to ${peerId}`, { peerId })
    }
    return conn
  }

  private assertStarted(): void {
    if (!this.started) throw new NetworkError('ERR_NOT_STARTED', 'the network is not started')
  }

  /** The addresses we announce in hello: the `announce` option, or the bound ones that are not wildcards. */
  private announced(): readonly string[] {
    return this.options.announce ?? this.bound.filter((a) => !WILDCARD.test(a))
  }

  private infoOf(conn: Connection): PeerInfo {
    return {
      peerId: conn.peerId,
      direction: conn.direction,
      kind: conn.kind,
      remoteAddress: conn.remoteAddress,
      remoteHost: conn.remoteHost,
      dialedAddress: conn.dialedAddress,
      connectedAt: conn.connectedAt,
      hello: conn.hello as HelloData,
      latencyMs: conn.latencyMs,
      minLatencyMs: conn.minLatencyMs,
    }
  }
}

/** Which limit counter a rejection increments. */
const LIMIT_OF_REJECT: Partial<Record<RejectReason, keyof LimitCounters>> = {
  inbound_rate: 'inboundRateLimited',
  per_ip: 'inboundPerIp',
  per_net_group: 'inboundPerNetGroup',
  pending_full: 'inboundPending',
  inbound_full: 'inboundFull',
  gater: 'gaterDenied',
  handshake_timeout: 'handshakeTimeouts',
  handshake_failed: 'handshakeFailures',
  network_mismatch: 'handshakeFailures',
  incompatible_version: 'handshakeFailures',
  self_connection: 'handshakeFailures',
  clock_skew: 'handshakeFailures',
}

/** The rejection reason recorded for a handshake ended with disconnect reason `reason`. */
function rejectReasonOf(reason: DisconnectReason): RejectReason {
  switch (reason) {
    case 'network_mismatch':
    case 'incompatible_version':
    case 'self_connection':
    case 'clock_skew':
      return reason
    case 'banned':
      return 'gater'
    case 'too_many_peers':
      return 'inbound_full'
    case 'timeout':
      return 'handshake_timeout'
    case 'shutdown':
      return 'shutdown'
    default:
      return 'handshake_failed'
  }
}

/** Whether a failed dial should back its address off (not for cancellations, limits or the gater). */
function countsAsDialFailure(err: unknown): boolean {
  if (AbortError.isInstance(err)) return false
  if (DialError.isInstance(err)) return err.code === 'ERR_DIAL_TIMEOUT'
  if (HandshakeError.isInstance(err)) return err.code !== 'ERR_PEER_DENIED'
  return true
}

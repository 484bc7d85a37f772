import { AbortError, type PeerId } from '@chainwire/interface'
import type { DisconnectReason, Message, MessageType } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import type { Connection, ConnectionEvents } from './connection/connection'
import { DatagramService } from './datagram/service'
import { DialError, NetworkError } from './errors'
import type { MessageClass } from './limits/message-class'
import { PersistentPeers } from './manager/persistent'
import { MAX_PERSISTENT_PEERS, resolveOptions } from './options'
import { InboundAdmission } from './service/admission'
import { Dialer } from './service/dialer'
import { MessageDispatch } from './service/dispatch'
import { HandshakePath } from './service/handshake'
import { Messaging } from './service/messaging'
import { type EmitEvent, NetworkState } from './service/state'
import { buildStatus } from './status'
import { canonicalAddress, type Listener, type RawConnection } from './transport/index'
import type {
  DatagramHandler,
  DatagramRequestOptions,
  DatagramResponse,
  DialOptions,
  LocalStatus,
  MessageHandler,
  Network,
  NetworkComponents,
  NetworkEvents,
  NetworkOptions,
  NetworkStatus,
  PeerInfo,
  RequestOptions,
  SendOptions,
  UsefulKind,
} from './types'

/**
 * The implementation behind {@link Network}: a facade that owns the node's {@link NetworkState} and the parts
 * acting on it, each in its own file under `service/`: the {@link Dialer}, the {@link HandshakePath} (Noise,
 * hello, admission as a peer), {@link InboundAdmission} (caps, rates and eviction), {@link MessageDispatch}
 * and {@link Messaging}; persistent peers and the status live in `manager/persistent.ts` and `status.ts`.
 * Here are the life cycle and the delegation.
 */
export class NetworkService extends EventEmitter<NetworkEvents> implements Network {
  readonly peerId: PeerId
  readonly networkId: string
  private readonly state: NetworkState
  private readonly admission: InboundAdmission
  private readonly handshake: HandshakePath
  private readonly dialer: Dialer
  private readonly dispatch: MessageDispatch
  private readonly messaging: Messaging
  private readonly persistent: PersistentPeers
  private readonly datagrams: DatagramService
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined

  constructor(components: NetworkComponents, options: NetworkOptions) {
    super()
    if (components?.identity === undefined) {
      throw new NetworkError('ERR_INVALID_OPTIONS', 'createNetwork needs components.identity')
    }
    const s = new NetworkState(components, resolveOptions(options), this.emit.bind(this) as EmitEvent)
    this.state = s
    this.peerId = s.peerId
    this.networkId = s.networkId
    this.persistent = new PersistentPeers(
      s.clock,
      s.backoff,
      (address) => this.dial(address, { kind: 'manual', force: true }),
      (peerId) => s.peersById.has(peerId),
      s.log,
    )
    for (const address of s.options.persistentPeers) this.persistent.add(canonicalAddress(address))
    this.admission = new InboundAdmission(s)
    this.dispatch = new MessageDispatch(s)
    this.messaging = new Messaging(s)
    this.handshake = new HandshakePath(s, this.admission, this.connectionEvents())
    this.dialer = new Dialer(s, this.handshake)
    this.datagrams = new DatagramService(s)
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    const s = this.state
    if (s.started) return
    if (this.starting !== undefined) return this.starting
    this.starting = (async () => {
      if (this.stopping !== undefined) await this.stopping
      s.stopController = new AbortController()
      const bound: Listener[] = []
      try {
        for (const address of s.options.listen) {
          bound.push(await s.transports.listen(address, this.onInbound))
        }
      } catch (err) {
        await Promise.allSettled(bound.map((l) => l.close()))
        throw err
      }
      s.listening = bound
      s.bound = bound.flatMap((l) => [...l.addresses])
      await this.datagrams.start(s.bound)
      s.started = true
      this.persistent.start()
      s.log.info({ listen: s.bound }, 'network started')
    })()
    try {
      await this.starting
    } finally {
      this.starting = undefined
    }
  }

  async stop(): Promise<void> {
    const s = this.state
    if (this.starting !== undefined) await this.starting.catch(() => {})
    if (this.stopping !== undefined) return this.stopping
    if (!s.started) return
    s.started = false
    this.stopping = (async () => {
      const reason = new AbortError('the network is stopping')
      s.stopController.abort(reason)
      for (const controller of [...s.inflight]) controller.abort(reason)
      s.inflight.clear()
      this.persistent.stop()
      await this.datagrams.stop()
      const listeners = s.listening
      s.listening = []
      s.bound = []
      await Promise.allSettled(listeners.map((l) => l.close()))
      // Handshakes that were past Noise when the stop began create connections while we wait: loop until
      // no connection and no dial or handshake is left.
      for (let round = 0; round < 100 && (s.connections.size > 0 || s.tasks.size > 0); round++) {
        const closing = [...s.connections.values()].map((c) => c.close('shutdown', 'local', 'shutting down'))
        await Promise.allSettled([...closing, ...s.tasks])
      }
      this.admission.clear()
      s.updateGauges()
      s.log.info('network stopped')
    })()
    try {
      await this.stopping
    } finally {
      this.stopping = undefined
    }
  }

  isStarted(): boolean {
    return this.state.started
  }

  listenAddresses(): string[] {
    return [...this.state.bound]
  }

  // ------------------------------------------------------------------------------------------------ peers

  dial(address: string, options: DialOptions = {}): Promise<PeerInfo> {
    return this.dialer.dial(address, options)
  }

  addConnection(raw: RawConnection, options: DialOptions = {}): Promise<PeerInfo> {
    try {
      this.state.assertStarted()
    } catch (err) {
      raw.close()
      return Promise.reject(err)
    }
    if (raw.direction === 'outbound') return this.dialer.upgradeOutbound(raw, options)
    const slot = this.admission.accept(raw)
    if (typeof slot === 'string') {
      return Promise.reject(
        new DialError('ERR_CONNECTION_LIMIT', `inbound connection refused: ${slot}`, { reason: slot }),
      )
    }
    const task = this.handshake.upgrade(raw, slot, undefined, options.replace === true)
    this.state.track(task.catch(() => {}))
    return task
  }

  async disconnect(peerId: PeerId, reason: DisconnectReason = 'requested', message?: string): Promise<void> {
    const conn = this.state.peersById.get(peerId)
    if (conn === undefined) return
    await conn.close(reason, 'local', message)
  }

  peers(): PeerInfo[] {
    return [...this.state.peersById.values()]
      .sort((a, b) => a.connectedAt - b.connectedAt || a.id - b.id)
      .map((c) => this.state.infoOf(c))
  }

  getPeer(peerId: PeerId): PeerInfo | undefined {
    const conn = this.state.peersById.get(peerId)
    return conn === undefined ? undefined : this.state.infoOf(conn)
  }

  markUseful(peerId: PeerId, kind: UsefulKind): void {
    const conn = this.state.peersById.get(peerId)
    if (conn === undefined) return
    if (kind === 'block') conn.lastBlockAt = this.state.clock.now()
    else conn.lastTxAt = this.state.clock.now()
  }

  updateLocalStatus(status: Partial<LocalStatus>): void {
    const local = this.state.local
    this.state.local = {
      bestHeight: status.bestHeight ?? local.bestHeight,
      bestHash: status.bestHash ?? local.bestHash,
      totalWork: status.totalWork ?? local.totalWork,
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

  send(peerId: PeerId, message: Message, options: SendOptions = {}): Promise<void> {
    return this.messaging.send(peerId, message, options)
  }

  trySend(peerId: PeerId, message: Message): boolean {
    return this.messaging.trySend(peerId, message)
  }

  canSend(peerId: PeerId, size = 0, cls: MessageClass = 'bulk'): boolean {
    return this.messaging.canSend(peerId, size, cls)
  }

  broadcast(message: Message, filter?: (peer: PeerInfo) => boolean): number {
    return this.messaging.broadcast(message, filter)
  }

  request(peerId: PeerId, message: Message, options: RequestOptions = {}): Promise<Message> {
    return this.messaging.request(peerId, message, options)
  }

  ping(peerId: PeerId, options: RequestOptions = {}): Promise<number> {
    return this.messaging.ping(peerId, options)
  }

  handle<T extends MessageType>(type: T, handler: MessageHandler<T>): () => void {
    return this.dispatch.handle(type, handler)
  }

  // --------------------------------------------------------------------------------------------- datagrams

  datagramRequest(
    address: string,
    message: Message,
    options: DatagramRequestOptions = {},
  ): Promise<DatagramResponse> {
    return this.datagrams.request(address, message, options)
  }

  canDatagram(address: string): boolean {
    return this.state.started && this.datagrams.canSend(address)
  }

  handleDatagram<T extends MessageType>(type: T, handler: DatagramHandler<T>): () => void {
    return this.datagrams.handle(type, handler)
  }

  // ------------------------------------------------------------------------------------------------ status

  getNetworkStatus(): NetworkStatus {
    const s = this.state
    return buildStatus({
      peerId: s.peerId,
      networkId: s.networkId,
      started: s.started,
      listenAddresses: this.listenAddresses(),
      connections: this.peers().map((p) => [p, s.peersById.get(p.peerId) as Connection] as const),
      counts: { ...s.openByKind },
      pendingHandshakes: s.slots.pending,
      limits: s.limits,
    })
  }

  // ----------------------------------------------------------------------------------------------- wiring

  /** A transport accepted a connection: admitted (then upgraded as a tracked task) or refused. */
  private readonly onInbound = (raw: RawConnection): void => {
    const slot = this.admission.accept(raw)
    if (typeof slot !== 'string')
      this.state.track(this.handshake.upgrade(raw, slot, undefined).catch(() => {}))
  }

  /** What connections tell the network; kept off the public object. */
  private connectionEvents(): ConnectionEvents {
    const s = this.state
    return {
      classOf: (type) => s.classOf(type),
      handshakeMessage: (conn, message) => this.handshake.handshakeMessage(conn, message),
      message: (conn, message, size) => this.dispatch.dispatch(conn, message, size),
      count: (counter, cls) => s.countConnectionEvent(counter, cls),
      report: (conn, behaviour, detail) => s.report(conn.peerId, behaviour, detail),
      closing: (conn) => {
        if (this.handshake.closing(conn)) this.persistent.disconnected(conn.peerId)
      },
      traffic: (direction, type, bytes) => {
        s.metrics.messages.inc(1, { direction, type: type ?? 'invalid' })
        s.metrics.bytes.inc(bytes, { direction })
      },
    }
  }
}

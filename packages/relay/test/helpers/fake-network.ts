import type { NodeRole, PeerId } from '@chainwire/interface'
import { testPeerId } from '@chainwire/interface/testing'
import type { MessageHandler, NetworkEvents, PeerInfo } from '@chainwire/network'
import {
  encode,
  type Message,
  type MessageOf,
  type MessageType,
  PROTOCOL_VERSION,
} from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import type { RelayNetwork } from '../../src/index'

/** What a test peer looks like to the fake network. */
export interface FakePeerOptions {
  direction?: 'inbound' | 'outbound'
  roles?: NodeRole[]
  listenAddrs?: string[]
  host?: string
  /** The ping round trip the network reports for the peer. */
  latencyMs?: number
}

/**
 * A stand-in for @chainwire/network in unit tests: peers appear and vanish on command, messages from them are
 * emitted as the real network emits them (`message:<type>` with the encoded size), and everything relay sends
 * is recorded. It fakes only the transport; the relay under test is the real one.
 */
export class FakeNetwork extends EventEmitter<NetworkEvents> implements RelayNetwork {
  readonly peerId: PeerId
  private readonly connected = new Map<PeerId, PeerInfo>()
  private readonly handlers = new Map<MessageType, MessageHandler>()
  /** Every message relay queued, in order. */
  readonly sent: { to: PeerId; message: Message }[] = []
  /** Peers whose send queue is full (canSend and trySend refuse; send waits). */
  readonly full = new Set<PeerId>()
  readonly disconnects: { peerId: PeerId; reason: string | undefined }[] = []
  readonly dials: string[] = []
  /** Answers relay's requests (get_data); by default they fail. */
  onRequest: (peer: PeerId, message: Message) => Promise<Message> = () =>
    Promise.reject(new Error('no answer'))

  constructor(peerId: PeerId = testPeerId(999_999_999)) {
    super()
    this.peerId = peerId
  }

  /** A peer connects. */
  connect(peerId: PeerId, o: FakePeerOptions = {}): PeerInfo {
    const info: PeerInfo = {
      peerId,
      direction: o.direction ?? 'outbound',
      kind: o.direction === 'inbound' ? 'inbound' : 'full-relay',
      remoteAddress: `memory://${peerId.slice(2, 10)}`,
      remoteHost: o.host ?? `10.0.${this.connected.size}.1`,
      dialedAddress: undefined,
      connectedAt: 0,
      hello: {
        version: PROTOCOL_VERSION,
        networkId: 'chainwire-test',
        roles: o.roles ?? ['full'],
        bestHeight: 0,
        bestHash: new Uint8Array(32),
        totalWork: 0n,
        listenAddrs: o.listenAddrs ?? [`memory://${peerId.slice(2, 10)}`],
        observedAddr: '',
        userAgent: 'fake',
        timestamp: 0,
        capabilities: [],
      },
      latencyMs: o.latencyMs,
      minLatencyMs: o.latencyMs,
    }
    this.connected.set(peerId, info)
    this.emit('peer:connected', { peer: info })
    return info
  }

  /** A peer disconnects. */
  drop(peerId: PeerId): void {
    const info = this.connected.get(peerId)
    if (info === undefined) return
    this.connected.delete(peerId)
    this.emit('peer:disconnected', { peer: info, reason: 'closed', initiator: 'remote' })
  }

  /** A message arrives from a peer, as the real network would emit it. */
  deliver(from: PeerId, message: Message): Promise<Message | undefined> {
    const size = encode(message).byteLength
    this.emit(`message:${message.type}` as 'message:ping', { peerId: from, message, size } as never)
    const handler = this.handlers.get(message.type)
    const info = this.connected.get(from)
    if (handler === undefined || info === undefined) return Promise.resolve(undefined)
    return Promise.resolve(handler(message as never, info)).then((r) => (r === undefined ? undefined : r))
  }

  /** The messages queued for `to`, optionally of one type. */
  sentTo<T extends MessageType>(to: PeerId, type?: T): MessageOf<T>[] {
    return this.sent
      .filter((s) => s.to === to && (type === undefined || s.message.type === type))
      .map((s) => s.message as MessageOf<T>)
  }

  /** The messages of a type queued for anyone. */
  sentOf<T extends MessageType>(type: T): { to: PeerId; message: MessageOf<T> }[] {
    return this.sent.filter((s) => s.message.type === type) as { to: PeerId; message: MessageOf<T> }[]
  }

  clearSent(): void {
    this.sent.length = 0
  }

  peers(): PeerInfo[] {
    return [...this.connected.values()]
  }

  getPeer(peerId: PeerId): PeerInfo | undefined {
    return this.connected.get(peerId)
  }

  trySend(peerId: PeerId, message: Message): boolean {
    if (!this.connected.has(peerId) || this.full.has(peerId)) return false
    this.sent.push({ to: peerId, message })
    return true
  }

  async send(peerId: PeerId, message: Message): Promise<void> {
    if (!this.connected.has(peerId)) throw new Error('not connected')
    this.sent.push({ to: peerId, message })
  }

  canSend(peerId: PeerId): boolean {
    return this.connected.has(peerId) && !this.full.has(peerId)
  }

  broadcast(message: Message, filter?: (peer: PeerInfo) => boolean): number {
    let n = 0
    for (const info of this.connected.values()) {
      if (filter !== undefined && !filter(info)) continue
      if (this.trySend(info.peerId, message)) n++
    }
    return n
  }

  request(peerId: PeerId, message: Message): Promise<Message> {
    this.sent.push({ to: peerId, message })
    return this.onRequest(peerId, message)
  }

  handle<T extends MessageType>(type: T, handler: MessageHandler<T>): () => void {
    if (this.handlers.has(type)) throw new Error(`${type} already has a handler`)
    this.handlers.set(type, handler as unknown as MessageHandler)
    return () => this.handlers.delete(type)
  }

  async dial(address: string): Promise<PeerInfo> {
    this.dials.push(address)
    throw new Error('fake network does not dial')
  }

  async disconnect(peerId: PeerId, reason?: string): Promise<void> {
    this.disconnects.push({ peerId, reason })
    this.drop(peerId)
  }

  markUseful(): void {}

  /** Handlers registered now (to check that stop() unregisters everything). */
  get handlerCount(): number {
    return this.handlers.size
  }
}

/**
 * An in-process network of fake nodes implementing `DiscoveryNetwork`: dials and requests are delivered
 * through the injected clock after a configurable latency, so unit tests run on a ManualClock.
 */
import type { Clock, NodeRole, PeerId } from '@chainwire/interface'
import { AbortError } from '@chainwire/interface'
import { testPeerId } from '@chainwire/interface/testing'
import type { Message, MessageType } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import type { DialKind, DiscoveryHandler, DiscoveryNetwork, DiscoveryPeer } from '../../src/index'

/** How a node's requests are answered: a custom function replaces its registered handlers. */
export type Responder = (message: Message, from: PeerId) => Message | 'silent' | undefined

interface Conn {
  info: DiscoveryPeer
}

type Events = {
  'peer:connected': (e: { peer: DiscoveryPeer }) => void
  'peer:disconnected': (e: { peer: DiscoveryPeer }) => void
  'message:nodes': (e: { peerId: PeerId }) => void
}

/** The shared medium: addresses to nodes, and the one-way latency of every delivery. */
export class FakeHub {
  readonly nodes = new Map<PeerId, FakeNetwork>()
  readonly byAddress = new Map<string, FakeNetwork>()
  constructor(
    readonly clock: Clock,
    public latencyMs = 10,
  ) {}

  /**
   * Adds a node listening (and dialing from) `address`; its hello announces `announce` as its listen addresses
   * (default: `address`), so a test can make a node claim addresses it does not have.
   */
  add(
    address: string,
    options: { peerId?: PeerId; roles?: NodeRole[]; announce?: string[] } = {},
  ): FakeNetwork {
    const net = new FakeNetwork(
      this,
      options.peerId ?? testPeerId(Math.random),
      address,
      options.roles ?? ['full'],
    )
    if (options.announce !== undefined) net.announce = options.announce
    this.nodes.set(net.peerId, net)
    this.byAddress.set(address, net)
    return net
  }

  /** Waits `ms` on the hub's clock (resolves immediately for 0). */
  delay(ms: number, signal?: AbortSignal): Promise<void> {
    return ms <= 0 ? Promise.resolve() : this.clock.sleep(ms, signal)
  }
}

/** One fake node's network. */
export class FakeNetwork extends EventEmitter<Events> implements DiscoveryNetwork {
  readonly handlers = new Map<MessageType, DiscoveryHandler<MessageType>>()
  readonly conns = new Map<PeerId, Conn>()
  /** Replaces the registered handlers when set (to make a node slow, silent or hostile). */
  responder: Responder | undefined
  /** The listen addresses its hello announces. */
  announce: string[]
  /** When false the node refuses dials (it is down). */
  online = true
  /** Dials made, for assertions. */
  readonly dials: { address: string; kind: DialKind | undefined }[] = []
  /** Requests sent, by type. */
  readonly requests = new Map<string, number>()
  readonly persistent: string[] = []
  /** Extra connection limit for outbound kinds (per kind). */
  limits: Partial<Record<DialKind, number>> = {}
  private readonly reserved = new Map<DialKind, number>()

  constructor(
    readonly hub: FakeHub,
    readonly peerId: PeerId,
    readonly address: string,
    readonly roles: NodeRole[],
  ) {
    super()
    this.announce = [address]
  }

  listenAddresses(): string[] {
    return [this.address]
  }

  handle<T extends MessageType>(type: T, handler: DiscoveryHandler<T>): () => void {
    this.handlers.set(type, handler as unknown as DiscoveryHandler<MessageType>)
    return () => this.handlers.delete(type)
  }

  peers(): DiscoveryPeer[] {
    return [...this.conns.values()].map((c) => c.info)
  }

  addPersistentPeer(address: string): void {
    this.persistent.push(address)
  }

  async dial(
    address: string,
    options: { signal?: AbortSignal; kind?: DialKind; peerId?: PeerId } = {},
  ): Promise<DiscoveryPeer> {
    this.dials.push({ address, kind: options.kind })
    if (options.peerId !== undefined) {
      const existing = this.conns.get(options.peerId)
      if (existing !== undefined) return existing.info
    }
    const kind = options.kind ?? 'manual'
    const limit = this.limits[kind]
    if (limit !== undefined) {
      const used = this.peers().filter((p) => p.direction === 'outbound' && p.kind === kind).length
      if (used + (this.reserved.get(kind) ?? 0) >= limit) {
        throw Object.assign(new AbortError('no slot'), { code: 'ERR_CONNECTION_LIMIT' })
      }
    }
    this.reserved.set(kind, (this.reserved.get(kind) ?? 0) + 1)
    try {
      await this.hub.delay(this.hub.latencyMs * 2, options.signal)
    } finally {
      this.reserved.set(kind, (this.reserved.get(kind) ?? 1) - 1)
    }
    const remote = this.hub.byAddress.get(address)
    if (remote === undefined || !remote.online || remote === this)
      throw new AbortError(`cannot reach ${address}`)
    if (options.peerId !== undefined && options.peerId !== remote.peerId) throw new AbortError('wrong peer')
    const existing = this.conns.get(remote.peerId)
    if (existing !== undefined) return existing.info
    const now = this.hub.clock.now()
    const mine: DiscoveryPeer = {
      peerId: remote.peerId,
      direction: 'outbound',
      kind,
      remoteAddress: address,
      dialedAddress: address,
      connectedAt: now,
      hello: { roles: remote.roles, listenAddrs: [...remote.announce] },
    }
    const theirs: DiscoveryPeer = {
      peerId: this.peerId,
      direction: 'inbound',
      kind: 'inbound',
      remoteAddress: this.address,
      dialedAddress: undefined,
      connectedAt: now,
      hello: { roles: this.roles, listenAddrs: [...this.announce] },
    }
    this.conns.set(remote.peerId, { info: mine })
    remote.conns.set(this.peerId, { info: theirs })
    remote.emit('peer:connected', { peer: theirs })
    this.emit('peer:connected', { peer: mine })
    return mine
  }

  async disconnect(peerId: PeerId): Promise<void> {
    const conn = this.conns.get(peerId)
    if (conn === undefined) return
    this.conns.delete(peerId)
    this.emit('peer:disconnected', { peer: conn.info })
    const remote = this.hub.nodes.get(peerId)
    const back = remote?.conns.get(this.peerId)
    if (remote !== undefined && back !== undefined) {
      remote.conns.delete(this.peerId)
      remote.emit('peer:disconnected', { peer: back.info })
    }
  }

  async request(
    peerId: PeerId,
    message: Message,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<Message> {
    this.requests.set(message.type, (this.requests.get(message.type) ?? 0) + 1)
    if (!this.conns.has(peerId)) throw new AbortError('not connected')
    const remote = this.hub.nodes.get(peerId)
    if (remote === undefined || !remote.online) {
      return this.hub.clock.sleep(options.timeoutMs ?? 10_000, options.signal).then(() => {
        throw new AbortError('request timed out')
      })
    }
    await this.hub.delay(this.hub.latencyMs, options.signal)
    const from = remote.conns.get(this.peerId)?.info
    if (from === undefined) throw new AbortError('not connected')
    let reply: Message | undefined
    if (remote.responder !== undefined) {
      const r = remote.responder(message, this.peerId)
      if (r === 'silent') {
        await this.hub.clock.sleep(options.timeoutMs ?? 10_000, options.signal)
        throw new AbortError('request timed out')
      }
      reply = r
    }
    if (reply === undefined) {
      const handler = remote.handlers.get(message.type)
      if (handler === undefined) throw new AbortError('unsupported')
      reply = (await handler(message as never, from)) ?? undefined
    }
    if (reply === undefined) throw new AbortError('no reply')
    await this.hub.delay(this.hub.latencyMs, options.signal)
    return reply
  }
}

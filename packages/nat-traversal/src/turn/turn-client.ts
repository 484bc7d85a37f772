import type { Socket } from 'node:net'
import {
  type Clock,
  deadline,
  type Logger,
  noopLogger,
  type OptionSpec,
  option,
  systemClock,
  type TimerHandle,
} from '@chainwire/interface'
import { EventEmitter } from 'eventemitter3'
import { NatError } from '../errors'
import { resolveNatOptions } from '../options'
import {
  decodeAddress,
  readU32,
  type StunAddress,
  textAttribute,
  u32Attribute,
  xorAddressAttribute,
} from '../stun/attributes'
import { connectTcp, type StunEndpoint } from '../stun/client'
import {
  attribute,
  type DecodedStunMessage,
  longTermKey,
  newTransactionId,
  StunAttr,
  type StunAttribute,
  StunMethod,
} from '../stun/message'
import { StunStreamChannel } from '../stun/stream-channel'

/** A TURN server as operators configure it (`turnServers: [{ urls, username, credential }]`). */
export interface TurnServerConfig {
  /** `turn:host:port?transport=tcp` URLs (RFC 7065); the first TCP one is used. */
  urls: string | readonly string[]
  username: string
  credential: string
}

/** Options of {@link TurnClient}. */
export interface TurnClientOptions {
  /** Allocation lifetime asked for, in seconds; refreshed at half what was granted. @default 600 */
  lifetimeSeconds?: number
  /** Deadline of each request (and of each TCP connect). @default 10_000 */
  timeoutMs?: number
  /** Peer data connections open at once at most (RFC 6062 ConnectionBind). @default 32 */
  maxConnections?: number
}

const spec: OptionSpec<Required<TurnClientOptions>> = {
  lifetimeSeconds: option.integer(600, { min: 60, max: 3_600 }),
  timeoutMs: option.integer(10_000, { min: 1 }),
  maxConnections: option.integer(32, { min: 1 }),
}

/** A granted allocation. */
export interface TurnAllocation {
  /** The relayed transport address peers connect to. */
  readonly relayed: StunAddress
  /** Our address as the server saw it. */
  readonly mapped: StunAddress | undefined
  /** Granted lifetime, in seconds. */
  readonly lifetimeSeconds: number
}

/** Events of {@link TurnClient}. */
export interface TurnClientEvents {
  /** A peer connected to our relayed address; `socket` carries its bytes end to end. */
  connection: (e: { socket: Socket; peer: StunAddress }) => void
  /** The allocation could not be refreshed (or the control connection closed). */
  'allocation:lost': (e: { reason: string }) => void
}

/** Parses `turn:host:port?transport=tcp` (RFC 7065; `turns:` is not supported). */
export function parseTurnUrl(url: string): StunEndpoint {
  const m = /^turn:(\[[0-9a-fA-F:.]+\]|[^:?]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/.exec(url)
  if (m === null)
    throw new NatError('ERR_INVALID_OPTIONS', `not a turn: URL: ${url}`, {
      option: 'urls',
      problem: 'malformed',
    })
  if (m[3] === 'udp') {
    throw new NatError('ERR_INVALID_OPTIONS', 'TCP allocations need a TCP TURN URL (?transport=tcp)', {
      option: 'urls',
      problem: 'udp',
    })
  }
  const host = (m[1] as string).replace(/^\[|\]$/g, '')
  return { host, port: m[2] === undefined ? 3478 : Number(m[2]) }
}

/**
 * A TURN client (RFC 5766) with TCP allocations (RFC 6062) and long-term credentials, so operators can use
 * the TURN servers they already run as relays. The control connection carries Allocate (answering the 401
 * challenge with the realm and nonce, and a 438 stale nonce with the new one), CreatePermission, Connect and
 * Refresh; each peer connection is its own TCP connection to the server, bound with ConnectionBind, after
 * which it carries the peer's bytes unchanged. `release()` (and `close()`) deletes the allocation.
 */
export class TurnClient extends EventEmitter<TurnClientEvents> {
  private readonly server: StunEndpoint
  private readonly username: string
  private readonly password: string
  private readonly options: Required<TurnClientOptions>
  private readonly clock: Clock
  private readonly log: Logger
  private control: StunStreamChannel | undefined
  private realm = ''
  private nonce = ''
  private key: Uint8Array | undefined
  private refreshTimer: TimerHandle | undefined
  private readonly sockets = new Set<Socket>()

  constructor(
    config: TurnServerConfig,
    components: { clock?: Clock; logger?: Logger } = {},
    options: TurnClientOptions = {},
  ) {
    super()
    const urls = typeof config.urls === 'string' ? [config.urls] : config.urls
    const tcp = urls.find((u) => u.endsWith('transport=tcp')) ?? urls[0]
    if (tcp === undefined)
      throw new NatError('ERR_INVALID_OPTIONS', 'no TURN URL', { option: 'urls', problem: 'empty' })
    this.server = parseTurnUrl(tcp)
    this.username = config.username
    this.password = config.credential
    this.options = resolveNatOptions(spec, options)
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'turn-client' })
  }

  /** Opens the control connection and allocates a TCP relay. */
  async allocate(options: { signal?: AbortSignal } = {}): Promise<TurnAllocation> {
    const socket = await this.connect(options.signal)
    const control = new StunStreamChannel(socket, this.clock)
    this.control = control
    control.onIndication = (m) => this.onIndication(m)
    control.onClose = () => this.lost('the control connection closed')
    const response = await this.request(
      StunMethod.allocate,
      [
        { type: StunAttr.requestedTransport, value: new Uint8Array([6, 0, 0, 0]) },
        u32Attribute(StunAttr.lifetime, this.options.lifetimeSeconds),
      ],
      options.signal,
    )
    const relayed = attribute(response, StunAttr.xorRelayedAddress)
    if (relayed === undefined)
      throw new NatError('ERR_STUN_MISMATCH', 'the Allocate response has no relayed address')
    const mapped = attribute(response, StunAttr.xorMappedAddress)
    const allocation: TurnAllocation = {
      relayed: decodeAddress(relayed, response.transactionId),
      mapped: mapped === undefined ? undefined : decodeAddress(mapped, response.transactionId),
      lifetimeSeconds: this.lifetimeOf(response),
    }
    this.scheduleRefresh(allocation.lifetimeSeconds)
    return allocation
  }

  /** Lets peers at `host` connect to (and be connected from) the relayed address (RFC 5766 §9). */
  async permit(host: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.request(
      StunMethod.createPermission,
      (tid) => [this.peerAttribute({ host, port: 0 }, tid)],
      options.signal,
    )
  }

  /**
   * Connects the relayed address to a peer (RFC 6062 Connect) and returns a socket that carries the bytes
   * to and from it. Needs a permission for the peer's IP.
   */
  async connectPeer(
    peer: { host: string; port: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<Socket> {
    const response = await this.request(
      StunMethod.connect,
      (tid) => [this.peerAttribute(peer, tid)],
      options.signal,
    )
    const id = attribute(response, StunAttr.connectionId)
    if (id === undefined) throw new NatError('ERR_STUN_MISMATCH', 'the Connect response has no CONNECTION-ID')
    return this.bind(readU32(id), options.signal)
  }

  /** Refreshes the allocation now; returns the granted lifetime in seconds. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<number> {
    const response = await this.request(
      StunMethod.refresh,
      [u32Attribute(StunAttr.lifetime, this.options.lifetimeSeconds)],
      options.signal,
    )
    const lifetime = this.lifetimeOf(response)
    this.scheduleRefresh(lifetime)
    return lifetime
  }

  /** Deletes the allocation (Refresh with lifetime 0) and closes every connection. */
  async release(): Promise<void> {
    this.clock.clearTimeout(this.refreshTimer)
    if (this.control !== undefined) {
      await this.request(StunMethod.refresh, [u32Attribute(StunAttr.lifetime, 0)], undefined).catch((err) =>
        this.log.debug({ err }, 'releasing the allocation failed'),
      )
    }
    this.close()
  }

  /** Closes the control and data connections without telling the server (the allocation times out). */
  close(): void {
    this.clock.clearTimeout(this.refreshTimer)
    const control = this.control
    this.control = undefined
    if (control !== undefined) {
      control.onClose = undefined
      control.close()
    }
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }

  private async connect(signal: AbortSignal | undefined): Promise<Socket> {
    const timer = deadline(this.clock, this.options.timeoutMs, signal, 'TURN connect')
    try {
      return await connectTcp(this.server, {}, timer.signal)
    } catch (err) {
      throw new NatError(
        'ERR_STUN_TIMEOUT',
        `cannot reach the TURN server ${this.server.host}:${this.server.port}`,
        {},
        { cause: err },
      )
    } finally {
      timer.clear()
    }
  }

  /** A data connection bound to a peer connection (RFC 6062 ConnectionBind); then it is the peer's stream. */
  private async bind(connectionId: number, signal: AbortSignal | undefined): Promise<Socket> {
    if (this.sockets.size >= this.options.maxConnections) {
      throw new NatError('ERR_CIRCUIT_FAILED', 'too many TURN peer connections', {
        limit: this.options.maxConnections,
      })
    }
    const socket = await this.connect(signal)
    const channel = new StunStreamChannel(socket, this.clock)
    try {
      await this.request(
        StunMethod.connectionBind,
        [u32Attribute(StunAttr.connectionId, connectionId)],
        signal,
        channel,
      )
    } catch (err) {
      socket.destroy()
      throw err
    }
    const rest = channel.detach()
    if (rest.length > 0) socket.unshift(rest)
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    return socket
  }

  private onIndication(message: DecodedStunMessage): void {
    if (message.method !== StunMethod.connectionAttempt) return
    const id = attribute(message, StunAttr.connectionId)
    const peer = attribute(message, StunAttr.xorPeerAddress)
    if (id === undefined || peer === undefined) return
    let connectionId: number
    let address: StunAddress
    try {
      connectionId = readU32(id)
      address = decodeAddress(peer, message.transactionId)
    } catch {
      return
    }
    void this.bind(connectionId, undefined).then(
      (socket) => this.emit('connection', { socket, peer: address }),
      (err) => this.log.debug({ err }, 'binding an incoming TURN connection failed'),
    )
  }

  /**
   * Sends an authenticated request on the control channel (or `channel`), answering a 401 challenge and a
   * 438 stale nonce once each.
   */
  private async request(
    method: number,
    attributes: StunAttribute[] | ((transactionId: Uint8Array) => StunAttribute[]),
    signal: AbortSignal | undefined,
    channel: StunStreamChannel | undefined = this.control,
  ): Promise<DecodedStunMessage> {
    if (channel === undefined) throw new NatError('ERR_NOT_STARTED', 'no TURN allocation')
    for (let round = 0; round < 3; round++) {
      const auth =
        this.key === undefined
          ? []
          : [
              textAttribute(StunAttr.username, this.username),
              textAttribute(StunAttr.realm, this.realm),
              textAttribute(StunAttr.nonce, this.nonce),
            ]
      // XOR-PEER-ADDRESS is masked with the transaction id (IPv6), so attributes may depend on it.
      const transactionId = newTransactionId()
      const own = typeof attributes === 'function' ? attributes(transactionId) : attributes
      try {
        return await channel.request(
          { method, cls: 'request', transactionId, attributes: [...own, ...auth] },
          {
            timeoutMs: this.options.timeoutMs,
            signal,
            encode: { integrityKey: this.key },
            verifyKey: this.key,
          },
        )
      } catch (err) {
        const d = NatError.isInstance(err) && err.code === 'ERR_STUN_ERROR_RESPONSE' ? err.details : undefined
        if (d === undefined || (d.code !== 401 && d.code !== 438) || typeof d.nonce !== 'string') throw err
        if (d.code === 401 && this.key !== undefined && d.realm === this.realm) throw err // wrong credentials
        if (typeof d.realm === 'string') this.realm = d.realm
        this.nonce = d.nonce
        this.key = longTermKey(this.username, this.realm, this.password)
      }
    }
    throw new NatError('ERR_STUN_ERROR_RESPONSE', 'the TURN server kept refusing our credentials', {
      code: 401,
    })
  }

  private peerAttribute(peer: { host: string; port: number }, transactionId: Uint8Array): StunAttribute {
    return xorAddressAttribute(StunAttr.xorPeerAddress, peer, transactionId)
  }

  private lifetimeOf(response: DecodedStunMessage): number {
    const value = attribute(response, StunAttr.lifetime)
    return value === undefined ? this.options.lifetimeSeconds : readU32(value)
  }

  private scheduleRefresh(lifetimeSeconds: number): void {
    this.clock.clearTimeout(this.refreshTimer)
    if (lifetimeSeconds <= 0) return
    this.refreshTimer = this.clock.setTimeout(
      () => {
        void this.refresh().catch((err) => this.lost(`refresh failed: ${(err as Error).message}`))
      },
      (lifetimeSeconds * 1_000) / 2,
    )
  }

  private lost(reason: string): void {
    this.clock.clearTimeout(this.refreshTimer)
    this.emit('allocation:lost', { reason })
  }
}

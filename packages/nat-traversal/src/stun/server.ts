import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type Server, type Socket } from 'node:net'
import {
  type Clock,
  type Logger,
  LruMap,
  type Metrics,
  noopLogger,
  noopMetrics,
  type OptionSpec,
  option,
  systemClock,
  TokenBucket,
} from '@chainwire/interface'
import { resolveNatOptions } from '../options'
import { encodeAddress, encodeErrorCode, readU32, textAttribute } from './attributes'
import {
  type DecodedStunMessage,
  decodeStun,
  encodeStun,
  HEADER_LENGTH,
  isStunMessage,
  MAX_STUN_MESSAGE,
  StunAttr,
  type StunAttribute,
  StunMethod,
} from './message'

/** Options of {@link StunServer}. */
export interface StunServerOptions {
  /** Primary IP to bind. @default '0.0.0.0' */
  host?: string
  /** Primary port (0: any). @default 3478 */
  port?: number
  /**
   * A second IP of this host. With it (and `alternatePort`), the server binds both IPs on both ports,
   * announces OTHER-ADDRESS and honours CHANGE-REQUEST (RFC 5780), so clients can classify NAT filtering
   * and mapping against one server. @default '' (none)
   */
  alternateHost?: string
  /** A second port (0: any), used with `alternateHost`. @default 0 */
  alternatePort?: number
  /** Answer over UDP. @default true */
  udp?: boolean
  /** Answer over TCP (RFC 5389 §7.2.2). @default true */
  tcp?: boolean
  /** Requests per second per source IP (token bucket rate); the rest are dropped and counted. @default 50 */
  ratePerIp?: number
  /** Burst per source IP. @default 100 */
  burstPerIp?: number
  /** Source IPs whose rate is tracked at most (least recently seen forgotten first). @default 4_096 */
  maxTrackedIps?: number
  /** TCP connections open at once at most; more are closed as they arrive. @default 256 */
  maxTcpConnections?: number
  /** A TCP connection that sends no complete message for this long is closed. @default 10_000 */
  tcpIdleTimeoutMs?: number
  /** SOFTWARE attribute in responses; empty sends none. @default 'chainwire' */
  software?: string
}

type Resolved = Required<StunServerOptions>

const spec: OptionSpec<Resolved> = {
  host: option.string('0.0.0.0', { maxLength: 64 }),
  port: option.integer(3478, { min: 0, max: 65535 }),
  alternateHost: option.string('', { maxLength: 64 }),
  alternatePort: option.integer(0, { min: 0, max: 65535 }),
  udp: option.boolean(true),
  tcp: option.boolean(true),
  ratePerIp: option.number(50, { min: 0 }),
  burstPerIp: option.integer(100, { min: 1 }),
  maxTrackedIps: option.integer(4_096, { min: 1 }),
  maxTcpConnections: option.integer(256, { min: 1 }),
  tcpIdleTimeoutMs: option.integer(10_000, { min: 1 }),
  software: option.string('chainwire', { maxLength: 127 }),
}

/** What the STUN server uses from its node. */
export interface StunServerComponents {
  /** @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
  /** @default noopMetrics */
  metrics?: Metrics
}

/** Comprehension-required attributes a Binding request may carry. */
const UNDERSTOOD: ReadonlySet<number> = new Set([
  StunAttr.changeRequest,
  StunAttr.username,
  StunAttr.padding,
  StunAttr.responsePort,
])

/** Why a datagram or TCP message got no success response. */
export type StunDropReason =
  | 'malformed'
  | 'rate_limited'
  | 'not_request'
  | 'unknown_method'
  | 'unknown_attribute'

interface Endpoint {
  host: string
  port: number
}

/**
 * A small STUN server (RFC 5389 Binding, RFC 5780 OTHER-ADDRESS / CHANGE-REQUEST / RESPONSE-ORIGIN) that
 * chainwire nodes with a public address run for each other. Answers Binding requests over UDP and TCP with
 * XOR-MAPPED-ADDRESS and FINGERPRINT; drops and counts everything else (malformed input, indications,
 * responses, floods beyond the per-IP rate), and answers other methods with 400 and unknown
 * comprehension-required attributes with 420, as the RFC asks.
 */
export class StunServer {
  private readonly options: Resolved
  private readonly clock: Clock
  private readonly log: Logger
  private readonly drops
  private readonly answered
  private readonly buckets: LruMap<string, TokenBucket>
  /** UDP sockets by "hostIndex:portIndex" (0 primary, 1 alternate). */
  private readonly udp = new Map<string, UdpSocket>()
  private readonly tcp: Server[] = []
  private readonly tcpSockets = new Set<Socket>()
  private ports: [number, number] = [0, 0]
  private started = false

  constructor(components: StunServerComponents = {}, options: StunServerOptions = {}) {
    this.options = resolveNatOptions(spec, options)
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'stun-server' })
    const metrics = components.metrics ?? noopMetrics
    this.drops = metrics.counter({
      name: 'stun_server_dropped_total',
      help: 'STUN input dropped',
      labelNames: ['reason'],
    })
    this.answered = metrics.counter({
      name: 'stun_server_responses_total',
      help: 'STUN responses sent',
      labelNames: ['transport'],
    })
    this.buckets = new LruMap(this.options.maxTrackedIps)
  }

  /** The bound primary address (the real port when `port` was 0). */
  address(): Endpoint {
    return { host: this.options.host, port: this.ports[0] }
  }

  /** The bound alternate address, when the server has one. */
  alternateAddress(): Endpoint | undefined {
    return this.hasAlternate() ? { host: this.options.alternateHost, port: this.ports[1] } : undefined
  }

  /** Binds every socket. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    try {
      const hosts = this.hosts()
      for (let p = 0; p < (this.hasAlternate() ? 2 : 1); p++) {
        for (let h = 0; h < hosts.length; h++) {
          const wanted =
            this.ports[p] !== 0 ? this.ports[p] : p === 0 ? this.options.port : this.options.alternatePort
          const bound = await this.bindPair(h, p, hosts[h] as string, wanted)
          this.ports[p] = bound
        }
      }
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** Closes every socket and connection. Idempotent. */
  async stop(): Promise<void> {
    this.started = false
    for (const s of this.udp.values()) s.close()
    this.udp.clear()
    for (const s of this.tcpSockets) s.destroy()
    this.tcpSockets.clear()
    await Promise.all(this.tcp.map((server) => new Promise<void>((r) => server.close(() => r()))))
    this.tcp.length = 0
    this.buckets.clear()
  }

  private hasAlternate(): boolean {
    return this.options.alternateHost !== ''
  }

  private hosts(): string[] {
    return this.hasAlternate() ? [this.options.host, this.options.alternateHost] : [this.options.host]
  }

  /** Binds UDP and/or TCP on host:port; returns the bound port. */
  private async bindPair(h: number, p: number, host: string, port: number): Promise<number> {
    let bound = port
    if (this.options.udp) {
      const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' })
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind(port, host, () => {
          socket.removeListener('error', reject)
          resolve()
        })
      })
      socket.on('error', (err) => this.log.debug({ err }, 'udp socket error'))
      bound = socket.address().port
      socket.on('message', (data, rinfo) =>
        this.onDatagram(h, p, data, { host: rinfo.address, port: rinfo.port }),
      )
      this.udp.set(`${h}:${p}`, socket)
    }
    if (this.options.tcp) {
      const server = createServer((socket) => this.onTcp(h, p, socket))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(bound, host, () => {
          server.removeListener('error', reject)
          resolve()
        })
      })
      server.on('error', (err) => this.log.debug({ err }, 'tcp listener error'))
      bound = (server.address() as { port: number }).port
      this.tcp.push(server)
    }
    return bound
  }

  private allow(ip: string): boolean {
    let bucket = this.buckets.get(ip)
    if (bucket === undefined) {
      bucket = new TokenBucket(this.clock, { rate: this.options.ratePerIp, burst: this.options.burstPerIp })
      this.buckets.set(ip, bucket)
    }
    return bucket.take()
  }

  private drop(reason: StunDropReason): undefined {
    this.drops.inc(1, { reason })
    return undefined
  }

  private onDatagram(h: number, p: number, data: Buffer, from: Endpoint): void {
    const reply = this.answer(h, p, new Uint8Array(data), from, true)
    if (reply === undefined) return
    const socket = this.udp.get(`${reply.h}:${reply.p}`)
    // RESPONSE-PORT (RFC 5780 §7.5) sends the answer to another port of the same IP, never another IP.
    socket?.send(reply.bytes, reply.port ?? from.port, from.host, () => {})
    this.answered.inc(1, { transport: 'udp' })
  }

  private onTcp(h: number, p: number, socket: Socket): void {
    if (this.tcpSockets.size >= this.options.maxTcpConnections || !this.started) {
      this.drop('rate_limited')
      socket.destroy()
      return
    }
    this.tcpSockets.add(socket)
    const from = { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 }
    let buffer: Buffer = Buffer.alloc(0)
    let idle = this.clock.setTimeout(() => socket.destroy(), this.options.tcpIdleTimeoutMs)
    socket.on('error', () => {})
    socket.on('close', () => {
      this.clock.clearTimeout(idle)
      this.tcpSockets.delete(socket)
    })
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      while (buffer.length >= HEADER_LENGTH) {
        const size = HEADER_LENGTH + buffer.readUInt16BE(2)
        if (size > MAX_STUN_MESSAGE || !isStunMessage(buffer)) {
          this.drop('malformed')
          socket.destroy()
          return
        }
        if (buffer.length < size) return
        const bytes = new Uint8Array(buffer.subarray(0, size))
        buffer = buffer.subarray(size)
        this.clock.clearTimeout(idle)
        idle = this.clock.setTimeout(() => socket.destroy(), this.options.tcpIdleTimeoutMs)
        // Over TCP the response always goes back on the same connection: CHANGE-REQUEST does not apply.
        const reply = this.answer(h, p, bytes, from, false)
        if (reply !== undefined) {
          socket.write(reply.bytes)
          this.answered.inc(1, { transport: 'tcp' })
        }
      }
    })
  }

  /** The response to one message, and which socket it goes out from; undefined when dropped. */
  private answer(
    h: number,
    p: number,
    bytes: Uint8Array,
    from: Endpoint,
    udp: boolean,
  ): { bytes: Uint8Array; h: number; p: number; port?: number } | undefined {
    if (!this.allow(from.host)) return this.drop('rate_limited')
    let request: DecodedStunMessage
    try {
      request = decodeStun(bytes)
    } catch {
      return this.drop('malformed')
    }
    if (request.cls !== 'request') return this.drop('not_request')
    const unknown = request.attributes.map((a) => a.type).filter((t) => t < 0x8000 && !UNDERSTOOD.has(t))
    if (request.method !== StunMethod.binding || unknown.length > 0) {
      const value = new Uint8Array(unknown.length * 2)
      for (const [i, t] of unknown.entries()) new DataView(value.buffer).setUint16(i * 2, t)
      const attributes: StunAttribute[] =
        request.method !== StunMethod.binding
          ? [{ type: StunAttr.errorCode, value: encodeErrorCode(400, 'Bad Request') }]
          : [
              { type: StunAttr.errorCode, value: encodeErrorCode(420, 'Unknown Attribute') },
              { type: StunAttr.unknownAttributes, value },
            ]
      this.drop(request.method !== StunMethod.binding ? 'unknown_method' : 'unknown_attribute')
      const reply = encodeStun({
        method: request.method,
        cls: 'error',
        transactionId: request.transactionId,
        attributes,
      })
      return { bytes: reply, h, p }
    }
    let outH = h
    let outP = p
    const change = request.attributes.find((a) => a.type === StunAttr.changeRequest)
    if (change !== undefined && udp && this.hasAlternate()) {
      let flags = 0
      try {
        flags = readU32(change.value)
      } catch {
        return this.drop('malformed')
      }
      if (flags & 0x4) outH = 1 - h
      if (flags & 0x2) outP = 1 - p
    }
    const responsePort = request.attributes.find((a) => a.type === StunAttr.responsePort)
    if (responsePort !== undefined && responsePort.value.length !== 4) return this.drop('malformed')
    const hosts = this.hosts()
    const attributes: StunAttribute[] = [
      { type: StunAttr.xorMappedAddress, value: encodeAddress(from, request.transactionId) },
      { type: StunAttr.mappedAddress, value: encodeAddress(from) },
    ]
    if (this.hasAlternate()) {
      const origin = { host: hosts[outH] as string, port: this.ports[outP] }
      const other = { host: hosts[1 - h] as string, port: this.ports[1 - p] }
      attributes.push({ type: StunAttr.responseOrigin, value: encodeAddress(origin) })
      attributes.push({ type: StunAttr.otherAddress, value: encodeAddress(other) })
    }
    if (this.options.software !== '') attributes.push(textAttribute(StunAttr.software, this.options.software))
    const reply = encodeStun({
      method: StunMethod.binding,
      cls: 'success',
      transactionId: request.transactionId,
      attributes,
    })
    const port =
      responsePort !== undefined && udp
        ? new DataView(responsePort.value.buffer, responsePort.value.byteOffset).getUint16(0)
        : undefined
    return { bytes: reply, h: outH, p: outP, port }
  }
}

import { randomBytes } from 'node:crypto'
import {
  AbortError,
  LruMap,
  type PeerId,
  type TimerHandle,
  TokenBucket,
  tryParseAddress,
} from '@chainwire/interface'
import { CATALOG, decode, encode, type Message, type MessageType } from '@chainwire/protocol-codec'
import { NetworkError, RequestError } from '../errors'
import { peerIdFromPublicKey, sign, verify } from '../identity/index'
import { IpRateTable } from '../limits/ip-rate-table'
import type { NetworkState } from '../service/state'
import type { DatagramSocket, DatagramSource } from '../transport/transport'
import type { DatagramHandler, DatagramRequestOptions, DatagramResponse } from '../types'
import {
  type DecodedPacket,
  decodePacket,
  encodeRequest,
  encodeResponse,
  NONCE_LENGTH,
  networkTag,
  REQUEST_HEADER,
  RESPONSE_HEADER,
  requestHash,
  signedBytes,
} from './packet'

/** A response is at most this many times the size of its (padded) request: the anti-amplification rule. */
const AMPLIFICATION = 3

/** One of our requests waiting for its answer (reachable under each nonce it was sent with). */
interface Pending {
  readonly address: string
  readonly hash: Uint8Array
  readonly response: MessageType | undefined
  readonly peerId: PeerId | undefined
  readonly nonces: string[]
  settled: boolean
  settle(err: Error | undefined, value?: DatagramResponse): void
}

/**
 * The datagram wire of a node: signed one-packet request/response beside the connections, for queries that
 * should cost one round trip to a node we have no connection to (the DHT's `find_node`).
 *
 * A request carries a random nonce and the sender's public key (a claim); the answer is signed by the
 * responder's Ed25519 identity key over the network id, the nonce, the request's hash and the answer, so the
 * requester knows who answered (its peer id), that it got this very request, and at which address (only an
 * answer from the address asked is accepted). Bounded everywhere: our pending requests (`maxPending`), the
 * nonces served (`maxRememberedNonces`, a replayed request is dropped), requests served per IP and in total
 * (token buckets), packet size (`maxPacketBytes`) and the answer's size (3 times its request's, requests
 * being padded to a third of the packet size). Nothing a datagram says is trusted before a signature proves
 * it, and a spoofable source is never penalised: bad packets are dropped and counted.
 */
export class DatagramService {
  private sockets: DatagramSocket[] = []
  private readonly handlers = new Map<MessageType, DatagramHandler>()
  /** Our requests by each nonce they were sent with (two at most per request). */
  private readonly pending = new Map<string, Pending>()
  /** Our requests waiting for an answer (bounded by `maxPending`). */
  private inFlight = 0
  private readonly served: LruMap<string, true>
  private readonly perIp: IpRateTable
  private readonly total: TokenBucket
  private readonly tag: Uint8Array
  private readonly networkIdBytes: Uint8Array
  private readonly maxPacket: number
  private readonly minRequest: number

  constructor(private readonly s: NetworkState) {
    const o = s.options.datagrams
    this.served = new LruMap(o.maxRememberedNonces)
    this.perIp = new IpRateTable(s.clock, { rate: o.ratePerIp, burst: o.burstPerIp }, s.options.maxTrackedIps)
    this.total = new TokenBucket(s.clock, { rate: o.rate, burst: o.burst })
    this.tag = networkTag(s.networkId)
    this.networkIdBytes = new TextEncoder().encode(s.networkId)
    this.maxPacket = o.maxPacketBytes
    this.minRequest = Math.ceil(o.maxPacketBytes / AMPLIFICATION)
  }

  /**
   * Binds a datagram socket at each bound listen address whose transport has datagrams. A socket that cannot
   * be bound (the UDP port is taken) is logged and left out: queries to us then go over connections.
   */
  async start(addresses: readonly string[]): Promise<void> {
    if (!this.s.options.datagrams.enabled) return
    for (const address of addresses) {
      const transport = this.s.transports.transportFor(address)
      if (transport?.bindDatagram === undefined) continue
      try {
        const socket = await transport.bindDatagram(address, (bytes, from) =>
          this.receive(socket, bytes, from),
        )
        this.sockets.push(socket)
      } catch (err) {
        this.s.log.warn({ err, address }, 'no datagram socket at this listen address')
      }
    }
  }

  /** Closes the sockets and fails every pending request with an `AbortError`. */
  async stop(): Promise<void> {
    const sockets = this.sockets
    this.sockets = []
    for (const p of new Set(this.pending.values())) p.settle(new AbortError('the network is stopping'))
    this.pending.clear()
    this.served.clear()
    this.perIp.clear()
    await Promise.allSettled(sockets.map((x) => x.close()))
  }

  /** The bound datagram addresses. */
  addresses(): string[] {
    return this.sockets.map((x) => x.address)
  }

  canSend(address: string): boolean {
    return this.sockets.some((x) => x.canSend(address))
  }

  handle<T extends MessageType>(type: T, handler: DatagramHandler<T>): () => void {
    if (CATALOG[type]?.kind !== 'request') {
      throw new NetworkError('ERR_INVALID_MESSAGE', `${String(type)} is not a request`, {
        type: String(type),
      })
    }
    if (this.handlers.has(type)) {
      throw new NetworkError('ERR_HANDLER_EXISTS', `${type} already has a datagram handler`, { type })
    }
    const h = handler as unknown as DatagramHandler
    this.handlers.set(type, h)
    return () => {
      if (this.handlers.get(type) === h) this.handlers.delete(type)
    }
  }

  request(
    address: string,
    message: Message,
    options: DatagramRequestOptions = {},
  ): Promise<DatagramResponse> {
    try {
      return this.send(address, message, options)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  // ---------------------------------------------------------------------------------------------- requests

  private send(
    address: string,
    message: Message,
    options: DatagramRequestOptions,
  ): Promise<DatagramResponse> {
    const s = this.s
    s.assertStarted()
    const entry = CATALOG[message.type]
    if (entry?.kind !== 'request') {
      throw new NetworkError('ERR_INVALID_MESSAGE', `${String(message.type)} is not a request`)
    }
    const target = tryParseAddress(address)?.address
    const socket = target === undefined ? undefined : this.sockets.find((x) => x.canSend(target))
    if (target === undefined || socket === undefined) {
      throw new RequestError('ERR_NO_DATAGRAMS', `no datagram socket reaches ${address}`, { address })
    }
    if (this.inFlight >= s.options.datagrams.maxPending) {
      throw new RequestError('ERR_TOO_MANY_REQUESTS', 'too many datagram requests waiting for an answer')
    }
    let envelope: Uint8Array
    try {
      envelope = encode({ type: message.type, data: message.data } as Message)
    } catch (err) {
      throw new NetworkError('ERR_INVALID_MESSAGE', 'the request does not encode', {}, { cause: err })
    }
    if (REQUEST_HEADER + envelope.length > this.maxPacket) {
      throw new NetworkError('ERR_INVALID_MESSAGE', 'the request does not fit in a datagram', {
        size: envelope.length,
      })
    }
    const signal = options.signal
    if (signal?.aborted === true) return Promise.reject(new AbortError())
    const timeoutMs = options.timeoutMs ?? s.options.datagrams.timeoutMs
    return new Promise<DatagramResponse>((resolve, reject) => {
      const timers: TimerHandle[] = []
      const onAbort = (): void => p.settle(new AbortError())
      const p: Pending = {
        address: target,
        hash: requestHash(envelope),
        response: entry.response,
        peerId: options.peerId,
        nonces: [],
        settled: false,
        settle: (err, value) => {
          if (p.settled) return
          p.settled = true
          this.inFlight--
          for (const n of p.nonces) if (this.pending.get(n) === p) this.pending.delete(n)
          p.nonces.length = 0
          for (const t of timers) s.clock.clearTimeout(t)
          signal?.removeEventListener('abort', onAbort)
          if (err !== undefined) reject(err)
          else resolve(value as DatagramResponse)
        },
      }
      const transmit = (): void => {
        const nonce = s.entropy?.(NONCE_LENGTH) ?? new Uint8Array(randomBytes(NONCE_LENGTH))
        const key = hex(nonce)
        this.pending.set(key, p)
        p.nonces.push(key)
        socket.send(target, encodeRequest(this.tag, nonce, s.identity.publicKey, envelope, this.minRequest))
        s.metrics.datagrams.inc(1, { result: 'sent' })
      }
      this.inFlight++
      signal?.addEventListener('abort', onAbort, { once: true })
      timers.push(
        s.clock.setTimeout(
          () => {
            // sent once more (a fresh nonce) when the first packet or its answer may have been lost
            if (!p.settled) transmit()
          },
          Math.floor(timeoutMs / 2),
        ),
        s.clock.setTimeout(() => {
          p.settle(
            new RequestError('ERR_REQUEST_TIMEOUT', `no datagram answer from ${target} in ${timeoutMs} ms`, {
              address: target,
              timeoutMs,
            }),
          )
        }, timeoutMs),
      )
      transmit()
    })
  }

  // --------------------------------------------------------------------------------------------- receiving

  private receive(socket: DatagramSocket, bytes: Uint8Array, from: DatagramSource): undefined {
    if (bytes.length > this.maxPacket) return this.drop('too-large')
    const packet = decodePacketSafely(bytes, this.tag)
    if (packet.kind === 'drop') return this.drop(packet.reason)
    if (packet.kind === 'request') this.serve(socket, packet, bytes.length, from)
    else this.answer(packet, from)
  }

  /** Answers a request: rate limits, replay check, the handler, a signed response within the size rule. */
  private serve(
    socket: DatagramSocket,
    packet: Extract<DecodedPacket, { kind: 'request' }>,
    size: number,
    from: DatagramSource,
  ): undefined {
    if (!this.perIp.take(from.host) || !this.total.take()) return this.drop('rate-limited')
    const key = hex(packet.nonce)
    if (this.served.has(key)) return this.drop('replay')
    this.served.set(key, true)
    let request: Message
    try {
      request = decode(packet.envelope.slice())
    } catch {
      return this.drop('invalid')
    }
    const handler = this.handlers.get(request.type)
    if (handler === undefined) return this.drop('unhandled')
    const budget = Math.min(this.maxPacket, AMPLIFICATION * size) - RESPONSE_HEADER
    let last: { message: Message; bytes: Uint8Array | undefined } | undefined
    const encoded = (m: Message): Uint8Array | undefined => {
      if (last?.message !== m) {
        let bytes: Uint8Array | undefined
        try {
          bytes = encode(m)
        } catch {
          bytes = undefined
        }
        last = { message: m, bytes }
      }
      return last.bytes
    }
    const fits = (m: Message): boolean => (encoded(m)?.length ?? Number.POSITIVE_INFINITY) <= budget
    let reply: Message | undefined
    try {
      const sender = { address: from.address, host: from.host, peerId: peerIdFromPublicKey(packet.publicKey) }
      reply = handler(request, sender, { fits })
    } catch (err) {
      this.s.log.debug({ err, type: request.type }, 'datagram handler threw')
      return this.drop('unhandled')
    }
    if (reply === undefined) return
    const envelope = encoded(reply)
    if (reply.type !== CATALOG[request.type].response || envelope === undefined) return this.drop('invalid')
    if (envelope.length > budget) return this.drop('too-large')
    const signature = sign(
      this.s.identity,
      signedBytes(this.networkIdBytes, packet.nonce, requestHash(packet.envelope), envelope),
    )
    socket.send(
      from.address,
      encodeResponse(this.tag, packet.nonce, this.s.identity.publicKey, signature, envelope),
    )
    this.s.metrics.datagrams.inc(1, { result: 'served' })
  }

  /** Settles the request an answer is for, once its address, signature and type check out. */
  private answer(packet: Extract<DecodedPacket, { kind: 'response' }>, from: DatagramSource): undefined {
    const p = this.pending.get(hex(packet.nonce))
    if (p === undefined) return this.drop('unexpected')
    if (tryParseAddress(from.address)?.address !== p.address) return this.drop('wrong-source')
    const signed = signedBytes(this.networkIdBytes, packet.nonce, p.hash, packet.envelope)
    if (!verify(packet.publicKey, signed, packet.signature)) return this.drop('bad-signature')
    let message: Message
    try {
      message = decode(packet.envelope.slice())
    } catch {
      return this.drop('invalid')
    }
    if (message.type !== p.response) return this.drop('invalid')
    const peerId = peerIdFromPublicKey(packet.publicKey.slice())
    this.s.metrics.datagrams.inc(1, { result: 'answered' })
    if (p.peerId !== undefined && peerId !== p.peerId) {
      p.settle(
        new RequestError('ERR_WRONG_PEER', `another peer answered at ${p.address}`, {
          address: p.address,
          expected: p.peerId,
          answered: peerId,
        }),
      )
      return
    }
    p.settle(undefined, { peerId, message, address: p.address })
  }

  private drop(reason: string): undefined {
    this.s.metrics.datagrams.inc(1, { result: reason })
  }
}

function decodePacketSafely(bytes: Uint8Array, tag: Uint8Array): DecodedPacket {
  // decodePacket never throws; the guard keeps a receive callback from ever throwing into the socket
  try {
    return decodePacket(bytes, tag)
  } catch {
    return { kind: 'drop', reason: 'malformed' }
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

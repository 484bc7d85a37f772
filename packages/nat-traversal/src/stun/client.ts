import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, type Socket } from 'node:net'
import { AbortError, type Clock, deadline, type OptionSpec, option, systemClock } from '@chainwire/interface'
import { NatError } from '../errors'
import { resolveNatOptions } from '../options'
import { decodeAddress, mappedAddressOf, type StunAddress, textAttribute, u32Attribute } from './attributes'
import {
  attribute,
  type DecodedStunMessage,
  newTransactionId,
  StunAttr,
  type StunMessage,
  StunMethod,
} from './message'
import { StunStreamChannel } from './stream-channel'
import { udpTransaction } from './udp-transaction'

/** A STUN server's transport address. */
export interface StunEndpoint {
  host: string
  port: number
}

/** What a Binding transaction learned. */
export interface BindingResult {
  /** Our address as the server saw it (the NAT's mapping of our local address). */
  readonly mapped: StunAddress
  /** Our local address the request went out from. */
  readonly local: StunEndpoint
  /** The server's other address (RFC 5780 OTHER-ADDRESS), when it has one. */
  readonly otherAddress: StunAddress | undefined
  /** Round trip of the transaction, in ms (including retransmissions). */
  readonly rttMs: number
}

/** Options of {@link StunClient}. */
export interface StunClientOptions {
  /** First UDP retransmission timeout, doubled after each try (RFC 5389 RTO). @default 500 */
  rtoMs?: number
  /** UDP requests sent at most per transaction (RFC 5389 Rc). @default 7 */
  maxRequests?: number
  /** Deadline of one transaction (UDP or TCP, including the TCP connect). @default 9_500 */
  timeoutMs?: number
  /** SOFTWARE attribute sent with requests; empty sends none. @default 'chainwire' */
  software?: string
}

type ResolvedClientOptions = Required<StunClientOptions>

const clientSpec: OptionSpec<ResolvedClientOptions> = {
  rtoMs: option.integer(500, { min: 1, max: 60_000 }),
  maxRequests: option.integer(7, { min: 1, max: 16 }),
  timeoutMs: option.integer(9_500, { min: 1, max: 600_000 }),
  software: option.string('chainwire', { maxLength: 127 }),
}

/** What the STUN client uses from its node. */
export interface StunClientComponents {
  /** @default systemClock */
  clock?: Clock
}

/** Options of one Binding transaction. */
export interface BindingOptions {
  /** Send from this UDP socket (already bound) instead of a new one; it is left open. */
  socket?: UdpSocket
  /** Bind a new socket to this local port (UDP) or dial from it (TCP). @default 0 (any) */
  localPort?: number
  /** Bind a new socket to this local address. @default '0.0.0.0' */
  localAddress?: string
  /** Ask the server to answer from its other IP and/or port (RFC 5780 CHANGE-REQUEST; UDP only). */
  change?: { ip: boolean; port: boolean }
  /** Override the transaction deadline. @default the client's timeoutMs */
  timeoutMs?: number
  /** Override the UDP requests sent at most. @default the client's maxRequests */
  maxRequests?: number
  signal?: AbortSignal
}

/**
 * A STUN client (RFC 5389/8489 Binding) over UDP and TCP. Responses are matched by transaction id and
 * checked for FINGERPRINT; stray or forged datagrams are ignored. Over TCP the connection can be kept open
 * (`bindingTcp(..., { keepOpen: true })`), which keeps the NAT mapping of that local port alive: how a hole
 * punch learns the external port of the port it will dial from.
 */
export class StunClient {
  private readonly clock: Clock
  private readonly options: ResolvedClientOptions

  constructor(components: StunClientComponents = {}, options: StunClientOptions = {}) {
    this.clock = components.clock ?? systemClock
    this.options = resolveNatOptions(clientSpec, options)
  }

  /** A Binding request over UDP; resolves with the mapped address. */
  async bindingUdp(server: StunEndpoint, options: BindingOptions = {}): Promise<BindingResult> {
    const owned = options.socket === undefined
    const socket =
      options.socket ?? (await bindUdp(options.localPort ?? 0, options.localAddress ?? '0.0.0.0'))
    try {
      const attributes = this.baseAttributes()
      if (options.change !== undefined) {
        const flags = (options.change.ip ? 0x4 : 0) | (options.change.port ? 0x2 : 0)
        attributes.push(u32Attribute(StunAttr.changeRequest, flags))
      }
      const request: StunMessage = {
        method: StunMethod.binding,
        cls: 'request',
        transactionId: newTransactionId(),
        attributes,
      }
      const response = await udpTransaction(socket, server, request, {
        clock: this.clock,
        retransmission: {
          rtoMs: this.options.rtoMs,
          maxRequests: options.maxRequests ?? this.options.maxRequests,
          timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
        },
        signal: options.signal,
      })
      const local = socket.address()
      return resultOf(response.message, { host: local.address, port: local.port }, response.rttMs)
    } finally {
      if (owned) socket.close()
    }
  }

  /**
   * A Binding request over a new TCP connection from `localPort` (any when 0). With `keepOpen` the
   * connection is returned open (its mapping stays alive until the caller closes it); otherwise it is closed.
   */
  async bindingTcp(
    server: StunEndpoint,
    options: BindingOptions & { keepOpen?: boolean } = {},
  ): Promise<BindingResult & { socket: Socket | undefined }> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs
    const started = this.clock.now()
    const timer = deadline(this.clock, timeoutMs, options.signal, 'STUN over TCP')
    let socket: Socket | undefined
    try {
      socket = await connectTcp(server, options, timer.signal)
      const channel = new StunStreamChannel(socket, this.clock)
      const request: StunMessage = {
        method: StunMethod.binding,
        cls: 'request',
        transactionId: newTransactionId(),
        attributes: this.baseAttributes(),
      }
      const response = await channel.request(request, { timeoutMs, signal: timer.signal })
      const result = resultOf(
        response,
        { host: socket.localAddress as string, port: socket.localPort as number },
        this.clock.now() - started,
      )
      if (options.keepOpen !== true) {
        socket.destroy()
        return { ...result, socket: undefined }
      }
      channel.detach()
      return { ...result, socket }
    } catch (err) {
      socket?.destroy()
      if (timer.signal.aborted && !NatError.isInstance(err)) {
        throw options.signal?.aborted === true
          ? new AbortError('the STUN request was aborted', { cause: err })
          : new NatError('ERR_STUN_TIMEOUT', `no STUN response over TCP from ${server.host}:${server.port}`)
      }
      throw err
    } finally {
      timer.clear()
    }
  }

  private baseAttributes(): { type: number; value: Uint8Array }[] {
    return this.options.software === '' ? [] : [textAttribute(StunAttr.software, this.options.software)]
  }
}

function resultOf(message: DecodedStunMessage, local: StunEndpoint, rttMs: number): BindingResult {
  const mapped = mappedAddressOf(message)
  if (mapped === undefined) {
    throw new NatError('ERR_STUN_MISMATCH', 'the Binding response has no mapped address')
  }
  const other = attribute(message, StunAttr.otherAddress)
  return { mapped, local, otherAddress: other === undefined ? undefined : decodeAddress(other), rttMs }
}

/** Binds a UDP socket; rejects with the bind error. */
export function bindUdp(port: number, address: string): Promise<UdpSocket> {
  const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' })
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.removeListener('error', reject)
      socket.on('error', () => {})
      resolve(socket)
    })
  })
}

/**
 * Opens a TCP connection, optionally from a chosen local port; rejects on error or abort. The socket is
 * bound with SO_REUSEADDR, so several connections can leave from one local port to different destinations.
 */
export function connectTcp(
  server: StunEndpoint,
  from: { localPort?: number; localAddress?: string },
  signal: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    // Always bind explicitly (libuv then sets SO_REUSEADDR on the socket), so that a later dial from the
    // same local port to another destination can bind it while this connection is open.
    const socket = connect({
      host: server.host,
      port: server.port,
      localAddress: from.localAddress ?? (server.host.includes(':') ? '::' : '0.0.0.0'),
      localPort: from.localPort ?? 0,
    })
    const onAbort = (): void => {
      socket.destroy()
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort)
      reject(err)
    })
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort)
      socket.removeAllListeners('error')
      socket.on('error', () => {})
      resolve(socket)
    })
  })
}

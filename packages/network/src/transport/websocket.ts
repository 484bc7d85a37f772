import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import { formatHost, type Logger, noopLogger, type SocketAddress } from '@chainwire/interface'
import WebSocket, { WebSocketServer } from 'ws'
import { normalizeHost, parseFor, protocolOf } from './address'
import { abortError, dialError, dialTarget, TransportError } from './errors'
import { bindServer, SocketConnection, socketAddresses } from './socket-connection'
import type { Listener, RawConnection, Transport } from './transport'
import { WebSocketStream } from './websocket-stream'

/** The default largest WebSocket message: a 4,000,000-byte chainwire message plus framing overhead. */
export const DEFAULT_WS_MAX_PAYLOAD = 4 * 1024 * 1024 + 64 * 1024

/** TLS material for `wss://`: the key and certificate to listen with, and what to trust when dialing. */
export interface WebSocketTlsOptions {
  /** PEM private key for `wss://` listeners. Required to listen on `wss://`. */
  key?: string | Buffer
  /** PEM certificate chain for `wss://` listeners. Required to listen on `wss://`. */
  cert?: string | Buffer
  /** CA certificates trusted when dialing `wss://`, replacing the system's (self-signed test certificates). @default the system CAs */
  ca?: string | Buffer | Array<string | Buffer>
  /** Refuse `wss://` servers whose certificate does not verify against `ca`. @default true */
  rejectUnauthorized?: boolean
}

/** What the WebSocket transport uses from its node. */
export interface WebSocketTransportComponents {
  /** @default noopLogger */
  logger?: Logger
}

/** Options of {@link createWebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** TLS for `wss://`. @default undefined (only `ws://` can be listened on) */
  tls?: WebSocketTlsOptions
  /**
   * Largest WebSocket message accepted; a bigger one closes the connection (code 1009). Writes longer than
   * this are sent as several frames, so use the same value on both ends. @default 4_259_840 (4 MiB + 64 KiB)
   */
  maxPayload?: number
  /** Negotiate permessage-deflate. Off: Noise ciphertext does not compress and zlib costs memory. @default false */
  perMessageDeflate?: boolean
  /** Buffer size of each connection's stream, and the send backlog past which `write()` returns false. @default 65_536 */
  highWaterMark?: number
  /** Time allowed for a listener to receive an upgrade request's headers, in ms (Node's HTTP server timers). @default 10_000 */
  handshakeTimeout?: number
  /** How long `end()` waits for the remote's close frame before dropping the socket, in ms (ws's timer). @default 5_000 */
  closeTimeout?: number
  /** Sockets one listener holds open at once; a backstop below the connection manager's limits. @default 4096 */
  maxConnections?: number
  /** Length of the kernel's queue of connections not yet accepted. @default 511 */
  backlog?: number
  /**
   * Mask the frames this transport sends as a client with a random key, as RFC 6455 requires. `false` sends
   * an all-zero key instead: still valid frames for any server, but `ws` then skips the copy and XOR pass,
   * which makes dialer-to-listener throughput several times higher. Masking protects proxies from
   * attacker-chosen plaintext in browsers; chainwire sends only Noise ciphertext, so it can be turned off
   * when throughput matters. @default true
   */
  maskClientFrames?: boolean
}

function zeroMask(mask: Buffer): void {
  mask.fill(0)
}

/**
 * Creates the WebSocket transport (`ws://host:port/path`, `wss://host:port/path`) on the `ws` library: binary
 * frames only, no compression, a bounded message size and a lean Duplex adapter with backpressure both ways.
 */
export function createWebSocketTransport(
  components: WebSocketTransportComponents = {},
  options: WebSocketTransportOptions = {},
): Transport {
  return new WebSocketTransport(components, options)
}

class WebSocketTransport implements Transport {
  readonly protocols = ['ws:', 'wss:'] as const
  private readonly log: Logger
  private readonly tls: WebSocketTlsOptions
  private readonly maxPayload: number
  private readonly perMessageDeflate: boolean
  private readonly highWaterMark: number
  private readonly handshakeTimeout: number
  private readonly closeTimeout: number
  private readonly maxConnections: number
  private readonly backlog: number
  private readonly maskClientFrames: boolean
  private readonly onError: (err: Error) => void

  constructor(components: WebSocketTransportComponents, options: WebSocketTransportOptions) {
    this.log = (components.logger ?? noopLogger).child({ component: 'transport:ws' })
    this.tls = options.tls ?? {}
    this.maxPayload = options.maxPayload ?? DEFAULT_WS_MAX_PAYLOAD
    this.perMessageDeflate = options.perMessageDeflate ?? false
    this.highWaterMark = options.highWaterMark ?? 65_536
    this.handshakeTimeout = options.handshakeTimeout ?? 10_000
    this.closeTimeout = options.closeTimeout ?? 5_000
    this.maxConnections = options.maxConnections ?? 4096
    this.backlog = options.backlog ?? 511
    this.maskClientFrames = options.maskClientFrames ?? true
    if (!Number.isSafeInteger(this.maxPayload) || this.maxPayload < 1) {
      throw new TransportError('ERR_INVALID_OPTIONS', 'maxPayload must be a positive integer', {
        maxPayload: this.maxPayload,
      })
    }
    this.onError = (err) => this.log.debug({ err }, 'websocket error')
  }

  dial(address: string, options: { signal: AbortSignal }): Promise<RawConnection> {
    const signal = options?.signal
    const target = dialTarget(address, (a) => this.parse(a), signal)
    if (target instanceof Error) return Promise.reject(target)
    return new Promise<RawConnection>((resolve, reject) => {
      // `closeTimeout` is a ws option its type definitions do not list yet.
      const clientOptions: WebSocket.ClientOptions & { closeTimeout: number } = {
        perMessageDeflate: this.perMessageDeflate,
        maxPayload: this.maxPayload,
        skipUTF8Validation: true,
        followRedirects: false,
        closeTimeout: this.closeTimeout,
        ca: this.tls.ca,
        rejectUnauthorized: this.tls.rejectUnauthorized ?? true,
        ...(this.maskClientFrames ? {} : { generateMask: zeroMask }),
      }
      const ws = new WebSocket(target.address, clientOptions)
      let socket: Socket | undefined
      let settled = false
      const fail = (err: Error): void => {
        if (settled) return
        settled = true
        signal?.removeEventListener('abort', onAbort)
        ws.terminate()
        reject(err)
      }
      const onAbort = (): void => fail(abortError(signal))
      ws.on('error', (err) => {
        if (settled) this.onError(err)
        else fail(dialError(address, err))
      })
      ws.once('upgrade', (res: IncomingMessage) => {
        socket = res.socket as Socket
      })
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        const status = res.statusCode
        fail(
          new TransportError('ERR_DIAL_FAILED', `${address} answered HTTP ${status} instead of upgrading`, {
            address,
            status,
          }),
        )
      })
      ws.once('open', () => {
        if (settled) return
        settled = true
        signal?.removeEventListener('abort', onAbort)
        const addresses =
          socket === undefined ? undefined : socketAddresses(socket, protocolOf(target), target.path)
        if (addresses === undefined) {
          ws.terminate()
          reject(dialError(address, new Error('socket closed during the upgrade')))
          return
        }
        const stream = this.wrap(ws)
        resolve(new SocketConnection(stream, addresses, 'outbound'))
      })
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  async listen(address: string, onConnection: (conn: RawConnection) => void): Promise<Listener> {
    const target = this.parse(address)
    const secure = target.scheme === 'wss'
    if (secure && (this.tls.key === undefined || this.tls.cert === undefined)) {
      throw new TransportError('ERR_INVALID_OPTIONS', 'listening on wss:// needs tls.key and tls.cert', {
        address,
      })
    }
    const serverOptions = {
      noDelay: true,
      headersTimeout: this.handshakeTimeout,
      requestTimeout: this.handshakeTimeout,
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(this.handshakeTimeout / 4))),
    }
    const server: Server = secure
      ? createHttpsServer({ ...serverOptions, key: this.tls.key, cert: this.tls.cert })
      : createHttpServer(serverOptions)
    server.maxConnections = this.maxConnections
    const wssOptions: WebSocket.ServerOptions & { closeTimeout: number } = {
      noServer: true,
      path: target.path,
      maxPayload: this.maxPayload,
      perMessageDeflate: this.perMessageDeflate,
      clientTracking: false,
      skipUTF8Validation: true,
      closeTimeout: this.closeTimeout,
    }
    const wss = new WebSocketServer(wssOptions)
    const listener = new WebSocketListener(server, wss, target)
    server.on('request', (_req, res) => {
      res.writeHead(426, { connection: 'close', upgrade: 'websocket' })
      res.end()
    })
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', this.onError)
      if (listener.closed || !wss.shouldHandle(req)) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () =>
          socket.destroy(),
        )
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket, target, listener, onConnection))
    })
    server.on('tlsClientError', (err) => this.log.debug({ err }, 'tls handshake failed'))
    server.on('clientError', (err, socket) => {
      this.log.debug({ err }, 'bad http request')
      socket.destroy()
    })
    await bindServer(server, address, target, this.backlog, this.log)
    listener.bound()
    return listener
  }

  private accept(
    ws: WebSocket,
    socket: Socket,
    target: SocketAddress,
    listener: WebSocketListener,
    onConnection: (conn: RawConnection) => void,
  ): void {
    const addresses = socketAddresses(socket, protocolOf(target), '', target.path)
    if (listener.closed || addresses === undefined) {
      ws.terminate()
      return
    }
    const stream = this.wrap(ws)
    try {
      onConnection(new SocketConnection(stream, addresses, 'inbound'))
    } catch (err) {
      this.log.warn({ err }, 'connection handler threw; closing the connection')
      stream.destroy()
    }
  }

  private wrap(ws: WebSocket): WebSocketStream {
    const stream = new WebSocketStream(ws, {
      highWaterMark: this.highWaterMark,
      maxFrameSize: this.maxPayload,
    })
    stream.on('error', this.onError)
    return stream
  }

  private parse(address: string): SocketAddress {
    return parseFor(address, 'websocket', ['ws', 'wss'])
  }
}

class WebSocketListener implements Listener {
  addresses: readonly string[] = []
  closed = false
  private readonly server: Server
  private readonly wss: WebSocketServer
  private readonly target: SocketAddress
  private closing: Promise<void> | undefined

  constructor(server: Server, wss: WebSocketServer, target: SocketAddress) {
    this.server = server
    this.wss = wss
    this.target = target
  }

  /** Records the bound address once listening (the real port when listening on port 0). */
  bound(): void {
    const bound = this.server.address()
    if (bound === null || typeof bound === 'string') return
    const path = this.target.path === '/' ? '' : this.target.path
    this.addresses = [
      `${protocolOf(this.target)}//${formatHost(normalizeHost(bound.address))}:${bound.port}${path}`,
    ]
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closed = true
      this.wss.close()
      // Releases the port at once and drops idle HTTP connections; upgraded sockets belong to their
      // connections and stay open.
      this.server.close()
      this.server.closeIdleConnections()
      resolve()
    })
    return this.closing
  }
}

import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { formatHost, type Logger, noopLogger, type SocketAddress } from '@chainwire/interface'
import { normalizeHost, parseFor } from './address'
import { abortError, dialError, dialTarget } from './errors'
import { bindServer, SocketConnection, socketAddresses } from './socket-connection'
import type {
  DatagramReceiver,
  DatagramSocket,
  Listener,
  RawConnection,
  ReadSink,
  Transport,
} from './transport'
import { bindUdp } from './udp'

/**
 * The one buffer every dialed socket of the process reads into (Node's `onread`). Reads are handled one at a
 * time on the main thread, and each is consumed (decrypted or copied) before its callback returns, so one
 * buffer serves them all: a dialed connection costs no read buffer of its own and no allocation per read.
 * 256 KiB lets a busy socket hand over several Noise messages per system call.
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(256 * 1024)

/** What the TCP transport uses from its node. */
export interface TcpTransportComponents {
  /** @default noopLogger */
  logger?: Logger
}

/** Options of {@link createTcpTransport}. */
export interface TcpTransportOptions {
  /** Disable Nagle's algorithm (TCP_NODELAY) on every socket: Noise frames go out at once. @default true */
  noDelay?: boolean
  /** Send TCP keep-alive probes on idle connections, so dead peers are noticed by the OS. @default true */
  keepAlive?: boolean
  /** Idle time before the first keep-alive probe, in ms. @default 60_000 */
  keepAliveInitialDelay?: number
  /** Length of the kernel's queue of connections not yet accepted. @default 511 */
  backlog?: number
  /**
   * Sockets one listener holds open at once; further inbound sockets are closed as they are accepted. A
   * backstop only: the connection manager enforces the real inbound limits. @default 4096
   */
  maxConnections?: number
}

/**
 * Creates the TCP transport (`tcp://host:port`, IPv4 and IPv6). Each connection's `stream` is the
 * `net.Socket` itself, with no extra stream layer.
 */
export function createTcpTransport(
  components: TcpTransportComponents = {},
  options: TcpTransportOptions = {},
): Transport {
  return new TcpTransport(components, options)
}

class TcpTransport implements Transport {
  readonly protocols = ['tcp:'] as const
  private readonly log: Logger
  private readonly noDelay: boolean
  private readonly keepAlive: boolean
  private readonly keepAliveInitialDelay: number
  private readonly backlog: number
  private readonly maxConnections: number
  private readonly onSocketError: (err: Error) => void

  constructor(components: TcpTransportComponents, options: TcpTransportOptions) {
    this.log = (components.logger ?? noopLogger).child({ component: 'transport:tcp' })
    this.noDelay = options.noDelay ?? true
    this.keepAlive = options.keepAlive ?? true
    this.keepAliveInitialDelay = options.keepAliveInitialDelay ?? 60_000
    this.backlog = options.backlog ?? 511
    this.maxConnections = options.maxConnections ?? 4096
    // Every socket keeps this listener, so a reset never becomes an uncaught 'error'; the socket still
    // emits 'close', and the owner's own 'error' listeners still see the error.
    this.onSocketError = (err) => this.log.debug({ err }, 'socket error')
  }

  dial(address: string, options: { signal: AbortSignal }): Promise<RawConnection> {
    const signal = options?.signal
    const target = dialTarget(address, (a) => this.parse(a), signal)
    if (target instanceof Error) return Promise.reject(target)
    return new Promise<RawConnection>((resolve, reject) => {
      let connection: DialedConnection | undefined
      const socket = createConnection({
        host: target.host,
        port: target.port,
        noDelay: this.noDelay,
        keepAlive: this.keepAlive,
        keepAliveInitialDelay: this.keepAliveInitialDelay,
        onread: {
          buffer: READ_BUFFER,
          callback: (bytes: number, buffer: Uint8Array): boolean =>
            connection?.read(buffer as Buffer, bytes) ?? false,
        },
      })
      const cleanup = (): void => {
        socket.removeListener('connect', onConnect)
        socket.removeListener('error', onError)
        signal?.removeEventListener('abort', onAbort)
      }
      const onConnect = (): void => {
        cleanup()
        const addresses = socketAddresses(socket, 'tcp:')
        if (addresses === undefined) {
          socket.destroy()
          reject(dialError(address, new Error('socket closed during connect')))
          return
        }
        socket.on('error', this.onSocketError)
        connection = new DialedConnection(socket, addresses, 'outbound')
        resolve(connection)
      }
      const onError = (err: Error): void => {
        cleanup()
        socket.on('error', this.onSocketError)
        socket.destroy()
        reject(dialError(address, err))
      }
      const onAbort = (): void => {
        cleanup()
        socket.on('error', this.onSocketError)
        socket.destroy()
        reject(abortError(signal))
      }
      socket.once('connect', onConnect)
      socket.once('error', onError)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  async listen(address: string, onConnection: (conn: RawConnection) => void): Promise<Listener> {
    const target = this.parse(address)
    const server = createServer({
      noDelay: this.noDelay,
      keepAlive: this.keepAlive,
      keepAliveInitialDelay: this.keepAliveInitialDelay,
    })
    server.maxConnections = this.maxConnections
    server.on('connection', (socket: Socket) => this.accept(socket, onConnection))
    server.on('drop', () => this.log.debug('listener full: dropped an inbound socket'))
    await bindServer(server, address, target, this.backlog, this.log)
    return new TcpListener(server)
  }

  /** A UDP socket on the host and port of a TCP listen address (the DHT's datagram wire). */
  bindDatagram(address: string, onDatagram: DatagramReceiver): Promise<DatagramSocket> {
    return bindUdp(this.parse(address), address, onDatagram, this.log)
  }

  private accept(socket: Socket, onConnection: (conn: RawConnection) => void): void {
    socket.on('error', this.onSocketError)
    const addresses = socketAddresses(socket, 'tcp:')
    if (addresses === undefined) {
      socket.destroy()
      return
    }
    try {
      onConnection(new SocketConnection(socket, addresses, 'inbound'))
    } catch (err) {
      this.log.warn({ err }, 'connection handler threw; closing the connection')
      socket.destroy()
    }
  }

  private parse(address: string): SocketAddress {
    return parseFor(address, 'tcp', ['tcp'])
  }
}

/**
 * A socket we dialed: it reads into {@link READ_BUFFER}, and gives each read to the {@link ReadSink} when one
 * is set (the Noise stream decrypts straight from it), else pushes a copy to the socket's readable side,
 * where it arrives as from any socket.
 */
class DialedConnection extends SocketConnection {
  private sink: ReadSink | undefined

  setReadSink(sink: ReadSink | undefined): void {
    this.sink = sink
  }

  /** Node's `onread` callback: false stops reading until the socket is resumed or read. */
  read(buffer: Buffer, bytes: number): boolean {
    const view = buffer.subarray(0, bytes)
    const sink = this.sink
    if (sink !== undefined) return sink.receive(view)
    return this.stream.push(Buffer.from(view))
  }
}

class TcpListener implements Listener {
  readonly addresses: readonly string[]
  private readonly server: Server
  private closing: Promise<void> | undefined

  constructor(server: Server) {
    this.server = server
    const bound = server.address()
    if (bound === null || typeof bound === 'string') this.addresses = []
    else this.addresses = [`tcp://${formatHost(normalizeHost(bound.address))}:${bound.port}`]
  }

  close(): Promise<void> {
    // `server.close()` releases the port at once; its callback would wait for every accepted socket, which
    // the listener no longer owns, so it is not awaited.
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close()
      resolve()
    })
    return this.closing
  }
}

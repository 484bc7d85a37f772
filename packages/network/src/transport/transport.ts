import type { Duplex } from 'node:stream'

/** Which side opened a connection. */
export type Direction = 'inbound' | 'outbound'

/**
 * A raw, unauthenticated byte connection produced by a transport. The secure channel (Noise XX) runs on
 * `stream`; nothing above the transport touches sockets directly.
 */
export interface RawConnection {
  /** Plaintext-on-the-wire byte stream (a TCP socket, a WebSocket stream or an in-memory pipe). */
  readonly stream: Duplex
  /** The remote end as a URL, such as `tcp://127.0.0.1:40312` or `tcp://[::1]:40312` or `memory://b`. */
  readonly remoteAddress: string
  /** Our end as a URL. */
  readonly localAddress: string
  /**
   * The remote host used for per-IP and per-subnet limits: an IPv4/IPv6 literal for tcp/ws/wss, and the
   * synthetic IP the memory network assigned for `memory://`.
   */
  readonly remoteHost: string
  readonly direction: Direction
  /** Tears the connection down at once; idempotent. */
  close(err?: Error): void
  /**
   * True for connections between two ends in the same process (the memory transport): writes cost no
   * system call and are not limited by a link, so the per-turn send budget (the network option
   * `sealBytesPerTurn`) does not apply to them. @default false
   */
  readonly inProcess?: boolean
  /**
   * Present on connections that can hand their reads over without allocating (TCP sockets we dial: they
   * read into one buffer reused by every such socket of the process). Once a sink is set, each read goes
   * to `sink.receive(bytes)` instead of `stream`'s readable side. `bytes` is valid only during that call:
   * the sink must use or copy it before returning, and return false to stop reading until `stream.resume()`.
   * End of stream, errors and everything on the writable side still come through `stream`. Until a sink is
   * set (and after it is cleared with undefined), reads arrive on `stream` as usual, as copies.
   */
  setReadSink?(sink: ReadSink | undefined): void
}

/** Takes the reads of a connection with {@link RawConnection.setReadSink}. */
export interface ReadSink {
  /** One read: valid only during the call. False stops reading until the stream is resumed. */
  receive(bytes: Buffer): boolean
}

/** A listening endpoint. */
export interface Listener {
  /** The bound addresses as URLs, with the real port when listening on port 0. */
  readonly addresses: readonly string[]
  /** Stops accepting and releases the port. Connections already handed over are not closed. */
  close(): Promise<void>
}

/**
 * One transport (tcp, ws/wss, memory). A dial requires a signal (the caller owns the deadline); every
 * transport passes the shared compliance suite in `test/transport-compliance.ts`.
 */
export interface Transport {
  /** URL schemes this transport handles, such as `['tcp:']` or `['ws:', 'wss:']`. */
  readonly protocols: readonly string[]
  dial(address: string, options: { signal: AbortSignal }): Promise<RawConnection>
  listen(address: string, onConnection: (conn: RawConnection) => void): Promise<Listener>
  /**
   * Binds a datagram endpoint at a listen address of this transport (TCP: a UDP socket on the same host and
   * port; memory: the same name on the memory network's datagram side). Transports without datagrams (ws,
   * wss) leave it out. Datagrams may be lost, duplicated or reordered; nothing is retransmitted.
   */
  bindDatagram?(address: string, onDatagram: DatagramReceiver): Promise<DatagramSocket>
}

/** Where a datagram came from: as the transport saw it, unauthenticated (a source may be spoofed). */
export interface DatagramSource {
  /** The sender as an address of the transport's scheme: `tcp://ip:port` for UDP, `memory://name`. */
  readonly address: string
  /** The sender's host, for per-IP limits: an IP literal, or the memory endpoint's synthetic IP. */
  readonly host: string
}

/** Receives the datagrams of a bound {@link DatagramSocket}; `bytes` is valid only during the call. */
export type DatagramReceiver = (bytes: Uint8Array, from: DatagramSource) => void

/** A bound datagram endpoint. */
export interface DatagramSocket {
  /** The bound address (the listen address it shares, with the real port). */
  readonly address: string
  /**
   * Sends one datagram to an address of the transport's scheme. False when this socket cannot reach it (a
   * DNS name, another address family, a closed socket); a datagram sent may still be lost on the way.
   */
  send(to: string, bytes: Uint8Array): boolean
  /** Whether {@link send} can reach `to` from this socket. */
  canSend(to: string): boolean
  /** Releases the port or name. Idempotent. */
  close(): Promise<void>
}

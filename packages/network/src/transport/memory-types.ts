/**
 * The types of the in-process memory network that its streams and its scheduler hook share: endpoints,
 * links, connections and packets as a {@link MemoryScheduler} sees them.
 */

/** One attached transport (a node's network interface) as the memory network and its scheduler see it. */
export interface MemoryEndpoint {
  /** Unique within the network, from 1 in creation order. */
  readonly id: number
  /** The synthetic IP the endpoint appears from: the `remoteHost` its peers see. */
  readonly host: string
  /** A name for logs and schedulers (netsim's node name); also the endpoint's address on dialed connections. */
  readonly label: string
}

/** What travels on a link: bytes, or the writer's end of stream (FIN). */
export type MemoryPacketType = 'data' | 'end'

/** One direction of one memory connection. */
export interface MemoryLink {
  /** The connection this direction belongs to. */
  readonly connection: MemoryConnection
  /** The endpoint writing. */
  readonly from: MemoryEndpoint
  /** The endpoint reading. */
  readonly to: MemoryEndpoint
  /** Bytes written into this direction and not yet delivered or dropped (reorder-waiting ones included). */
  readonly bytesInFlight: number
}

/**
 * One packet handed to {@link MemoryScheduler.transmit}: a chunk as the writer wrote it, or the end of
 * stream. The scheduler settles it exactly once, with `deliver()` or `drop()`, at any later time (or at
 * once, even inside `transmit`). Settling twice, or after the connection closed, is a no-op.
 */
export interface MemoryTransmission {
  readonly link: MemoryLink
  readonly type: MemoryPacketType
  /** The chunk (empty for `'end'`). Shared with the writer and the reader: never modify it. */
  readonly bytes: Uint8Array
  /** `bytes.byteLength`: what a bandwidth model charges. */
  readonly byteLength: number
  /** Position in this link's packets, from 0. */
  readonly seq: number
  /**
   * The packet has arrived. The reader gets it on the next `process.nextTick`, and only after every earlier
   * packet of the same link was delivered or dropped: order per direction is kept whatever the scheduler
   * does, so a packet delivered early waits for the ones before it.
   */
  deliver(): void
  /**
   * The packet is lost. Later packets of the link no longer wait for it. Dropping data leaves a gap in the
   * byte stream (the secure channel above then fails, as with corruption); dropping `'end'` leaves the
   * reader waiting for more.
   */
  drop(): void
}

/**
 * A dial on its way to a listener, handed to {@link MemoryScheduler.connect}. Settle it once: `accept()`
 * creates the connection (the listener's handler runs, then the dial resolves), `refuse()` fails the dial.
 * If the dial was aborted, or the listener closed, before `accept()`, accepting is a no-op or a refusal.
 */
export interface MemoryDialAttempt {
  readonly dialer: MemoryEndpoint
  readonly listener: MemoryEndpoint
  /** The listener name dialed (`memory://<name>`). */
  readonly name: string
  accept(): void
  /** Fails the dial with `error`, by default a `TransportError` with code `ERR_CONNECTION_REFUSED`. */
  refuse(error?: Error): void
}

/**
 * One datagram handed to {@link MemoryScheduler.datagram}: settle it once, with `deliver()` (the receiver
 * gets it on the next `process.nextTick`, if the name is still bound then) or `drop()` (lost). Unlike a
 * connection's packets, datagrams keep no order and are never retransmitted.
 */
export interface MemoryDatagram {
  readonly from: MemoryEndpoint
  readonly to: MemoryEndpoint
  /** The bytes. Shared with the sender and the receiver: never modify them. */
  readonly bytes: Uint8Array
  readonly byteLength: number
  deliver(): void
  drop(): void
}

/** The network's handle on an open memory connection. */
export interface MemoryConnection {
  /** Unique within the network, from 1 in creation order. */
  readonly id: number
  readonly dialer: MemoryEndpoint
  readonly listener: MemoryEndpoint
  /** The listener name that was dialed. */
  readonly name: string
  /** Dialer to listener. */
  readonly outbound: MemoryLink
  /** Listener to dialer. */
  readonly inbound: MemoryLink
  /** True once both ends' streams are destroyed. */
  readonly closed: boolean
  /**
   * Destroys both ends at once with `error` (default `ERR_CONNECTION_RESET`), bypassing the scheduler: what
   * both TCP stacks do when a cut link outlives their retransmission timeout. Packets still in flight are
   * discarded.
   */
  reset(error?: Error): void
}

/**
 * The hook a network simulator plugs into {@link MemoryNetwork}: it decides when each dial and each packet
 * arrives, on its own (virtual) clock. Latency: deliver later. Bandwidth and queueing: deliver after the
 * link's serialisation backlog. A cut link: hold the packets and deliver them when it heals (or `reset()`
 * the connections), or drop them. `connect` runs synchronously inside `dial()`; `transmit` runs synchronously
 * when a stream hands a chunk to its link (inside `write()`, or later when a write held by backpressure is
 * released).
 */
export interface MemoryScheduler {
  /** Called for every packet, in write order per link. Required. */
  transmit(transmission: MemoryTransmission): void
  /** Called for every dial that found a listener. @default accept on the next `process.nextTick` */
  connect?(attempt: MemoryDialAttempt): void
  /** Called when a connection is created, before either side sees it. */
  opened?(connection: MemoryConnection): void
  /** Called when both ends of a connection are destroyed: drop any per-connection state. */
  closed?(connection: MemoryConnection): void
  /**
   * Called for every datagram sent to a bound name. A scheduler without it delivers datagrams on the next
   * `process.nextTick` (no latency). @default deliver on the next tick
   */
  datagram?(datagram: MemoryDatagram): void
}

/** Options of {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /**
   * Decides when dials and bytes arrive (the netsim hook). Without one, dials connect and every packet
   * reaches the reader on the next `process.nextTick`. @default undefined
   */
  scheduler?: MemoryScheduler
}

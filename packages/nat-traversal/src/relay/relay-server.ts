import { randomBytes } from 'node:crypto'
import {
  type Clock,
  type Logger,
  type Metrics,
  networkGroup,
  noopLogger,
  noopMetrics,
  type OptionSpec,
  option,
  type PeerId,
  systemClock,
  type TimerHandle,
} from '@chainwire/interface'
import {
  createTcpTransport,
  type Listener,
  type Network,
  type PeerInfo,
  type RawConnection,
} from '@chainwire/network'
import type { Message, MessageOf } from '@chainwire/protocol-codec'
import { resolveNatOptions } from '../options'
import { CIRCUIT_PREAMBLE_LENGTH, type CircuitTransport, tokenOfPreamble } from './circuit-socket'

/** Options of {@link RelayServer}. */
export interface RelayServerOptions {
  /**
   * Where circuit ends connect (an address of the circuit transport; a TCP port 0 picks one).
   * @default 'tcp://0.0.0.0:0'
   */
  circuitListen?: string
  /**
   * The circuit address given to peers. @default the bound circuit address (set it when listening on a
   * wildcard host, which no peer can dial)
   */
  circuitAnnounce?: string
  /** Reservations held at most. @default 128 */
  maxReservations?: number
  /** Reservations held by peers of one network group at most (reservation floods from one operator). @default 8 */
  maxReservationsPerGroup?: number
  /** How long a reservation lasts; the holder refreshes it before. @default 3_600_000 */
  reservationTtlMs?: number
  /** Circuits open or being set up at most. @default 64 */
  maxCircuits?: number
  /** Circuits per peer (as either end) at most. @default 4 */
  maxCircuitsPerPeer?: number
  /** A circuit is closed after this long. @default 600_000 */
  circuitDurationMs?: number
  /** A circuit is closed once this many bytes (both directions) crossed it. @default 16_777_216 */
  circuitBytes?: number
  /** Both ends must have connected and presented their tokens within this long. @default 10_000 */
  circuitSetupTimeoutMs?: number
  /** Deadline of the `relay_connect` the relay sends the target. @default 5_000 */
  targetTimeoutMs?: number
}

type Resolved = Required<Omit<RelayServerOptions, 'circuitAnnounce'>> & { circuitAnnounce: string }

const spec: OptionSpec<Resolved> = {
  circuitListen: option.string('tcp://0.0.0.0:0', { maxLength: 300 }),
  circuitAnnounce: option.string('', { maxLength: 300 }),
  maxReservations: option.integer(128, { min: 1 }),
  maxReservationsPerGroup: option.integer(8, { min: 1 }),
  reservationTtlMs: option.integer(3_600_000, { min: 1_000 }),
  maxCircuits: option.integer(64, { min: 1 }),
  maxCircuitsPerPeer: option.integer(4, { min: 1 }),
  circuitDurationMs: option.integer(600_000, { min: 1 }),
  circuitBytes: option.integer(16_777_216, { min: 1 }),
  circuitSetupTimeoutMs: option.integer(10_000, { min: 1 }),
  targetTimeoutMs: option.integer(5_000, { min: 1 }),
}

/** What the relay server uses from its node. */
export interface RelayServerComponents {
  network: Pick<Network, 'request' | 'getPeer' | 'on' | 'off'>
  /** Where circuit ends connect. @default createTcpTransport() */
  transport?: CircuitTransport
  /** @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
  /** @default noopMetrics */
  metrics?: Metrics
}

interface Reservation {
  readonly peerId: PeerId
  readonly group: string
  expiresAt: number
}

interface Circuit {
  readonly id: number
  readonly src: PeerId
  readonly dst: PeerId
  /** Hex tokens of the two ends. */
  readonly tokens: readonly [string, string]
  readonly sockets: [RawConnection | undefined, RawConnection | undefined]
  readonly pending: [Buffer | undefined, Buffer | undefined]
  timer: TimerHandle | undefined
  bytes: number
  open: boolean
}

/** Why the relay closed a circuit or refused one; counted in `relay_circuits_closed_total`. */
export type CircuitEnd = 'done' | 'byte_limit' | 'duration' | 'setup_timeout' | 'stopped'

/**
 * The relay role (circuit relay v2 / TURN semantics): grants reservations to peers that cannot be reached
 * directly, and joins a dialer to a reserved peer through a circuit when asked. The two ends of a circuit
 * are separate connections (TCP by default) to `circuitListen`, paired by one-time tokens handed out over the
 * authenticated control connections; the relay then copies bytes between them, under a byte and a duration
 * limit. The ends run Noise XX and hello across the circuit, so the relay only ever sees ciphertext and
 * cannot impersonate either side (each end checks the other's peer id in the handshake).
 */
export class RelayServer {
  private readonly options: Resolved
  private readonly network: RelayServerComponents['network']
  private readonly clock: Clock
  private readonly log: Logger
  private readonly reservations: Map<PeerId, Reservation> = new Map()
  private readonly circuits = new Map<number, Circuit>()
  /** Hex token -> circuit and which end (0 the dialer, 1 the target). */
  private readonly byToken = new Map<string, { circuit: Circuit; end: 0 | 1 }>()
  /** Sockets that connected and have not yet presented a token. */
  private readonly unclaimed = new Set<RawConnection>()
  private readonly refused
  private readonly closed
  private readonly relayedBytes
  private readonly transport: CircuitTransport
  private listener: Listener | undefined
  private announced = ''
  private nextId = 1

  constructor(components: RelayServerComponents, options: RelayServerOptions = {}) {
    this.options = resolveNatOptions(spec, options)
    this.network = components.network
    this.transport = components.transport ?? createTcpTransport()
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'relay-server' })
    const metrics = components.metrics ?? noopMetrics
    this.refused = metrics.counter({
      name: 'relay_server_refused_total',
      help: 'relay requests refused',
      labelNames: ['status'],
    })
    this.closed = metrics.counter({
      name: 'relay_circuits_closed_total',
      help: 'relayed circuits closed',
      labelNames: ['reason'],
    })
    this.relayedBytes = metrics.counter({ name: 'relay_bytes_total', help: 'bytes relayed through circuits' })
  }

  /** The circuit address peers connect to. */
  circuitAddress(): string {
    return this.announced
  }

  /** Reservations held now. */
  reservationCount(): number {
    return this.reservations.size
  }

  /** Circuits open or being set up now. */
  circuitCount(): number {
    return this.circuits.size
  }

  /** Binds the circuit listener. */
  async start(): Promise<void> {
    if (this.listener !== undefined) return
    const listener = await this.transport.listen(this.options.circuitListen, (conn) =>
      this.onCircuitEnd(conn),
    )
    this.listener = listener
    this.announced =
      this.options.circuitAnnounce !== ''
        ? this.options.circuitAnnounce
        : (listener.addresses[0] ?? this.options.circuitListen)
    this.network.on('peer:disconnected', this.onDisconnected)
  }

  /** Closes every circuit and the listener, and forgets every reservation. */
  async stop(): Promise<void> {
    this.network.off('peer:disconnected', this.onDisconnected)
    for (const c of [...this.circuits.values()]) this.end(c, 'stopped')
    for (const s of this.unclaimed) s.close()
    this.unclaimed.clear()
    this.reservations.clear()
    const listener = this.listener
    this.listener = undefined
    await listener?.close()
  }

  /** Answers `relay_reserve`: grants or refreshes the peer's reservation, within the limits. */
  reserve(peer: PeerInfo): Message {
    const now = this.clock.now()
    const existing = this.reservations.get(peer.peerId)
    if (existing === undefined) {
      this.expireReservations(now)
      const group = networkGroup(peer.remoteHost) ?? peer.remoteHost
      let inGroup = 0
      for (const r of this.reservations.values()) if (r.group === group) inGroup++
      if (
        this.listener === undefined ||
        this.reservations.size >= this.options.maxReservations ||
        inGroup >= this.options.maxReservationsPerGroup
      ) {
        return this.refuse('reservation_refused')
      }
      this.reservations.set(peer.peerId, { peerId: peer.peerId, group, expiresAt: 0 })
    }
    const reservation = this.reservations.get(peer.peerId) as Reservation
    reservation.expiresAt = now + this.options.reservationTtlMs
    return {
      type: 'relay_status',
      data: {
        status: 'ok',
        reservation: { expiresAt: reservation.expiresAt, addrs: [this.announced] },
        limit: this.limit(),
      },
    }
  }

  /**
   * Answers a dialer's `relay_connect`: checks the target's reservation and the circuit limits, tells the
   * target (which must accept), and hands the dialer its token and the circuit address.
   */
  async connect(message: MessageOf<'relay_connect'>, peer: PeerInfo): Promise<Message> {
    const target = message.data.target as PeerId
    if (target === peer.peerId || message.data.circuit !== undefined) return this.refuse('malformed')
    const reservation = this.reservations.get(target)
    if (
      reservation === undefined ||
      reservation.expiresAt <= this.clock.now() ||
      this.network.getPeer(target) === undefined
    ) {
      return this.refuse('no_reservation')
    }
    if (
      this.circuits.size >= this.options.maxCircuits ||
      this.circuitsOf(peer.peerId) >= this.options.maxCircuitsPerPeer ||
      this.circuitsOf(target) >= this.options.maxCircuitsPerPeer
    ) {
      return this.refuse('resource_limit')
    }
    const tokens = [randomBytes(16), randomBytes(16)] as const
    const circuit: Circuit = {
      id: this.nextId++,
      src: peer.peerId,
      dst: target,
      tokens: [tokens[0].toString('hex'), tokens[1].toString('hex')],
      sockets: [undefined, undefined],
      pending: [undefined, undefined],
      timer: undefined,
      bytes: 0,
      open: false,
    }
    this.circuits.set(circuit.id, circuit)
    this.byToken.set(circuit.tokens[0], { circuit, end: 0 })
    this.byToken.set(circuit.tokens[1], { circuit, end: 1 })
    circuit.timer = this.clock.setTimeout(
      () => this.end(circuit, 'setup_timeout'),
      this.options.circuitSetupTimeoutMs,
    )
    try {
      const answer = await this.network.request(
        target,
        { type: 'relay_connect', data: { target: peer.peerId, circuit: new Uint8Array(tokens[1]) } },
        { timeoutMs: this.options.targetTimeoutMs },
      )
      if (answer.type !== 'relay_status' || answer.data.status !== 'ok') {
        this.end(circuit, 'done')
        return this.refuse('permission_denied')
      }
    } catch {
      this.end(circuit, 'done')
      return this.refuse('connection_failed')
    }
    if (!this.circuits.has(circuit.id)) return this.refuse('connection_failed')
    return {
      type: 'relay_status',
      data: {
        status: 'ok',
        limit: this.limit(),
        circuit: { token: new Uint8Array(tokens[0]), addr: this.announced },
      },
    }
  }

  private limit(): { durationMs: number; dataBytes: number } {
    return { durationMs: this.options.circuitDurationMs, dataBytes: this.options.circuitBytes }
  }

  private refuse(
    status:
      | 'reservation_refused'
      | 'resource_limit'
      | 'permission_denied'
      | 'connection_failed'
      | 'no_reservation'
      | 'malformed',
  ): Message {
    this.refused.inc(1, { status })
    return { type: 'relay_status', data: { status } }
  }

  private circuitsOf(peerId: PeerId): number {
    let n = 0
    for (const c of this.circuits.values()) if (c.src === peerId || c.dst === peerId) n++
    return n
  }

  private expireReservations(now: number): void {
    for (const [id, r] of this.reservations) if (r.expiresAt <= now) this.reservations.delete(id)
  }

  private readonly onDisconnected = ({ peer }: { peer: PeerInfo }): void => {
    // A reservation lives on the holder's connection: once it is gone the relay cannot tell it of circuits.
    this.reservations.delete(peer.peerId)
  }

  /** A new connection on the circuit listener: wait for its preamble, then pair it. */
  private onCircuitEnd(conn: RawConnection): void {
    const stream = conn.stream
    stream.on('error', () => {})
    if (this.unclaimed.size >= this.options.maxCircuits * 2) {
      conn.close()
      return
    }
    this.unclaimed.add(conn)
    let buffered: Buffer = Buffer.alloc(0)
    const timer = this.clock.setTimeout(() => conn.close(), this.options.circuitSetupTimeoutMs)
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length < CIRCUIT_PREAMBLE_LENGTH) return
      stream.removeListener('data', onData)
      stream.pause()
      this.clock.clearTimeout(timer)
      this.unclaimed.delete(conn)
      const token = tokenOfPreamble(buffered)
      const claim = token === undefined ? undefined : this.byToken.get(Buffer.from(token).toString('hex'))
      if (claim === undefined || claim.circuit.sockets[claim.end] !== undefined) {
        this.refused.inc(1, { status: 'bad_token' })
        conn.close()
        return
      }
      this.byToken.delete(claim.circuit.tokens[claim.end])
      claim.circuit.sockets[claim.end] = conn
      claim.circuit.pending[claim.end] = buffered.subarray(CIRCUIT_PREAMBLE_LENGTH)
      stream.once('close', () => this.end(claim.circuit, 'done'))
      if (claim.circuit.sockets[0] !== undefined && claim.circuit.sockets[1] !== undefined)
        this.splice(claim.circuit)
    }
    stream.on('data', onData)
    stream.once('close', () => {
      this.clock.clearTimeout(timer)
      this.unclaimed.delete(conn)
    })
  }

  /** Both ends are here: copy bytes between them under the circuit's limits. */
  private splice(circuit: Circuit): void {
    this.clock.clearTimeout(circuit.timer)
    circuit.open = true
    circuit.timer = this.clock.setTimeout(() => this.end(circuit, 'duration'), this.options.circuitDurationMs)
    const [a, b] = circuit.sockets as [RawConnection, RawConnection]
    const pipe = (
      from: RawConnection['stream'],
      to: RawConnection['stream'],
      first: Buffer | undefined,
    ): void => {
      const forward = (chunk: Buffer): void => {
        circuit.bytes += chunk.length
        if (circuit.bytes > this.options.circuitBytes) {
          this.end(circuit, 'byte_limit')
          return
        }
        this.relayedBytes.inc(chunk.length)
        if (!to.write(chunk)) {
          from.pause()
          to.once('drain', () => from.resume())
        }
      }
      if (first !== undefined && first.length > 0) forward(first)
      from.on('data', forward)
      from.resume()
    }
    pipe(a.stream, b.stream, circuit.pending[0])
    pipe(b.stream, a.stream, circuit.pending[1])
    circuit.pending[0] = undefined
    circuit.pending[1] = undefined
  }

  private end(circuit: Circuit, reason: CircuitEnd): void {
    if (!this.circuits.delete(circuit.id)) return
    this.clock.clearTimeout(circuit.timer)
    this.byToken.delete(circuit.tokens[0])
    this.byToken.delete(circuit.tokens[1])
    for (const s of circuit.sockets) s?.close()
    this.closed.inc(1, { reason })
    this.log.debug({ circuit: circuit.id, reason, bytes: circuit.bytes }, 'circuit closed')
  }
}

import {
  type Clock,
  deadline,
  type Logger,
  LruMap,
  noopLogger,
  type OptionSpec,
  option,
  type PeerId,
  systemClock,
  type TimerHandle,
} from '@chainwire/interface'
import { createTcpTransport, type Network, type PeerInfo, type RawConnection } from '@chainwire/network'
import type { Message, MessageOf } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import { NatError } from '../errors'
import { resolveNatOptions } from '../options'
import { type CircuitTransport, circuitPreamble, withDirection } from './circuit-socket'

/** Options of {@link RelayClient}. */
export interface RelayClientOptions {
  /** Relays to hold reservations on at once (keep two: one relay going away leaves us reachable). @default 2 */
  maxReservations?: number
  /** Accept circuits that relays announce for us (turn off to only dial through relays). @default true */
  acceptCircuits?: boolean
  /** Circuits set up at once at most (incoming and outgoing). @default 16 */
  maxPendingCircuits?: number
  /** A reservation is refreshed when this fraction of its lifetime is left. @default 0.5 */
  refreshAt?: number
  /** Deadline of reservation requests and circuit setup. @default 10_000 */
  timeoutMs?: number
}

type Resolved = Required<RelayClientOptions>

const spec: OptionSpec<Resolved> = {
  maxReservations: option.integer(2, { min: 0, max: 16 }),
  acceptCircuits: option.boolean(true),
  maxPendingCircuits: option.integer(16, { min: 1 }),
  refreshAt: option.number(0.5, { min: 0.05, max: 0.95 }),
  timeoutMs: option.integer(10_000, { min: 1 }),
}

/** A reservation we hold on a relay. */
export interface HeldReservation {
  readonly relay: PeerId
  /** The relay's own address (how we and others reach it). */
  readonly relayAddress: string
  /** The relay's circuit address. */
  readonly circuitAddress: string
  readonly expiresAt: number
  /** Per-circuit limits the relay applies. */
  readonly limit: { durationMs: number; dataBytes: number } | undefined
}

/**
 * How others reach us through a relay: dial the relay (`relayAddress`, peer id `relay`) and ask it for a
 * circuit to `target`.
 */
export interface RelayedAddress {
  readonly relay: PeerId
  readonly relayAddress: string
  readonly target: PeerId
}

/** Events of {@link RelayClient}. */
export interface RelayClientEvents {
  'reservation:granted': (r: HeldReservation) => void
  'reservation:lost': (e: { relay: PeerId; reason: string }) => void
  'circuit:open': (e: { peer: PeerInfo; relay: PeerId; direction: 'inbound' | 'outbound' }) => void
}

/** What the relay client uses from its node. */
export interface RelayClientComponents {
  network: Pick<Network, 'request' | 'addConnection' | 'getPeer' | 'peerId' | 'on' | 'off'>
  /** How circuit ends reach a relay's circuit address. @default createTcpTransport() */
  transport?: CircuitTransport
  /** @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
}

/**
 * The NATed side of relay circuits: keeps reservations on up to `maxReservations` relays (refreshed before
 * they expire, dropped when the relay disconnects), accepts the circuits relays announce for us, and dials
 * peers through a relay. Either way the circuit becomes an ordinary peer connection of the network: Noise XX
 * and hello run end to end over it (`Network.addConnection`), so the relay sees only ciphertext.
 */
export class RelayClient extends EventEmitter<RelayClientEvents> {
  private readonly options: Resolved
  private readonly network: RelayClientComponents['network']
  private readonly clock: Clock
  private readonly log: Logger
  private readonly held = new Map<PeerId, HeldReservation & { timer: TimerHandle | undefined }>()
  /** Circuit addresses of relays we used: a peer whose connection comes from one is relayed. */
  private readonly circuitAddresses = new LruMap<string, true>(256)
  private readonly ends = new Set<RawConnection>()
  private readonly transport: CircuitTransport
  private pending = 0
  private started = false

  constructor(components: RelayClientComponents, options: RelayClientOptions = {}) {
    super()
    this.options = resolveNatOptions(spec, options)
    this.network = components.network
    this.transport = components.transport ?? createTcpTransport()
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'relay-client' })
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.network.on('peer:disconnected', this.onDisconnected)
  }

  stop(): void {
    this.started = false
    this.network.off('peer:disconnected', this.onDisconnected)
    for (const r of this.held.values()) this.clock.clearTimeout(r.timer)
    this.held.clear()
    for (const end of this.ends) end.close()
    this.ends.clear()
  }

  /** Relays we hold reservations on at most. */
  get maxReservations(): number {
    return this.options.maxReservations
  }

  /** Reservations held now. */
  reservations(): HeldReservation[] {
    return [...this.held.values()].map(({ timer: _t, ...r }) => r)
  }

  /** How others reach us through our relays. */
  relayedAddresses(): RelayedAddress[] {
    return this.reservations().map((r) => ({
      relay: r.relay,
      relayAddress: r.relayAddress,
      target: this.network.peerId,
    }))
  }

  /** Whether a connected peer reaches us (or we reach it) through a relay's circuit. */
  isRelayed(peer: Pick<PeerInfo, 'remoteAddress'>): boolean {
    return this.circuitAddresses.has(peer.remoteAddress)
  }

  /**
   * Asks a connected relay for a reservation (or refreshes ours). Resolves with it; rejects with
   * `ERR_RELAY_REFUSED` (with the relay's status) or a request error.
   */
  async reserve(relay: PeerId): Promise<HeldReservation> {
    const peer = this.network.getPeer(relay)
    if (peer === undefined) throw new NatError('ERR_RELAY_REFUSED', 'not connected to the relay', { relay })
    if (!this.held.has(relay) && this.held.size >= this.options.maxReservations) {
      throw new NatError(
        'ERR_RELAY_REFUSED',
        `already holding ${this.options.maxReservations} reservations`,
        { relay },
      )
    }
    const answer = await this.network.request(
      relay,
      { type: 'relay_reserve', data: {} },
      { timeoutMs: this.options.timeoutMs },
    )
    const granted = grantedStatus(answer, 'reservation', { relay })
    if (granted.reservation === undefined) {
      throw new NatError('ERR_RELAY_REFUSED', 'the relay granted no reservation', { relay })
    }
    const { reservation, limit } = granted
    const circuitAddress = reservation.addrs[0]
    if (circuitAddress === undefined)
      throw new NatError('ERR_RELAY_REFUSED', 'the relay gave no circuit address', { relay })
    this.circuitAddresses.set(circuitAddress, true)
    const previous = this.held.get(relay)
    this.clock.clearTimeout(previous?.timer)
    const now = this.clock.now()
    const held = {
      relay,
      relayAddress: peer.dialedAddress ?? peer.remoteAddress,
      circuitAddress,
      expiresAt: reservation.expiresAt,
      limit,
      timer: undefined as TimerHandle | undefined,
    }
    const refreshIn = Math.max(1_000, (reservation.expiresAt - now) * this.options.refreshAt)
    held.timer = this.clock.setTimeout(() => void this.refresh(relay), refreshIn)
    this.held.set(relay, held)
    const { timer: _t, ...out } = held
    this.emit('reservation:granted', out)
    return out
  }

  /**
   * Dials `target` through a connected relay: asks for a circuit, connects to the relay's circuit address,
   * and runs Noise and hello end to end (the handshake checks that the far end really is `target`).
   */
  async dial(target: PeerId, relay: PeerId, options: { signal?: AbortSignal } = {}): Promise<PeerInfo> {
    if (this.pending >= this.options.maxPendingCircuits) {
      throw new NatError('ERR_CIRCUIT_FAILED', 'too many circuits being set up', { target, relay })
    }
    this.pending++
    try {
      const answer = await this.network.request(
        relay,
        { type: 'relay_connect', data: { target } },
        { timeoutMs: this.options.timeoutMs, signal: options.signal },
      )
      const { circuit } = grantedStatus(answer, 'circuit', { target, relay })
      if (circuit === undefined) {
        throw new NatError('ERR_RELAY_REFUSED', 'the relay granted no circuit', { target, relay })
      }
      const { token, addr } = circuit
      return await this.openEnd(addr, token, 'outbound', target, relay, options.signal)
    } finally {
      this.pending--
    }
  }

  /**
   * Answers a relay's `relay_connect` (a peer wants to reach us through it): accepted only from a relay we
   * hold a reservation on, with a token, within the limits; our end of the circuit is then opened.
   */
  accept(message: MessageOf<'relay_connect'>, relay: PeerInfo): Message {
    const held = this.held.get(relay.peerId)
    const token = message.data.circuit
    if (!this.options.acceptCircuits || held === undefined || token === undefined) {
      return { type: 'relay_status', data: { status: 'permission_denied' } }
    }
    if (this.pending >= this.options.maxPendingCircuits) {
      return { type: 'relay_status', data: { status: 'resource_limit' } }
    }
    this.pending++
    void this.openEnd(
      held.circuitAddress,
      token,
      'inbound',
      message.data.target as PeerId,
      relay.peerId,
      undefined,
    )
      .catch((err) => this.log.debug({ err }, 'incoming circuit failed'))
      .finally(() => this.pending--)
    return { type: 'relay_status', data: { status: 'ok' } }
  }

  private async openEnd(
    addr: string,
    token: Uint8Array,
    direction: 'inbound' | 'outbound',
    remote: PeerId,
    relay: PeerId,
    signal: AbortSignal | undefined,
  ): Promise<PeerInfo> {
    this.circuitAddresses.set(addr, true)
    const timer = deadline(this.clock, this.options.timeoutMs, signal, 'circuit setup')
    let end: RawConnection
    try {
      end = await this.transport.dial(addr, { signal: timer.signal })
    } catch (err) {
      throw new NatError(
        'ERR_CIRCUIT_FAILED',
        `cannot reach the relay's circuit address ${addr}`,
        { addr },
        { cause: err },
      )
    } finally {
      timer.clear()
    }
    // A peer whose connection comes from this address reaches us through the relay (isRelayed).
    this.circuitAddresses.set(end.remoteAddress, true)
    this.ends.add(end)
    end.stream.once('close', () => this.ends.delete(end))
    end.stream.write(circuitPreamble(token))
    const peer = await this.network.addConnection(
      withDirection(end, direction),
      direction === 'outbound' ? { peerId: remote, signal } : {},
    )
    if (peer.peerId !== remote) {
      // The relay announced one peer and another answered: only possible for an inbound circuit, whose
      // initiator proved its own id; refuse the mismatch.
      end.close()
      throw new NatError('ERR_CIRCUIT_FAILED', 'the circuit reached another peer than announced', { remote })
    }
    this.emit('circuit:open', { peer, relay, direction })
    return peer
  }

  private async refresh(relay: PeerId): Promise<void> {
    if (!this.started || !this.held.has(relay)) return
    try {
      await this.reserve(relay)
    } catch (err) {
      this.drop(relay, `refresh failed: ${(err as Error).message}`)
    }
  }

  private drop(relay: PeerId, reason: string): void {
    const held = this.held.get(relay)
    if (held === undefined) return
    this.clock.clearTimeout(held.timer)
    this.held.delete(relay)
    this.emit('reservation:lost', { relay, reason })
  }

  private readonly onDisconnected = ({ peer }: { peer: PeerInfo }): void => {
    this.drop(peer.peerId, 'the relay disconnected')
  }
}

/** The data of a `relay_status: ok` answer; anything else throws `ERR_RELAY_REFUSED` with the status. */
function grantedStatus(
  answer: Message,
  what: string,
  details: Record<string, unknown>,
): MessageOf<'relay_status'>['data'] {
  if (answer.type === 'relay_status' && answer.data.status === 'ok') return answer.data
  const status = answer.type === 'relay_status' ? answer.data.status : answer.type
  throw new NatError('ERR_RELAY_REFUSED', `the relay refused the ${what}: ${status}`, { ...details, status })
}

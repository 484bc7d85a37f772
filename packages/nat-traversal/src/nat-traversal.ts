import {
  type Clock,
  type Logger,
  type Metrics,
  noopLogger,
  type PeerId,
  systemClock,
  tryParseAddress,
} from '@chainwire/interface'
import type { Identity, Network, PeerConnectedEvent, PeerInfo } from '@chainwire/network'
import { EventEmitter } from 'eventemitter3'
import { type CandidateResult, type ConnectionCandidate, dialCandidates } from './candidates'
import { HolePuncher, type HolePuncherOptions } from './holepunch/hole-puncher'
import { type PunchPortSource, StunPunchPortSource } from './holepunch/punch-port'
import { PortMapper, type PortMapperOptions, type PortMapping } from './mapping/port-mapper'
import { ObservedAddresses, type ObservedAddressOptions } from './observed/observed-addresses'
import { ObservedAddressService } from './observed/observed-service'
import {
  DialBackServer,
  type DialBackServerOptions,
  ReachabilityChecker,
  type ReachabilityOptions,
  type ReachabilityResult,
  type ReachabilityStatus,
} from './reachability/dial-back'
import type { CircuitTransport } from './relay/circuit-socket'
import { registerRelayHandlers } from './relay/handlers'
import { RelayClient, type RelayClientOptions, type RelayedAddress } from './relay/relay-client'
import { RelayServer, type RelayServerOptions } from './relay/relay-server'
import { StunClient, type StunClientOptions, type StunEndpoint } from './stun/client'
import { StunServer, type StunServerOptions } from './stun/server'

/** The capability a node announces in its hello when it serves relay circuits. */
export const RELAY_CAPABILITY = 'relay'

/** What {@link NatTraversal} uses from its node. */
export interface NatTraversalComponents {
  network: Network
  /** Our identity (the dial-back server proves peers' ids with a Noise handshake under it). */
  identity: Identity
  /** @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
  /** @default noopMetrics */
  metrics?: Metrics
  /** How relay circuits are opened and served. @default TCP (`createTcpTransport()`) */
  circuitTransport?: CircuitTransport
  /**
   * Where hole-punch ports come from. @default STUN-mapped TCP ports from `options.stunServers` (none: no
   * hole punching)
   */
  punchPorts?: PunchPortSource
}

/** Options of {@link NatTraversal}; each part has its own options and defaults. */
export interface NatTraversalOptions {
  /** STUN servers for punch-port mappings and NAT classification (none: no hole punching). @default [] */
  stunServers?: readonly StunEndpoint[]
  /** The STUN client. @default its defaults */
  stunClient?: StunClientOptions
  /** Run a STUN server for others (public nodes); false: none. @default false */
  stunServer?: StunServerOptions | false
  /** Serve relay circuits (public nodes with the `relay` capability); false: not a relay. @default false */
  relayServer?: RelayServerOptions | false
  /** Reservations and circuits through relays. @default its defaults */
  relayClient?: RelayClientOptions
  /** Observed-address confirmation. @default its defaults (3 network groups) */
  observed?: ObservedAddressOptions
  /** Hole punching; `autoUpgrade` punches every relayed circuit we accept. @default its defaults, autoUpgrade true */
  holePunch?: HolePuncherOptions & { autoUpgrade?: boolean }
  /** Serve dial-back requests for others; false: do not. @default its defaults */
  dialBackServer?: DialBackServerOptions | false
  /** Reachability checks we ask for. @default its defaults (more than 3 must agree) */
  reachability?: ReachabilityOptions
  /** Ask the router for port mappings (PCP, then NAT-PMP); off by default, as in Bitcoin Core. @default false */
  portMapping?: PortMapperOptions | false
}

/** The `Reachability` contract (DESIGN.md §8) other services read. */
export interface Reachability {
  /** Whether we are publicly reachable, as the last dial-back checks found. */
  status(): ReachabilityStatus
  /** Addresses others can use: confirmed observed ones, mapped ones, and (when not reachable) relayed ones. */
  addresses(): { direct: string[]; relayed: RelayedAddress[] }
}

/** Events of {@link NatTraversal}. */
export interface NatTraversalEvents {
  'reachability:changed': (e: { status: ReachabilityStatus; result: ReachabilityResult }) => void
  'address:confirmed': (e: { address: string; hostOnly: boolean }) => void
}

/**
 * Wires the parts of NAT traversal onto one network: observed addresses, the relay roles and hole punching
 * over relayed circuits, dial-back reachability (whose verdict decides whether we seek relay reservations),
 * optional port mapping and a STUN server. Each part is also usable alone.
 */
export class NatTraversal extends EventEmitter<NatTraversalEvents> implements Reachability {
  readonly observed: ObservedAddressService
  readonly relayClient: RelayClient
  readonly relayServer: RelayServer | undefined
  readonly stunServer: StunServer | undefined
  readonly puncher: HolePuncher | undefined
  readonly checker: ReachabilityChecker
  readonly dialBack: DialBackServer | undefined
  readonly portMapper: PortMapper | undefined
  private readonly network: Network
  private readonly log: Logger
  private readonly clock: Clock
  private readonly autoUpgrade: boolean
  private current: ReachabilityStatus = 'unknown'
  private readonly mapped: PortMapping[] = []
  private unregister: (() => void) | undefined

  constructor(components: NatTraversalComponents, options: NatTraversalOptions = {}) {
    super()
    const { network, identity } = components
    const clock = components.clock ?? systemClock
    this.network = network
    this.clock = clock
    this.log = (components.logger ?? noopLogger).child({ component: 'nat-traversal' })
    const parts = { network, clock, logger: components.logger, metrics: components.metrics }
    const circuits = { ...parts, transport: components.circuitTransport }
    this.relayClient = new RelayClient(circuits, options.relayClient)
    const isRelayed = (peer: PeerInfo): boolean => this.relayClient.isRelayed(peer)
    this.observed = new ObservedAddressService(
      { network, clock },
      new ObservedAddresses(clock, options.observed),
      isRelayed,
    )
    this.relayServer =
      options.relayServer === false || options.relayServer === undefined
        ? undefined
        : new RelayServer(circuits, options.relayServer)
    this.stunServer =
      options.stunServer === false || options.stunServer === undefined
        ? undefined
        : new StunServer(parts, options.stunServer)
    const stunServers = options.stunServers ?? []
    const { autoUpgrade, ...punchOptions } = options.holePunch ?? {}
    this.autoUpgrade = autoUpgrade ?? true
    const ports =
      components.punchPorts ??
      (stunServers.length === 0
        ? undefined
        : new StunPunchPortSource(new StunClient({ clock }, options.stunClient), stunServers, clock))
    this.puncher =
      ports === undefined ? undefined : new HolePuncher({ ...parts, ports, isRelayed }, punchOptions)
    this.checker = new ReachabilityChecker({ network, isRelayed }, options.reachability)
    this.dialBack =
      options.dialBackServer === false
        ? undefined
        : new DialBackServer({ ...parts, identity }, options.dialBackServer)
    this.portMapper =
      options.portMapping === false || options.portMapping === undefined
        ? undefined
        : new PortMapper(parts, options.portMapping)
  }

  async start(): Promise<void> {
    if (this.unregister !== undefined) return
    this.unregister = registerRelayHandlers(this.network, {
      server: this.relayServer,
      client: this.relayClient,
    })
    await this.relayServer?.start()
    await this.stunServer?.start()
    this.relayClient.start()
    this.observed.start()
    this.observed.on('address:confirmed', this.onConfirmed)
    this.puncher?.start()
    this.dialBack?.start()
    this.relayClient.on('circuit:open', this.onCircuit)
    this.network.on('peer:connected', this.onPeer)
    if (this.portMapper !== undefined) {
      for (const address of this.network.listenAddresses()) {
        const parsed = tryParseAddress(address)
        const port = parsed?.scheme === 'tcp' ? parsed.port : 0
        if (port > 0) {
          const mapping = await this.portMapper.map('tcp', port).catch((err) => {
            this.log.info({ err }, 'no port mapping')
            return undefined
          })
          if (mapping !== undefined) this.mapped.push(mapping)
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.unregister?.()
    this.unregister = undefined
    this.network.off('peer:connected', this.onPeer)
    this.relayClient.off('circuit:open', this.onCircuit)
    this.observed.off('address:confirmed', this.onConfirmed)
    this.observed.stop()
    this.puncher?.stop()
    this.dialBack?.stop()
    this.relayClient.stop()
    await this.relayServer?.stop()
    await this.stunServer?.stop()
    await this.portMapper?.stop()
    this.mapped.length = 0
  }

  status(): ReachabilityStatus {
    return this.current
  }

  addresses(): { direct: string[]; relayed: RelayedAddress[] } {
    const mapped = this.mapped.map((m) => `tcp://${m.externalIp}:${m.externalPort}`)
    return {
      direct: [...new Set([...this.observed.addresses.confirmedAddresses(), ...mapped])],
      relayed: this.current === 'reachable' ? [] : this.relayClient.relayedAddresses(),
    }
  }

  /**
   * Checks whether `address` reaches us (dial-back by connected peers). An `unreachable` verdict makes us
   * take relay reservations on connected relays; `reachable` stops advertising relayed addresses.
   */
  async checkReachability(
    address: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ReachabilityResult> {
    const result = await this.checker.check(address, options)
    if (result.status !== 'unknown' && result.status !== this.current) {
      this.current = result.status
      this.emit('reachability:changed', { status: result.status, result })
    }
    if (this.current === 'unreachable') await this.reserveOnRelays()
    return result
  }

  /**
   * Connects to a peer by its best candidate (see {@link dialCandidates}); over a relay, waits up to
   * `punchWaitMs` for the peer's hole punch to turn the connection direct.
   */
  dial(
    peerId: PeerId,
    candidates: readonly ConnectionCandidate[],
    options: { signal?: AbortSignal; punchWaitMs?: number } = {},
  ): Promise<CandidateResult> {
    return dialCandidates(
      { network: this.network, relayClient: this.relayClient, clock: this.clock },
      peerId,
      candidates,
      options,
    )
  }

  /** Takes reservations on connected relay-capable peers, up to the relay client's limit. */
  async reserveOnRelays(): Promise<void> {
    for (const peer of this.network.peers()) {
      if (this.relayClient.reservations().length >= this.relayClient.maxReservations) return
      if (!peer.hello.capabilities.includes(RELAY_CAPABILITY) || this.relayClient.isRelayed(peer)) continue
      if (this.relayClient.reservations().some((r) => r.relay === peer.peerId)) continue
      await this.relayClient
        .reserve(peer.peerId)
        .catch((err) => this.log.debug({ err }, 'reservation refused'))
    }
  }

  private readonly onPeer = ({ peer }: PeerConnectedEvent): void => {
    if (this.current === 'unreachable' && peer.hello.capabilities.includes(RELAY_CAPABILITY))
      void this.reserveOnRelays()
  }

  private readonly onConfirmed = (e: { address: string; hostOnly: boolean }): void => {
    this.emit('address:confirmed', e)
  }

  private readonly onCircuit = (e: { peer: PeerInfo; direction: 'inbound' | 'outbound' }): void => {
    // DCUtR: the peer that accepted the circuit starts the upgrade.
    if (this.autoUpgrade && e.direction === 'inbound' && this.puncher !== undefined) {
      void this.puncher.upgrade(e.peer.peerId).catch((err) => this.log.debug({ err }, 'staying relayed'))
    }
  }
}

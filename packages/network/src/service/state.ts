import {
  type Clock,
  type Logger,
  noopLogger,
  noopMetrics,
  type PeerId,
  systemClock,
} from '@chainwire/interface'
import type { HelloData, MessageType } from '@chainwire/protocol-codec'
import type { Connection, ConnectionCounter } from '../connection/connection'
import { NetworkError } from '../errors'
import type { Identity } from '../identity/index'
import type { MessageClass } from '../limits/message-class'
import { DialBackoff } from '../manager/backoff'
import { ConnectionSlots, type Slot } from '../manager/slots'
import { createNetworkMetrics, type NetworkMetrics } from '../metrics'
import {
  DH_LENGTH,
  type RekeySchedule,
  type X25519KeyPair,
  x25519KeyPairFromPrivateKey,
} from '../noise/index'
import { SendBudget } from '../noise/send-budget'
import type { TransportAead } from '../noise/transport-aead'
import type { ResolvedOptions } from '../options'
import { emptyLimitCounters } from '../status'
import {
  createTcpTransport,
  createTransports,
  createWebSocketTransport,
  type Listener,
  type Transports,
} from '../transport/index'
import type {
  ConnectionGater,
  ConnectionKind,
  LimitCounters,
  LocalStatus,
  MisbehaviourSink,
  NetworkBehaviour,
  NetworkComponents,
  NetworkEvents,
  PeerInfo,
  RejectReason,
} from '../types'

/** A listen address on a wildcard host, which no peer can dial. */
const WILDCARD = /^[a-z]+:\/\/(?:0\.0\.0\.0|\[::\])(?::|\/|$)/

/** Every connection kind, for the gauges. */
const CONNECTION_KINDS: readonly ConnectionKind[] = [
  'inbound',
  'full-relay',
  'block-relay',
  'feeler',
  'manual',
]

/** Which limit counter a rejection increments. */
const LIMIT_OF_REJECT: Partial<Record<RejectReason, keyof LimitCounters>> = {
  inbound_rate: 'inboundRateLimited',
  per_ip: 'inboundPerIp',
  per_net_group: 'inboundPerNetGroup',
  pending_full: 'inboundPending',
  inbound_full: 'inboundFull',
  gater: 'gaterDenied',
  handshake_timeout: 'handshakeTimeouts',
  handshake_failed: 'handshakeFailures',
  network_mismatch: 'handshakeFailures',
  incompatible_version: 'handshakeFailures',
  self_connection: 'handshakeFailures',
  clock_skew: 'handshakeFailures',
}

/** Emits one of the network's events (the facade's `emit`). */
export type EmitEvent = (event: keyof NetworkEvents, ...args: unknown[]) => boolean

/**
 * Everything a node's network knows, shared by the parts that act on it (dialing, the handshake path,
 * inbound admission, dispatch, messaging), and the bookkeeping they all do the same way: limit counters,
 * metrics and gauges, events, rejections and misbehaviour reports, tracked tasks. `NetworkService` owns one
 * and hands it to each part.
 */
export class NetworkState {
  readonly peerId: PeerId
  readonly networkId: string
  readonly identity: Identity
  readonly clock: Clock
  readonly log: Logger
  readonly metrics: NetworkMetrics
  readonly gater: ConnectionGater | undefined
  readonly transports: Transports
  readonly random: () => number
  /** Seeded key material for simulations (see `NetworkComponents.entropy`); undefined in real use. */
  readonly entropy: ((length: number) => Uint8Array) | undefined
  readonly noiseStaticKey: X25519KeyPair | undefined
  /** The transport AEAD a simulator injected (see `NetworkComponents.transportAead`); undefined in real use. */
  readonly transportAead: TransportAead | undefined
  readonly options: ResolvedOptions
  readonly rekey: RekeySchedule
  /** The plaintext all connections of this node may seal per event-loop turn (`sealBytesPerTurn`). */
  readonly sendBudget: SendBudget
  readonly slots: ConnectionSlots
  readonly backoff: DialBackoff
  readonly limits: LimitCounters = emptyLimitCounters()
  readonly peersById = new Map<PeerId, Connection>()
  /** Entries of `peersById` per connection kind, kept as they are added and removed. */
  readonly openByKind: Record<ConnectionKind, number> = {
    inbound: 0,
    'full-relay': 0,
    'block-relay': 0,
    feeler: 0,
    manual: 0,
  }
  /** Every connection past Noise (handshaking, open or closing), by connection id. */
  readonly connections = new Map<number, Connection>()
  readonly slotOf = new Map<number, Slot>()
  readonly tasks = new Set<Promise<unknown>>()
  /**
   * One controller per dial and inbound handshake in flight, aborted by `stop()`. Each operation links to
   * its own controller rather than adding a listener to the shared stop signal, so concurrent handshakes
   * (up to `maxPendingInbound` plus the outbound dials) never pile listeners onto one signal. Bounded by
   * the connection slots: an entry exists only while its slot is reserved.
   */
  readonly inflight = new Set<AbortController>()
  listening: Listener[] = []
  bound: string[] = []
  local: LocalStatus
  started = false
  stopController = new AbortController()
  nextConnectionId = 1
  private readonly sink: MisbehaviourSink | undefined
  private readonly emit: EmitEvent

  constructor(components: NetworkComponents, options: ResolvedOptions, emit: EmitEvent) {
    this.options = options
    this.emit = emit
    this.rekey = { messages: options.rekeyAfterMessages, bytes: options.rekeyAfterBytes }
    this.sendBudget = new SendBudget(options.sealBytesPerTurn)
    this.identity = components.identity
    this.peerId = components.identity.peerId
    this.networkId = options.networkId
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'network', peerId: this.peerId })
    this.metrics = createNetworkMetrics(components.metrics ?? noopMetrics)
    this.gater = components.gater
    this.sink = components.misbehaviour
    this.random = components.random ?? Math.random
    this.entropy = components.entropy
    this.transportAead = components.transportAead
    this.noiseStaticKey =
      this.entropy === undefined ? undefined : x25519KeyPairFromPrivateKey(this.entropy(DH_LENGTH))
    const transportLogger = components.logger ?? noopLogger
    this.transports = createTransports(
      components.transports ?? [
        createTcpTransport({ logger: transportLogger }),
        createWebSocketTransport({ logger: transportLogger }),
      ],
    )
    this.local = { ...options.localStatus }
    this.slots = new ConnectionSlots(options)
    this.backoff = new DialBackoff(this.clock, this.random, {
      baseMs: options.backoffBaseMs,
      maxMs: options.backoffMaxMs,
      jitter: options.backoffJitter,
      maxEntries: options.backoffMaxEntries,
    })
  }

  // ------------------------------------------------------------------------------------- counters, events

  hit(limit: keyof LimitCounters): void {
    this.limits[limit]++
    this.metrics.limits.inc(1, { limit })
  }

  /** Counts what a connection reports (see `ConnectionEvents.count`). */
  countConnectionEvent(counter: ConnectionCounter, cls: MessageClass | undefined): void {
    this.hit(counter)
    if (counter === 'messagesRateLimited' && cls !== undefined)
      this.metrics.rateLimited.inc(1, { class: cls })
  }

  /** Sets the gauges from the running counts: constant time, whatever the number of peers. */
  updateGauges(): void {
    for (const kind of CONNECTION_KINDS) this.metrics.peers.set(this.openByKind[kind], { kind })
    this.metrics.pendingHandshakes.set(this.slots.pending)
  }

  /** Emits an event; a throwing listener is logged, never allowed to break the connection path. */
  safeEmit<E extends keyof NetworkEvents>(event: E, ...args: Parameters<NetworkEvents[E]>): void {
    try {
      this.emit(event, ...args)
    } catch (err) {
      this.log.warn({ err, event }, 'event listener threw')
    }
  }

  /** Reports misbehaviour to the sink (a throwing sink is logged) and as `peer:misbehaved`. */
  report(peerId: PeerId, behaviour: NetworkBehaviour, detail: string): void {
    this.metrics.misbehaviour.inc(1, { behaviour })
    try {
      this.sink?.report(peerId, behaviour, { detail })
    } catch (err) {
      this.log.warn({ err }, 'misbehaviour sink threw')
    }
    this.safeEmit('peer:misbehaved', { peerId, behaviour, detail })
  }

  /** Counts and announces a connection that never became a peer. */
  rejected(
    direction: 'inbound' | 'outbound',
    remoteAddress: string,
    peerId: PeerId | undefined,
    reason: RejectReason,
    error?: Error,
  ): void {
    const counter = LIMIT_OF_REJECT[reason]
    if (counter !== undefined) this.hit(counter)
    this.metrics.rejected.inc(1, { reason })
    this.log.debug({ direction, remoteAddress, peerId, reason, err: error }, 'connection rejected')
    this.safeEmit('connection:rejected', {
      direction,
      remoteAddress,
      peerId,
      reason,
      ...(error === undefined ? {} : { error }),
    })
  }

  // ------------------------------------------------------------------------------------------------ tasks

  /** Keeps `task` until it settles, so `stop()` can wait for it. */
  track(task: Promise<unknown>): void {
    const t = task.then(
      () => {},
      () => {},
    )
    this.tasks.add(t)
    void t.then(() => this.tasks.delete(t))
  }

  /** A controller that `stop()` aborts, registered until the caller deletes it from `inflight`. */
  trackInflight(): AbortController {
    const controller = new AbortController()
    if (this.stopController.signal.aborted) controller.abort(this.stopController.signal.reason)
    else this.inflight.add(controller)
    return controller
  }

  // ---------------------------------------------------------------------------------------------- queries

  assertStarted(): void {
    if (!this.started) throw new NetworkError('ERR_NOT_STARTED', 'the network is not started')
  }

  classOf(type: MessageType): MessageClass {
    return this.options.messageClasses[type] ?? 'bulk'
  }

  /** The open connection of a peer; `ERR_NOT_CONNECTED` when there is none. */
  openConnection(peerId: PeerId): Connection {
    const conn = this.peersById.get(peerId)
    if (conn === undefined || conn.state !== 'open') {
      throw new NetworkError('ERR_NOT_CONNECTED', `not connected to ${peerId}`, { peerId })
    }
    return conn
  }

  /** The addresses we announce in hello: the `announce` option, or the bound ones that are not wildcards. */
  announced(): readonly string[] {
    return this.options.announce ?? this.bound.filter((a) => !WILDCARD.test(a))
  }

  infoOf(conn: Connection): PeerInfo {
    return {
      peerId: conn.peerId,
      direction: conn.direction,
      kind: conn.kind,
      remoteAddress: conn.remoteAddress,
      remoteHost: conn.remoteHost,
      dialedAddress: conn.dialedAddress,
      connectedAt: conn.connectedAt,
      hello: conn.hello as HelloData,
      latencyMs: conn.latencyMs,
      minLatencyMs: conn.minLatencyMs,
    }
  }
}

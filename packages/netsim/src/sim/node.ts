import type { NodeRole, PeerId } from '@chainwire/interface'
import {
  createMemoryTransport,
  createNetwork,
  DEFAULT_MESSAGE_CLASSES,
  type Identity,
  type MemoryNetwork,
  type MemoryTransport,
  type MessageClass,
  type MessageEvent,
  type Network,
  type NetworkOptions,
  type TransportAead,
} from '@chainwire/network'
import { encode, FRAME_HEADER_BYTES, type Message, type MessageType } from '@chainwire/protocol-codec'
import type { NatSpec } from '../links/nat'
import type { SimNetwork } from '../links/sim-network'
import type { MetricsCollector } from '../metrics/collector'
import type { Random } from '../random/random'
import { SimClock } from '../scheduler/clock'
import type { TimerOwner } from '../scheduler/event'
import type { Scheduler } from '../scheduler/scheduler'
import { buildPayload, type PayloadKind, readPayload, tamper } from './payload'
import type { Propagation } from './propagation'
import { SimPunchPort } from './punch-port'
import type { AdversaryContext, AdversaryHooks, NodeSetup, RelayDecision, SimNodeHandle } from './types'

/** What a node needs from the simulation it runs in. */
export interface SimWorld {
  readonly scheduler: Scheduler
  readonly memory: MemoryNetwork
  readonly simnet: SimNetwork
  readonly metrics: MetricsCollector
  readonly setup: NodeSetup | undefined
  /** The AEAD of the nodes' Noise transport messages: undefined for the real cipher. */
  readonly transportAead: TransportAead | undefined
  /** The synthetic IP of the node listening on a `memory://n<i>` address. */
  hostOf(address: string): string | undefined
  /** The index of the node listening on a `memory://n<i>` address. */
  nodeOf(address: string): number | undefined
  /** Whether node `i` must receive a message published now (running and honest). */
  isTarget(node: number): boolean
  /** Stops the run: something failed that the scenario cannot go on without. */
  fail(err: unknown): void
}

/** The fixed facts about a node. */
export interface SimNodeInit {
  readonly index: number
  readonly host: string
  readonly region: string
  readonly roles: readonly NodeRole[]
  readonly identity: Identity
  readonly random: Random
  /** Addresses it keeps connected (its topology edges). */
  readonly dials: readonly string[]
  readonly networkOptions: NetworkOptions
  readonly adversaries: readonly AdversaryRole[]
  /** The NAT in front of it (`nodes.nat`), if any. */
  readonly nat: NatSpec | undefined
}

/** One adversary entry a node plays: its name for the report, its hooks, and whether its window is open now. */
export interface AdversaryRole {
  readonly name: string
  readonly hooks: AdversaryHooks
  /** True within the entry's `start`..`end`: outside it the node relays as an honest one does. */
  readonly active: () => boolean
}

/** One run of a node, from start to crash (or the end): a timer owner, so its clock dies with it. */
class Incarnation implements TimerOwner {
  alive = true
  started = false
  readonly number: number
  readonly clock: SimClock
  readonly random: Random
  readonly transport: MemoryTransport
  readonly network: Network
  readonly seen = new Set<number>()
  readonly cleanups: (() => void)[] = []
  /** Punch ports opened by this incarnation. */
  readonly ports = new Set<SimPunchPort>()
  portCount = 0
  /** The service that propagates for this incarnation, instead of the built-in flooding. */
  propagation: Propagation | undefined
  handle!: SimNodeHandle
  adversary: AdversaryContext | undefined

  constructor(world: SimWorld, node: SimNode, number: number) {
    this.number = number
    this.clock = new SimClock(world.scheduler, this)
    this.random = node.random.fork(`incarnation/${number}`)
    this.transport = createMemoryTransport({ network: world.memory }, { host: node.host, label: node.name })
    world.simnet.attach(this.transport.endpoint, node.index)
    const random = this.random.fork('network')
    // Noise keys from the seed too: handshake hashes (which break ties between duplicate connections) are
    // then the same in every run of a seed.
    const keys = this.random.fork('noise')
    this.network = createNetwork(
      {
        identity: node.identity,
        clock: this.clock,
        transports: [this.transport],
        random: () => random.next(),
        entropy: (length) => Uint8Array.from({ length }, () => Math.floor(keys.next() * 256)),
        ...(world.transportAead === undefined ? {} : { transportAead: world.transportAead }),
      },
      {
        ...node.networkOptions,
        roles: [...node.roles],
        listen: [node.address],
        persistentPeers: [...node.dials],
      },
    )
  }
}

/**
 * A simulated node: a real @chainwire/network on the simulated transport and a virtual clock, plus the small
 * application netsim runs on top: it floods `new_block` and `new_transaction` messages (relaying each to
 * every other peer on first receipt), answers the ping workload and counts everything. Crash kills the
 * running incarnation; restart starts a new one with the same identity, address and IP.
 */
export class SimNode {
  readonly index: number
  readonly name: string
  readonly address: string
  readonly host: string
  readonly region: string
  readonly roles: readonly NodeRole[]
  readonly identity: Identity
  readonly random: Random
  readonly dials: readonly string[]
  readonly adversarial: boolean
  readonly nat: NatSpec | undefined
  /** Names of the adversary behaviours this node runs. */
  readonly adversaryNames: readonly string[]
  private readonly world: SimWorld
  readonly networkOptions: NetworkOptions
  private readonly adversaries: SimNodeInit['adversaries']
  private readonly classes: Record<MessageType, MessageClass>
  private current: Incarnation | undefined
  private incarnations = 0

  constructor(world: SimWorld, init: SimNodeInit) {
    this.world = world
    this.index = init.index
    this.name = `n${init.index}`
    this.address = `memory://${this.name}`
    this.host = init.host
    this.region = init.region
    this.roles = init.roles
    this.identity = init.identity
    this.random = init.random
    this.dials = init.dials
    this.networkOptions = init.networkOptions
    this.adversaries = init.adversaries
    this.adversarial = init.adversaries.length > 0
    this.nat = init.nat
    this.adversaryNames = init.adversaries.map((a) => a.name)
    this.classes = { ...DEFAULT_MESSAGE_CLASSES, ...init.networkOptions.messageClasses } as Record<
      MessageType,
      MessageClass
    >
  }

  /** True while an incarnation is started and not crashed. */
  get up(): boolean {
    return this.current?.alive === true && this.current.started
  }

  /** True while an incarnation exists and has not crashed (it may still be starting). */
  get running(): boolean {
    return this.current?.alive === true
  }

  /** The running incarnation as hooks see it. */
  get handle(): SimNodeHandle | undefined {
    return this.running ? this.current?.handle : undefined
  }

  /** Connected peers now (0 when down). */
  peerCount(): number {
    return this.up ? (this.current as Incarnation).network.peers().length : 0
  }

  /** Starts a new incarnation (the first start, or a restart after a crash). No-op while running. */
  start(): void {
    if (this.running) return
    const number = this.incarnations++
    if (number > 0) this.world.metrics.count(this.index, 'restarts')
    let inc: Incarnation
    try {
      inc = new Incarnation(this.world, this, number)
    } catch (err) {
      this.world.fail(err)
      return
    }
    this.current = inc
    if (!this.adversarial) this.world.metrics.honestRunningChanged(1, this.world.scheduler.nowNs())
    inc.handle = {
      index: this.index,
      name: this.name,
      address: this.address,
      peerId: this.identity.peerId,
      host: this.host,
      hostOf: this.world.hostOf,
      region: this.region,
      roles: this.roles,
      incarnation: number,
      network: inc.network,
      transport: inc.transport,
      nat: this.nat,
      openPort: () => this.openPort(inc),
      clock: inc.clock,
      random: inc.random,
      usePropagation: (p) => {
        inc.propagation = p
      },
    }
    this.wire(inc)
    void this.boot(inc)
  }

  /**
   * The process dies: its timers stop, its endpoint sends and receives nothing, and its peers see their
   * connections reset one latency later. The dead network is then stopped only to free its listen name
   * for a restart; nothing it does can reach the simulated network any more.
   */
  crash(): void {
    const inc = this.current
    if (inc === undefined || !inc.alive) return
    inc.alive = false
    this.world.metrics.count(this.index, 'crashes')
    if (!this.adversarial) this.world.metrics.honestRunningChanged(-1, this.world.scheduler.nowNs())
    this.runCleanups(inc)
    this.world.simnet.crash(inc.transport.endpoint)
    for (const port of inc.ports) {
      port.close()
      this.world.simnet.crash(port.endpoint)
    }
    // A dead process tells nobody anything: silence its events before stopping it to free its name.
    inc.network.removeAllListeners()
    inc.network.stop().catch(() => {})
  }

  /** Stops the running incarnation gracefully (the end of the run); resolves once it is stopped. */
  async stop(): Promise<void> {
    const inc = this.current
    if (inc === undefined || !inc.alive) return
    this.runCleanups(inc)
    await inc.network.stop()
    inc.alive = false
  }

  /**
   * Publishes a workload message from this node (through its propagation service when it has one, labelled
   * `via`; else flooded); returns its id, or undefined when the node is down.
   */
  publish(
    type: 'block' | 'transaction',
    payloadBytes: number,
    kind: PayloadKind,
    via?: string,
  ): number | undefined {
    const inc = this.current
    if (inc === undefined || !this.up) return undefined
    const scheduler = this.world.scheduler
    const record = this.world.metrics.publish(
      kind,
      this.index,
      scheduler.nowNs(),
      payloadBytes,
      (i) => this.world.isTarget(i),
      via,
    )
    const message = buildPayload(type, record.id, payloadBytes, inc.clock.now())
    inc.seen.add(record.id)
    if (inc.propagation !== undefined) inc.propagation.publish(message, via)
    else this.flood(inc, message, encode(message).byteLength, undefined)
    return record.id
  }

  /** Opens a punch port for the incarnation (see {@link SimNodeHandle.openPort}). */
  private async openPort(inc: Incarnation): Promise<SimPunchPort> {
    const world = this.world
    const resolve = (server: number | string): string =>
      typeof server === 'number' ? `memory://n${server}` : server
    const port = await SimPunchPort.open({
      memory: world.memory,
      simnet: world.simnet,
      clock: inc.clock,
      node: this.index,
      host: this.host,
      label: `${this.name}.i${inc.number}.p${++inc.portCount}`,
      hostOf: (server) => world.hostOf(resolve(server)),
      nodeOf: (server) => world.nodeOf(resolve(server)),
    })
    inc.ports.add(port)
    inc.cleanups.push(() => {
      port.close()
      inc.ports.delete(port)
    })
    return port
  }

  /** Pings every connected peer once (the ping workload). */
  pingPeers(): void {
    const inc = this.current
    if (inc === undefined || !this.up) return
    const metrics = this.world.metrics
    for (const peer of inc.network.peers()) {
      metrics.count(this.index, 'pingsSent')
      inc.network.ping(peer.peerId).then(
        (rtt) => {
          if (!inc.alive) return
          metrics.count(this.index, 'pingsAnswered')
          metrics.ping(rtt)
        },
        () => {
          if (inc.alive) metrics.count(this.index, 'pingsFailed')
        },
      )
    }
  }

  private async boot(inc: Incarnation): Promise<void> {
    try {
      const setup = this.world.setup
      if (setup !== undefined) {
        const cleanup = await setup(inc.handle)
        if (typeof cleanup === 'function') inc.cleanups.push(cleanup)
      }
      if (!inc.alive) return
      await inc.network.start()
    } catch (err) {
      if (inc.alive) this.world.fail(err)
      return
    }
    if (!inc.alive) return
    inc.started = true
    const ctx = this.adversaryContext(inc)
    for (const a of this.adversaries) {
      const stop = a.hooks.onStart?.(ctx)
      if (typeof stop === 'function') inc.cleanups.push(stop)
    }
  }

  private wire(inc: Incarnation): void {
    const net = inc.network
    const metrics = this.world.metrics
    const i = this.index
    net.on('peer:connected', () => {
      if (inc.alive) metrics.count(i, 'connected')
    })
    net.on('peer:disconnected', () => {
      if (inc.alive) metrics.count(i, 'disconnected')
    })
    net.on('connection:rejected', () => {
      if (inc.alive) metrics.count(i, 'rejected')
    })
    net.on('peer:misbehaved', () => {
      if (inc.alive) metrics.count(i, 'misbehaved')
    })
    const onFlood = (ev: MessageEvent<'new_block'> | MessageEvent<'new_transaction'>): void => {
      if (inc.alive) this.received(inc, ev.peerId, ev.message, ev.size)
    }
    net.on('message:new_block', onFlood)
    net.on('message:new_transaction', onFlood)
  }

  private received(inc: Incarnation, from: PeerId, message: Message, size: number): void {
    const info = readPayload(message)
    if (info === undefined) return
    const first = info.valid && !inc.seen.has(info.id)
    const outcome = this.world.metrics.receipt(
      this.index,
      info.id,
      this.world.scheduler.nowNs(),
      size,
      info.valid,
      first,
    )
    if (outcome !== 'first') return
    inc.seen.add(info.id)
    if (inc.propagation !== undefined) return
    let decision: RelayDecision | undefined
    if (this.adversaries.length > 0) {
      const ctx = this.adversaryContext(inc)
      const kind =
        this.world.metrics.message(info.id)?.kind ?? (message.type === 'new_block' ? 'block' : 'transaction')
      for (const a of this.adversaries) {
        if (!a.active()) continue
        decision = a.hooks.onMessage?.({ id: info.id, kind, from, size, message }, ctx)
        if (decision !== undefined) break
      }
    }
    if (decision === undefined || decision === 'relay') {
      this.flood(inc, message, size, from)
      return
    }
    const metrics = this.world.metrics
    const now = this.world.scheduler.nowNs()
    if (decision === 'drop') metrics.adversary(this.index, 'dropped', now)
    else if (decision === 'tamper') {
      metrics.adversary(this.index, 'tampered', now)
      this.flood(inc, tamper(message), size, from)
    } else {
      metrics.adversary(this.index, 'delayed', now)
      inc.clock.setTimeout(() => this.flood(inc, message, size, from), decision.delayMs)
    }
  }

  /**
   * Sends `message` to every peer but `except`: one `broadcast` (encoded once) to the peers whose send queue
   * has room now, and a waiting `send` to the others.
   */
  private flood(inc: Incarnation, message: Message, size: number, except: PeerId | undefined): void {
    if (!inc.alive) return
    const net = inc.network
    const cls = this.classes[message.type]
    const frameBytes = size + FRAME_HEADER_BYTES
    const ready = new Set<PeerId>()
    const waiting: PeerId[] = []
    for (const peer of net.peers()) {
      if (peer.peerId === except) continue
      if (net.canSend(peer.peerId, frameBytes, cls)) ready.add(peer.peerId)
      else waiting.push(peer.peerId)
    }
    if (ready.size === 0 && waiting.length === 0) return
    if (except !== undefined) this.world.metrics.count(this.index, 'relayed')
    if (ready.size > 0) net.broadcast(message, (p) => ready.has(p.peerId))
    for (const peerId of waiting) net.send(peerId, message).catch(() => {})
  }

  /** The context adversary hooks get on this incarnation (one seeded stream per incarnation). */
  private adversaryContext(inc: Incarnation): AdversaryContext {
    if (inc.adversary === undefined) {
      inc.adversary = {
        node: inc.handle,
        random: inc.random.fork('adversary'),
        publish: (type, bytes, options) =>
          this.publish(type, bytes, options?.spam === false ? type : 'spam') ?? 0,
      }
    }
    return inc.adversary
  }

  private runCleanups(inc: Incarnation): void {
    for (const cleanup of inc.cleanups.splice(0)) {
      try {
        cleanup()
      } catch (err) {
        this.world.fail(err)
      }
    }
  }
}

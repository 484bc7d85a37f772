import { type OptionSpec, option, resolveOptions } from '@chainwire/interface'
import type {
  MemoryConnection,
  MemoryDatagram,
  MemoryDialAttempt,
  MemoryEndpoint,
  MemoryScheduler,
  MemoryTransmission,
} from '@chainwire/network'
import { sample } from '../random/distribution'
import type { Random } from '../random/random'
import { NS_PER_MS, type Scheduler } from '../scheduler/scheduler'
import { type DatagramWorld, scheduleDatagram } from './datagrams'
import type { LinkModel } from './model'
import { NatLayer } from './nat-layer'
import { latencyNs, retransmitTimeoutMs, SerialQueue } from './path'

/** Where the simulated network reports traffic (the metrics collector). */
export interface TrafficSink {
  /** `bytes` left `node` (counted once per chunk, retransmissions excluded). */
  sent(node: number, bytes: number): void
  /** `bytes` reached `node`. */
  received(node: number, bytes: number): void
  /** A chunk sent by `node` was lost (or tail-dropped) and retransmitted. */
  retransmitted(node: number): void
}

/** What a {@link SimNetwork} runs on. */
export interface SimNetworkComponents {
  /** The virtual clock and event queue deliveries are scheduled on. */
  scheduler: Scheduler
  /** Link parameters per node pair (and the node count). */
  model: LinkModel
  /** Randomness for per-chunk draws (loss, jitter). */
  random: Random
  /** Where traffic is counted. @default counts nothing */
  traffic?: TrafficSink
}

/** Options of {@link SimNetwork}. */
export interface SimNetworkOptions {
  /**
   * Consecutive losses of one chunk after which the connection is reset (TCP gives up): an integer >= 0, or
   * `Infinity` never to give up. @default 8
   */
  maxRetransmits?: number
}

const OPTIONS: OptionSpec<Required<SimNetworkOptions>> = {
  maxRetransmits: option.integer(8, { min: 0 }),
}

/** A memory endpoint as the simulator knows it: which node, and whether that incarnation is running. */
interface EndpointState {
  readonly node: number
  alive: boolean
  readonly connections: Set<MemoryConnection>
}

/** One direction between two nodes: its serialization queue, FIFO arrival floor and what a cut holds. */
class Path {
  readonly from: number
  readonly to: number
  readonly queue = new SerialQueue()
  lastArrival = 0
  held: MemoryTransmission[] = []
  heldDials: MemoryDialAttempt[] = []

  constructor(from: number, to: number) {
    this.from = from
    this.to = to
  }
}

const NO_TRAFFIC: TrafficSink = { sent: () => {}, received: () => {}, retransmitted: () => {} }

/**
 * The simulated transport: a {@link MemoryScheduler} for @chainwire/network's memory network that decides on
 * the virtual clock when each dial and each chunk arrives.
 *
 * A chunk of `s` bytes from node A to node B is serialized first on A's uplink (if limited), then on the
 * A-to-B queue: it finishes at max(ready, queueFreeAt) + s / bandwidth, then arrives one latency (plus
 * jitter) later, never before the previous chunk of that direction. A byte stream cannot lose bytes, so loss
 * is a delay: each lost transmission costs a retransmission timeout (doubling each time), and after
 * `maxRetransmits` consecutive losses the connection is reset as TCP would. A chunk that overflows a bounded
 * queue is tail-dropped and retransmitted the same way. A cut link (or a partition between two groups)
 * delivers nothing: chunks and dials crossing it are held, and resume in order when it heals. A crashed
 * node's endpoint sends and receives nothing; its connections are reset one latency later (the RST), unless
 * the path is cut, in which case the first chunk that reaches the dead endpoint later triggers it.
 */
export class SimNetwork implements MemoryScheduler {
  private readonly scheduler: Scheduler
  private readonly model: LinkModel
  private readonly random: Random
  private readonly traffic: TrafficSink
  private readonly maxRetransmits: number
  private readonly endpoints = new Map<number, EndpointState>()
  private readonly paths = new Map<number, Path>()
  private readonly uplinks: SerialQueue[] = []
  private readonly uplinkRate: number[] = []
  private readonly uplinkBuffer: number[] = []
  private readonly withHeld = new Set<Path>()
  private readonly resetting = new WeakSet<MemoryConnection>()
  private readonly cutPairs = new Set<number>()
  private groups: Int32Array | undefined
  private readonly stride: number
  /** The NATs in front of nodes and the punch ports behind them. */
  readonly nat: NatLayer
  private datagramWorld: DatagramWorld | undefined

  /** Throws `ERR_INVALID_OPTIONS` (`details.option` naming it) for an option that is unknown or out of range. */
  constructor(components: SimNetworkComponents, options: SimNetworkOptions = {}) {
    this.scheduler = components.scheduler
    this.model = components.model
    this.random = components.random
    this.traffic = components.traffic ?? NO_TRAFFIC
    this.maxRetransmits = resolveOptions(OPTIONS, options).maxRetransmits
    this.nat = new NatLayer({
      scheduler: this.scheduler,
      model: this.model,
      isCut: (a, b) => this.isCut(a, b),
      isAlive: (endpoint) => this.endpoints.get(endpoint)?.alive === true,
      resetLater: (c, from, to) => this.resetLater(c, from, to),
    })
    const nodeCount = this.model.nodeCount
    this.stride = nodeCount + 1
    for (let i = 0; i < nodeCount; i++) {
      this.uplinks.push(new SerialQueue())
      this.uplinkRate.push(Number.POSITIVE_INFINITY)
      this.uplinkBuffer.push(Number.POSITIVE_INFINITY)
    }
  }

  // ------------------------------------------------------------------------------------------ topology

  /** Registers a memory endpoint (one node incarnation's transport) as node `node`. */
  attach(endpoint: MemoryEndpoint, node: number): void {
    this.endpoints.set(endpoint.id, { node, alive: true, connections: new Set() })
    this.nat.attach(endpoint, node)
  }

  /** Limits node `node`'s upload: every chunk it sends is serialized on it first. */
  setUplink(node: number, bandwidth: number, bufferBytes: number): void {
    this.uplinkRate[node] = bandwidth
    this.uplinkBuffer[node] = bufferBytes
  }

  /** Open connections of an endpoint. */
  connectionsOf(endpoint: MemoryEndpoint): number {
    return this.endpoints.get(endpoint.id)?.connections.size ?? 0
  }

  /**
   * The endpoint's process died: it sends and receives nothing from now on, and each of its connections is
   * reset one latency later (the RST reaching the peer), unless the path is cut.
   */
  crash(endpoint: MemoryEndpoint): void {
    const ep = this.endpoints.get(endpoint.id)
    if (ep === undefined || !ep.alive) return
    ep.alive = false
    for (const c of ep.connections) {
      const remote = this.endpoints.get((c.dialer.id === endpoint.id ? c.listener : c.dialer).id)
      if (remote !== undefined) this.resetLater(c, ep.node, remote.node)
    }
  }

  /** Cuts every link between a node of `a` and a node of `b`. */
  cut(a: readonly number[], b: readonly number[]): void {
    for (const x of a) for (const y of b) if (x !== y) this.cutPairs.add(this.pairKey(x, y))
  }

  /** Heals the links between `a` and `b` cut by {@link cut}; held traffic resumes. */
  heal(a: readonly number[], b: readonly number[]): void {
    for (const x of a) for (const y of b) this.cutPairs.delete(this.pairKey(x, y))
    this.resume()
  }

  /**
   * Partitions the network: `groupOf[node]` is the node's group; links between groups deliver nothing.
   * Replaces any earlier partition.
   */
  partition(groupOf: Int32Array): void {
    this.groups = groupOf
    this.resume()
  }

  /** Ends the partition and heals every cut link. */
  healAll(): void {
    this.groups = undefined
    this.cutPairs.clear()
    this.resume()
  }

  /** True when nothing crosses between nodes `a` and `b` now. */
  isCut(a: number, b: number): boolean {
    const g = this.groups
    if (g !== undefined && g[a] !== g[b]) return true
    return this.cutPairs.size > 0 && this.cutPairs.has(this.pairKey(a, b))
  }

  // -------------------------------------------------------------------------------- MemoryScheduler hook

  transmit(t: MemoryTransmission): void {
    const from = this.endpoints.get(t.link.from.id)
    const to = this.endpoints.get(t.link.to.id)
    if (from === undefined || to === undefined) {
      t.deliver()
      return
    }
    if (!from.alive) {
      t.drop()
      return
    }
    if (!this.nat.passes(t, from.node, to.node)) return
    this.traffic.sent(from.node, t.byteLength)
    this.send(t, from, to, 0)
  }

  connect(attempt: MemoryDialAttempt): void {
    const from = this.endpoints.get(attempt.dialer.id)
    const to = this.endpoints.get(attempt.listener.id)
    if (from === undefined || to === undefined) {
      attempt.accept()
      return
    }
    if (!from.alive) {
      attempt.refuse()
      return
    }
    const verdict = this.nat.connect(attempt, from.node, to.node)
    if (verdict === 'punched') {
      // The simultaneous open's SYN already crossed both NATs: the SYN-ACK comes back one latency later.
      const oneWay = latencyNs(this.model.params(from.node, to.node).latencyMs)
      this.scheduler.scheduleAtNs(this.scheduler.nowNs() + oneWay, () => this.accept(attempt), undefined, 0)
      return
    }
    if (verdict === 'dropped') return
    this.dial(attempt, from, to)
  }

  opened(connection: MemoryConnection): void {
    this.nat.opened(connection)
    this.endpoints.get(connection.dialer.id)?.connections.add(connection)
    this.endpoints.get(connection.listener.id)?.connections.add(connection)
  }

  closed(connection: MemoryConnection): void {
    const a = this.endpoints.get(connection.dialer.id)
    const b = this.endpoints.get(connection.listener.id)
    a?.connections.delete(connection)
    b?.connections.delete(connection)
    this.nat.closed(connection)
    if (a === undefined || b === undefined) return
    for (const path of [this.pathOf(a.node, b.node), this.pathOf(b.node, a.node)]) {
      if (path.held.length > 0) path.held = path.held.filter((t) => t.link.connection !== connection)
    }
  }

  /** A datagram (the DHT's wire): one latency later, or lost; see `links/datagrams.ts`. */
  datagram(d: MemoryDatagram): void {
    this.datagramWorld ??= {
      scheduler: this.scheduler,
      model: this.model,
      random: this.random,
      endpoint: (id) => this.endpoints.get(id),
      isCut: (a, b) => this.isCut(a, b),
      sent: (node, bytes) => this.traffic.sent(node, bytes),
      received: (node, bytes) => this.traffic.received(node, bytes),
    }
    scheduleDatagram(this.datagramWorld, d)
  }

  // ---------------------------------------------------------------------------------------- internals

  /** Accepts a dial, tying the NAT mappings it went through to the connection it creates. */
  private accept(attempt: MemoryDialAttempt): void {
    this.nat.accepting(attempt, () => attempt.accept())
  }

  private send(t: MemoryTransmission, from: EndpointState, to: EndpointState, losses: number): void {
    const path = this.pathOf(from.node, to.node)
    if (this.isCut(from.node, to.node)) {
      this.hold(path, t)
      return
    }
    const p = this.model.params(from.node, to.node)
    const now = this.scheduler.nowNs()
    const bytes = t.byteLength
    let ready = now
    const up = this.uplinkRate[from.node] as number
    if (up !== Number.POSITIVE_INFINITY) {
      ready = (this.uplinks[from.node] as SerialQueue).accept(
        now,
        now,
        bytes,
        up,
        this.uplinkBuffer[from.node] as number,
      )
      if (ready < 0) {
        this.retransmit(t, from, to, losses + 1, p.latencyMs)
        return
      }
    }
    const sent = path.queue.accept(now, ready, bytes, p.bandwidth, p.bufferBytes)
    if (sent < 0) {
      this.retransmit(t, from, to, losses + 1, p.latencyMs)
      return
    }
    if (p.loss > 0 && this.random.chance(p.loss)) {
      this.retransmit(t, from, to, losses + 1, p.latencyMs, sent)
      return
    }
    let arrival = sent + latencyNs(p.latencyMs)
    if (p.jitter !== undefined) arrival += latencyNs(sample(p.jitter, this.random))
    if (arrival < path.lastArrival) arrival = path.lastArrival
    path.lastArrival = arrival
    this.scheduler.scheduleAtNs(arrival, () => this.arrive(t, from, to, path), undefined, 0)
  }

  /** Sends `t` again after a retransmission timeout (doubling per loss), or gives up and resets. */
  private retransmit(
    t: MemoryTransmission,
    from: EndpointState,
    to: EndpointState,
    losses: number,
    latencyMs: number,
    sentAt = this.scheduler.nowNs(),
  ): void {
    this.traffic.retransmitted(from.node)
    const connection = t.link.connection
    const rto = retransmitTimeoutMs(latencyMs) * NS_PER_MS * 2 ** Math.min(losses - 1, 8)
    this.scheduler.scheduleAtNs(
      sentAt + rto,
      () => {
        if (connection.closed) return
        if (losses > this.maxRetransmits) {
          connection.reset()
          return
        }
        if (!from.alive) {
          t.drop()
          return
        }
        this.send(t, from, to, losses)
      },
      undefined,
      0,
    )
  }

  private arrive(t: MemoryTransmission, from: EndpointState, to: EndpointState, path: Path): void {
    if (this.isCut(from.node, to.node)) {
      this.hold(path, t)
      return
    }
    if (!to.alive) {
      t.drop()
      this.resetLater(t.link.connection, to.node, from.node)
      return
    }
    this.traffic.received(to.node, t.byteLength)
    t.deliver()
  }

  private dial(attempt: MemoryDialAttempt, from: EndpointState, to: EndpointState): void {
    const path = this.pathOf(from.node, to.node)
    if (this.isCut(from.node, to.node)) {
      path.heldDials.push(attempt)
      this.withHeld.add(path)
      return
    }
    const rtt = 2 * latencyNs(this.model.params(from.node, to.node).latencyMs)
    this.scheduler.scheduleAtNs(
      this.scheduler.nowNs() + rtt,
      () => {
        if (!from.alive) attempt.refuse()
        else if (this.isCut(from.node, to.node)) {
          path.heldDials.push(attempt)
          this.withHeld.add(path)
        } else if (!to.alive) attempt.refuse()
        else this.accept(attempt)
      },
      undefined,
      0,
    )
  }

  /** Resets `c` when an RST from `from` reaches `to`, one latency from now, unless the path is cut then. */
  private resetLater(c: MemoryConnection, from: number, to: number): void {
    if (c.closed || this.resetting.has(c)) return
    this.resetting.add(c)
    const delay = latencyNs(this.model.params(from, to).latencyMs)
    this.scheduler.scheduleAtNs(
      this.scheduler.nowNs() + delay,
      () => {
        this.resetting.delete(c)
        if (c.closed || this.isCut(from, to)) return
        c.reset()
      },
      undefined,
      0,
    )
  }

  private hold(path: Path, t: MemoryTransmission): void {
    if (t.link.connection.closed) return
    path.held.push(t)
    this.withHeld.add(path)
  }

  /** Sends what every path that is no longer cut holds, in the order it was held. */
  private resume(): void {
    const paths = [...this.withHeld]
    for (const path of paths) {
      if (this.isCut(path.from, path.to)) continue
      this.withHeld.delete(path)
      const held = path.held
      const dials = path.heldDials
      path.held = []
      path.heldDials = []
      for (const t of held) {
        if (t.link.connection.closed) continue
        const from = this.endpoints.get(t.link.from.id)
        const to = this.endpoints.get(t.link.to.id)
        if (from === undefined || to === undefined) continue
        if (!from.alive) t.drop()
        else this.send(t, from, to, 0)
      }
      for (const attempt of dials) {
        const from = this.endpoints.get(attempt.dialer.id)
        const to = this.endpoints.get(attempt.listener.id)
        if (from !== undefined && to !== undefined) this.dial(attempt, from, to)
      }
    }
  }

  private pathOf(from: number, to: number): Path {
    const key = from * this.stride + to
    let p = this.paths.get(key)
    if (p === undefined) {
      p = new Path(from, to)
      this.paths.set(key, p)
    }
    return p
  }

  private pairKey(a: number, b: number): number {
    return a < b ? a * this.stride + b : b * this.stride + a
  }
}

/** Creates the simulated transport; plug it into `createMemoryNetwork({ scheduler })`. */
export function createSimNetwork(
  components: SimNetworkComponents,
  options: SimNetworkOptions = {},
): SimNetwork {
  return new SimNetwork(components, options)
}

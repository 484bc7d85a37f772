import type {
  MemoryConnection,
  MemoryDialAttempt,
  MemoryEndpoint,
  MemoryTransmission,
} from '@chainwire/network'
import type { Scheduler } from '../scheduler/scheduler'
import type { LinkModel } from './model'
import { NatBox, type NatMapping, type NatSpec } from './nat'
import { latencyNs } from './path'

/** A NAT mapping a connection goes through: checked and refreshed by every chunk. */
interface Flow {
  readonly box: NatBox
  readonly mapping: NatMapping
}

/** A public transport address as NATs see it: an IP and a port (a listener name, or a number). */
export interface PublicAddress {
  readonly host: string
  readonly port: string
}

/**
 * The owner of a punch port (a bound local port that dials several destinations, as a hole punch does): the
 * simulated network tells it of SYNs that reached the port past its NAT, and of the fate of its own SYNs.
 */
export interface PunchPortOwner {
  /**
   * A SYN from `from` (its public address; `fromLabel` its endpoint's label) reached this port. `'accept'`:
   * a simultaneous open toward `from` is waiting, and the connection will arrive on the port's listener from
   * `fromLabel`; `'ignore'`: that open is already being established; `'reset'`: nothing waits for it (RST).
   */
  synArrived(from: PublicAddress, fromLabel: string): 'accept' | 'ignore' | 'reset'
  /**
   * Our SYN to `target` was accepted by `listener`: dial `memory://<listener.label>` now (the dial is let
   * through). Returns whether it dialed.
   */
  establish(target: PublicAddress, listener: MemoryEndpoint): boolean
  /** Our SYN to `target` was answered with a reset (it arrives one latency after the SYN got there). */
  reset(target: PublicAddress): void
}

interface PortState {
  readonly node: number
  readonly endpoint: MemoryEndpoint
  readonly owner: PunchPortOwner
  /** The internal port as NATs key it. */
  readonly local: string
}

/** What the NATs of a run did, for the report. */
export interface NatCounters {
  /** Dials dropped at the target's NAT (unsolicited inbound). */
  filteredDials: number
  /** Punch SYNs dropped at the target's NAT (no mapping, or filtered). */
  filteredSyns: number
  /** Connections reset because a NAT mapping they used timed out. */
  expiredConnections: number
  /** Simultaneous opens that connected. */
  punched: number
}

/** What the NAT layer needs from the simulated network it is part of. */
export interface NatWorld {
  readonly scheduler: Scheduler
  readonly model: LinkModel
  /** True when nothing crosses between two nodes now. */
  isCut(a: number, b: number): boolean
  /** Whether an endpoint's incarnation is running. */
  isAlive(endpoint: number): boolean
  /** Resets a connection when an RST from `from` reaches `to`. */
  resetLater(connection: MemoryConnection, from: number, to: number): void
}

/**
 * The NATs of a simulated network: a {@link NatBox} in front of each NATed node, the NAT mappings each
 * connection goes through (checked and refreshed per chunk: a timed-out mapping resets the connection),
 * unsolicited inbound dials dropped, and the punch ports whose SYNs cross the NATs for a TCP simultaneous
 * open (hole punching). `SimNetwork` consults it for every dial and every chunk.
 */
export class NatLayer {
  private readonly world: NatWorld
  private readonly nats = new Map<number, NatBox>()
  private readonly hostNode = new Map<string, number>()
  private readonly flows = new Map<MemoryConnection, Flow[]>()
  private readonly attemptFlows = new WeakMap<MemoryDialAttempt, Flow[]>()
  private pendingFlows: Flow[] | undefined
  /** `dialerEndpoint>listenerEndpoint` of simultaneous opens being established, with their flows. */
  private readonly approved = new Map<string, Flow[]>()
  private readonly ports = new Map<number, PortState>()
  /** `host:port` of a public node's punch port to its endpoint id. */
  private readonly publicPorts = new Map<string, number>()
  private ephemeral = 0
  /** What the NATs did so far. */
  readonly counters: NatCounters = { filteredDials: 0, filteredSyns: 0, expiredConnections: 0, punched: 0 }

  constructor(world: NatWorld) {
    this.world = world
  }

  /** Registers an endpoint of node `node` (its IP is the node's, or its NAT's). */
  attach(endpoint: MemoryEndpoint, node: number): void {
    if (!this.hostNode.has(endpoint.host)) this.hostNode.set(endpoint.host, node)
  }

  /**
   * Puts node `node` behind a NAT whose public IP is `host` (the node's synthetic IP: what its peers see).
   * Inbound dials to it are dropped; its outbound connections go through mappings that time out.
   */
  setNat(node: number, host: string, spec: NatSpec): void {
    this.nats.set(node, new NatBox(host, spec))
    this.hostNode.set(host, node)
  }

  /** The NAT in front of node `node`, if any. */
  natOf(node: number): NatBox | undefined {
    return this.nats.get(node)
  }

  /** One-way latency between two nodes, in ms. */
  latencyMs(a: number, b: number): number {
    return this.world.model.params(a, b).latencyMs
  }

  /** Registers a punch port of node `node` (attached to the simulated network first): a memory endpoint that dials through one NAT mapping. */
  attachPort(endpoint: MemoryEndpoint, node: number, owner: PunchPortOwner): void {
    this.ports.set(endpoint.id, { node, endpoint, owner, local: `p${endpoint.id}` })
    if (!this.nats.has(node)) this.publicPorts.set(`${endpoint.host}:${endpoint.id}`, endpoint.id)
  }

  /** Forgets a punch port (its connections stay). */
  detachPort(endpoint: MemoryEndpoint): void {
    this.ports.delete(endpoint.id)
    this.publicPorts.delete(`${endpoint.host}:${endpoint.id}`)
  }

  /**
   * The public address a packet from punch port `endpoint` to `toward` leaves from (what a STUN server
   * there answers): the NAT mapping is created or refreshed; a public node's port is its own.
   */
  publicAddressOf(endpoint: MemoryEndpoint, toward: PublicAddress): PublicAddress | undefined {
    const port = this.ports.get(endpoint.id)
    if (port === undefined) return undefined
    const box = this.nats.get(port.node)
    if (box === undefined) return { host: endpoint.host, port: String(endpoint.id) }
    const m = box.outbound(port.local, toward.host, toward.port, this.world.scheduler.nowNs())
    return m === undefined ? undefined : { host: box.host, port: String(m.external) }
  }

  /**
   * Sends a SYN from punch port `endpoint` to `target`: the port's NAT maps it and lets `target` in from now
   * on; one latency later it reaches the target's NAT, which lets it through or drops it (its filtering),
   * then the port there accepts it (a simultaneous open: both owners are told), ignores it, or resets.
   */
  syn(endpoint: MemoryEndpoint, target: PublicAddress): void {
    const src = this.ports.get(endpoint.id)
    const toNode = this.hostNode.get(target.host)
    if (src === undefined || toNode === undefined) return
    const now = this.world.scheduler.nowNs()
    const flows: Flow[] = []
    let from: PublicAddress = { host: endpoint.host, port: String(endpoint.id) }
    const box = this.nats.get(src.node)
    if (box !== undefined) {
      const m = box.outbound(src.local, target.host, target.port, now)
      if (m === undefined) return
      flows.push({ box, mapping: m })
      from = { host: box.host, port: String(m.external) }
    }
    if (this.world.isCut(src.node, toNode)) return
    const oneWay = latencyNs(this.world.model.params(src.node, toNode).latencyMs)
    const arrive = (): void => {
      if (this.world.isCut(src.node, toNode) || !this.ports.has(endpoint.id)) return
      const tbox = this.nats.get(toNode)
      let targetId: number | undefined
      if (tbox === undefined) targetId = this.publicPorts.get(`${target.host}:${target.port}`)
      else {
        const m = tbox.inbound(Number(target.port), from.host, from.port, this.world.scheduler.nowNs())
        if (m === undefined || !m.local.startsWith('p')) {
          this.counters.filteredSyns++
          return
        }
        flows.push({ box: tbox, mapping: m })
        targetId = Number(m.local.slice(1))
      }
      const dst = targetId === undefined ? undefined : this.ports.get(targetId)
      const verdict =
        dst === undefined || !this.world.isAlive(dst.endpoint.id)
          ? 'reset'
          : dst.owner.synArrived(from, endpoint.label)
      if (verdict === 'accept' && dst !== undefined) {
        // Let the sender's dial through (it runs inside `establish`); forget it if no dial came.
        const key = `${endpoint.id}>${dst.endpoint.id}`
        this.approved.set(key, flows)
        if (!src.owner.establish(target, dst.endpoint)) this.approved.delete(key)
      } else if (verdict === 'reset') {
        this.world.scheduler.scheduleAtNs(
          this.world.scheduler.nowNs() + oneWay,
          () => this.ports.get(endpoint.id)?.owner.reset(target),
          undefined,
          0,
        )
      }
    }
    this.world.scheduler.scheduleAtNs(now + oneWay, arrive, undefined, 0)
  }

  /**
   * A dial from node `from` to node `to`: `'punched'` when it completes a simultaneous open (accept it one
   * latency later), `'dropped'` when the target's NAT drops it (unsolicited inbound: the dialer's own
   * deadline ends it, as over the internet), else `'dial'` (through the dialer's NAT, if any).
   */
  connect(attempt: MemoryDialAttempt, from: number, to: number): 'punched' | 'dropped' | 'dial' {
    const key = `${attempt.dialer.id}>${attempt.listener.id}`
    const punched = this.approved.get(key)
    if (punched !== undefined) {
      this.approved.delete(key)
      this.counters.punched++
      this.attemptFlows.set(attempt, punched)
      return 'punched'
    }
    if (this.nats.size === 0) return 'dial'
    if (this.nats.has(to)) {
      this.counters.filteredDials++
      return 'dropped'
    }
    const box = this.nats.get(from)
    if (box !== undefined) {
      const local = `c${++this.ephemeral}`
      const m = box.outbound(local, attempt.listener.host, attempt.name, this.world.scheduler.nowNs())
      if (m === undefined) return 'dropped'
      this.attemptFlows.set(attempt, [{ box, mapping: m }])
    }
    return 'dial'
  }

  /** Runs `accept` (which creates the connection) so that {@link opened} ties the dial's mappings to it. */
  accepting(attempt: MemoryDialAttempt, accept: () => void): void {
    this.pendingFlows = this.attemptFlows.get(attempt)
    try {
      accept()
    } finally {
      this.pendingFlows = undefined
    }
  }

  /** A connection was created. */
  opened(connection: MemoryConnection): void {
    if (this.pendingFlows === undefined) return
    this.flows.set(connection, this.pendingFlows)
    this.pendingFlows = undefined
  }

  /** A connection closed: its mappings are no longer refreshed by it (they time out). */
  closed(connection: MemoryConnection): void {
    this.flows.delete(connection)
  }

  /**
   * Checks and refreshes the NAT mappings a chunk's connection goes through. A mapping that timed out is
   * gone: the chunk is dropped and the connection reset (both ends give up, as TCP does once its
   * retransmissions meet a NAT that no longer knows the flow). False when the chunk must not be sent.
   */
  passes(t: MemoryTransmission, from: number, to: number): boolean {
    if (this.flows.size === 0) return true
    const flows = this.flows.get(t.link.connection)
    if (flows === undefined) return true
    const now = this.world.scheduler.nowNs()
    for (const f of flows) {
      if (!f.box.alive(f.mapping, now)) {
        this.flows.delete(t.link.connection)
        this.counters.expiredConnections++
        t.drop()
        this.world.resetLater(t.link.connection, from, to)
        return false
      }
    }
    for (const f of flows) f.mapping.lastNs = now
    return true
  }
}

/**
 * A NATed population in netsim (virtual time, the real network package over simulated links with NAT models),
 * running nat-traversal's real relay server, relay client, hole puncher and connection candidates. The same
 * scenario as `pnpm bench nat`; its small sizes are the netsim test, 1,000 nodes the scale test.
 *
 * - 5% of the nodes are public relays (the `relay` capability), 35% other public nodes, 60% behind NATs:
 *   of those, 50% endpoint-independent mapping with address-and-port-dependent filtering (Linux MASQUERADE,
 *   most home routers), 10% endpoint-independent / address-dependent, 10% endpoint-independent /
 *   endpoint-independent (full cone), 30% endpoint-dependent / address-and-port-dependent (symmetric:
 *   carrier-grade NATs, `--random-fully`). 70% endpoint-independent in all.
 * - Every non-relay node keeps connections to 2 relays (persistent peers); NATed nodes take a reservation
 *   on each and advertise the relayed addresses (shared out of band, as discovery would carry them).
 * - From 10 s to 30 s each NATed node dials `dialsPerNode` other NATed nodes (every NATed node is the
 *   target of at least one dial) by their candidates: relayed addresses only (a NATed node advertises no
 *   direct one). The target accepts the circuit and starts the hole punch (DCUtR); a punch port's mapping
 *   comes from a simulated STUN Binding to one of its relays. Each connection is then pinged end to end,
 *   then every 2 s, 20 times (its traffic: over the relay for as long as it stays relayed).
 */
import type { Metrics, PeerId } from '@chainwire/interface'
import { MemoryMetrics } from '@chainwire/interface/testing'
import {
  defineScenario,
  type NatInput,
  natLabel,
  parseSimPortAddress,
  Random,
  type RunStats,
  runScenario,
  type SimNodeHandle,
} from '@chainwire/netsim'
import { dialCandidates } from '../../src/candidates'
import { HolePuncher } from '../../src/holepunch/hole-puncher'
import type { PunchPortSource } from '../../src/holepunch/punch-port'
import { RELAY_CAPABILITY } from '../../src/nat-traversal'
import { registerRelayHandlers } from '../../src/relay/handlers'
import { RelayClient, type RelayedAddress } from '../../src/relay/relay-client'
import { RelayServer } from '../../src/relay/relay-server'

/** Parameters of {@link runNatPopulation}. */
export interface NatPopulationParams {
  nodes: number
  /** Dials each NATed node makes to other NATed nodes. @default 2 */
  dialsPerNode?: number
  /** @default 1 */
  seed?: number
  /** @default 'null' (same frames and timing, no encryption CPU) */
  cipher?: 'null' | 'chacha20-poly1305'
  /** Hole punching on; off runs the relay-only baseline. @default true */
  punch?: boolean
}

/** One dial between two NATed nodes. */
export interface NatDial {
  from: number
  to: number
  fromNat: string
  toNat: string
  /** How it ended: punched (direct), relayed, or failed (the error code). */
  outcome: 'punched' | 'relayed' | string
  /** The end-to-end ping over the final connection answered. */
  pingOk: boolean
}

/** One upgrade the target of a circuit ran (DCUtR: the side that accepted the circuit punches). */
export interface NatUpgrade {
  from: number
  to: number
  ok: boolean
  timeToDirectMs?: number
  /** Relayed round trip the puncher measured before the synchronised dial. */
  rttMs?: number
  attempt?: number
}

/** What {@link runNatPopulation} measured. */
export interface NatPopulationFigures {
  nodes: number
  relays: number
  natted: number
  /** NATed nodes per NAT type. */
  natTypes: Record<string, number>
  /** NATed nodes holding at least one reservation when the dials start. */
  reserved: number
  dials: NatDial[]
  upgrades: NatUpgrade[]
  /** NATed nodes some dial reached (relayed or punched, and the ping answered). */
  reachable: number
  /** NATed nodes that were the target of a dial. */
  targeted: number
  /** Bytes relayed through circuits, per relay. */
  relayBytes: number[]
  /** netsim's NAT counters. */
  nat: { filteredDials: number; filteredSyns: number; expiredConnections: number; punched: number }
  stats: RunStats
}

const RELAY_SHARE = 0.05
const NAT_SHARE = 0.6
/** The NAT mix of the NATed nodes: [share, type]. */
export const NAT_MIX: readonly [number, Omit<NatInput, 'nodes'>][] = [
  [0.5, { mapping: 'endpoint-independent', filtering: 'address-and-port' }],
  [0.1, { mapping: 'endpoint-independent', filtering: 'address' }],
  [0.1, { mapping: 'endpoint-independent', filtering: 'endpoint-independent' }],
  [0.3, { mapping: 'endpoint-dependent', filtering: 'address-and-port' }],
]
const DIALS_FROM_MS = 10_000
const DIALS_UNTIL_MS = 30_000
/** Each connection then carries a ping every 2 s, 20 times. */
const TRAFFIC_PINGS = 20
const TRAFFIC_EVERY_MS = 2_000

/** Runs the NAT population scenario (see the file comment) and returns its figures. */
export async function runNatPopulation(params: NatPopulationParams): Promise<NatPopulationFigures> {
  const n = params.nodes
  const relays = Math.max(2, Math.round(n * RELAY_SHARE))
  const natted = Math.round(n * NAT_SHARE)
  const firstNat = n - natted
  const nat: NatInput[] = []
  const natTypes: Record<string, number> = {}
  let at = firstNat
  for (const [k, [share, type]] of NAT_MIX.entries()) {
    const count = k === NAT_MIX.length - 1 ? n - at : Math.round(natted * share)
    if (count <= 0) continue
    nat.push({ nodes: `n${at}..n${at + count - 1}`, ...type })
    natTypes[label(type)] = count
    at += count
  }
  const natOf = (i: number): string => {
    for (const e of nat) {
      const [a, b] = (e.nodes as string).split('..').map((s) => Number(s.slice(1))) as [number, number]
      if (i >= a && i <= b) return label(e)
    }
    return 'public'
  }
  const edges: [number, number][] = []
  for (let i = relays; i < n; i++) edges.push([i, i % relays], [i, (i + 1) % relays])

  const relayed = new Map<number, RelayedAddress[]>()
  const clients = new Map<number, RelayClient>()
  const relayMetrics = new Map<number, MemoryMetrics>()
  const dials: NatDial[] = []
  const upgrades: NatUpgrade[] = []
  const reachedTargets = new Set<number>()
  const targeted = new Set<number>()
  const indexOfPeer = new Map<PeerId, number>()
  let reserved = 0
  let natCounters: NatPopulationFigures['nat'] = {
    filteredDials: 0,
    filteredSyns: 0,
    expiredConnections: 0,
    punched: 0,
  }

  // Dial plan: each NATed node dials `dialsPerNode` others; the first round is a permutation, so every
  // NATed node is a target at least once.
  const plan = dialPlan(firstNat, n, params.dialsPerNode ?? 2, params.seed ?? 1)

  const setup = (node: SimNodeHandle): (() => void) => {
    indexOfPeer.set(node.peerId, node.index)
    const stops: (() => void | Promise<void>)[] = []
    if (node.index < relays) {
      const metrics = new MemoryMetrics()
      relayMetrics.set(node.index, metrics)
      const server = new RelayServer(
        { network: node.network, transport: node.transport, clock: node.clock, metrics: metrics as Metrics },
        { circuitListen: `memory://n${node.index}-circuit`, maxCircuits: 256, maxReservations: 256 },
      )
      void server.start()
      stops.push(registerRelayHandlers(node.network, { server }), () => server.stop())
      return () => {
        for (const s of stops) void s()
      }
    }
    if (node.nat === undefined) return () => {}
    const client = new RelayClient({ network: node.network, transport: node.transport, clock: node.clock })
    client.start()
    clients.set(node.index, client)
    const relayNodes = [node.index % relays, (node.index + 1) % relays]
    const ports: PunchPortSource = {
      accepts: (address) => parseSimPortAddress(address) !== undefined,
      async acquire({ signal }) {
        const port = await node.openPort()
        try {
          const external = await port.mappedAddress(relayNodes[0] as number, { signal })
          return {
            localPort: port.localPort,
            external,
            connect: (remote, s) => port.connect(remote, s),
            release: () => port.close(),
          }
        } catch (err) {
          port.close()
          throw err
        }
      },
    }
    const puncher = new HolePuncher({
      network: node.network,
      ports,
      isRelayed: (peer) => client.isRelayed(peer),
      clock: node.clock,
    })
    puncher.start()
    stops.push(
      registerRelayHandlers(node.network, { client }),
      () => client.stop(),
      () => puncher.stop(),
    )
    const onConnected = ({
      peer,
    }: {
      peer: { peerId: PeerId; hello: { capabilities: readonly string[] } }
    }) => {
      if (!peer.hello.capabilities.includes(RELAY_CAPABILITY)) return
      void client
        .reserve(peer.peerId)
        .then(() => relayed.set(node.index, client.relayedAddresses()))
        .catch(() => {})
    }
    node.network.on('peer:connected', onConnected)
    stops.push(() => {
      node.network.off('peer:connected', onConnected)
    })
    client.on('reservation:lost', () => relayed.set(node.index, client.relayedAddresses()))
    // DCUtR: the side that accepted the circuit starts the upgrade.
    client.on('circuit:open', ({ peer, direction }) => {
      if (direction !== 'inbound' || params.punch === false) return
      const from = indexOfPeer.get(peer.peerId) ?? -1
      puncher.upgrade(peer.peerId).then(
        (r) =>
          upgrades.push({
            from,
            to: node.index,
            ok: true,
            timeToDirectMs: r.timeToDirectMs,
            rttMs: r.rttMs,
            attempt: r.attempt,
          }),
        () => upgrades.push({ from, to: node.index, ok: false }),
      )
    })
    for (const [k, target] of (plan.get(node.index) ?? []).entries()) {
      const timer = node.clock.setTimeout(
        () => void dialOne(node, client, target),
        DIALS_FROM_MS + ((k * 7_919 + node.index * 104_729) % (DIALS_UNTIL_MS - DIALS_FROM_MS)),
      )
      stops.push(() => node.clock.clearTimeout(timer))
    }
    return () => {
      for (const s of stops) void s()
    }
  }

  const dialOne = async (node: SimNodeHandle, client: RelayClient, target: number): Promise<void> => {
    targeted.add(target)
    const via = relayed.get(target) ?? []
    const targetPeer = [...indexOfPeer].find(([, i]) => i === target)?.[0]
    const record: NatDial = {
      from: node.index,
      to: target,
      fromNat: natOf(node.index),
      toNat: natOf(target),
      outcome: 'ERR_NO_CANDIDATE',
      pingOk: false,
    }
    dials.push(record)
    if (targetPeer === undefined) return
    try {
      const result = await dialCandidates(
        { network: node.network, relayClient: client, clock: node.clock },
        targetPeer,
        via.map((r) => ({ kind: 'relayed' as const, relay: r.relay, relayAddress: r.relayAddress })),
        { punchWaitMs: params.punch === false ? 0 : 25_000 },
      )
      record.outcome = result.winner
      await node.network.ping(targetPeer)
      record.pingOk = true
      reachedTargets.add(target)
      // the connection's traffic: a ping every 2 s (over the relay for as long as it stays relayed)
      for (let k = 0; k < TRAFFIC_PINGS; k++) {
        await node.clock.sleep(TRAFFIC_EVERY_MS)
        await node.network.ping(targetPeer).catch(() => {})
      }
    } catch (err) {
      if (record.outcome === 'ERR_NO_CANDIDATE') record.outcome = (err as { code?: string }).code ?? 'error'
    }
  }

  const { report, stats } = await runScenario(
    defineScenario({
      name: 'nat-population',
      duration: '80s',
      nodes: { count: n, startSpread: '2s', nat },
      topology: { type: 'explicit', edges },
      links: { latency: { distribution: 'uniform', min: '10ms', max: '80ms' } },
      cipher: params.cipher ?? 'null',
      networkFor: ({ index }) => (index < relays ? { capabilities: [RELAY_CAPABILITY] } : undefined),
      setup: (node) => {
        if (node.index === firstNat) {
          node.clock.setTimeout(() => {
            reserved = [...clients.values()].filter((c) => c.reservations().length > 0).length
          }, DIALS_FROM_MS)
        }
        return setup(node)
      },
    }),
    { seed: params.seed ?? 1 },
  )
  natCounters = report.summary.nat ?? natCounters
  return {
    nodes: n,
    relays,
    natted,
    natTypes,
    reserved,
    dials,
    upgrades,
    reachable: reachedTargets.size,
    targeted: targeted.size,
    relayBytes: [...relayMetrics.values()].map((m) => m.get('relay_bytes_total') ?? 0),
    nat: {
      filteredDials: natCounters.filteredDials,
      filteredSyns: natCounters.filteredSyns,
      expiredConnections: natCounters.expiredConnections,
      punched: natCounters.punched,
    },
    stats,
  }
}

function label(t: Omit<NatInput, 'nodes'>): string {
  return natLabel({ mapping: t.mapping, filtering: t.filtering, timeoutMs: 0 })
}

/** Each NATed node's targets: a derangement first (every NATed node targeted), then random others. */
function dialPlan(first: number, n: number, perNode: number, seed: number): Map<number, number[]> {
  const ids = Array.from({ length: n - first }, (_, k) => first + k)
  const plan = new Map<number, number[]>(ids.map((i) => [i, []]))
  const random = new Random(seed).fork('dial-plan')
  const rand = (m: number): number => Math.floor(random.next() * m)
  for (let round = 0; round < perNode; round++) {
    const shift = 1 + rand(ids.length - 1)
    for (const [k, i] of ids.entries()) {
      const target = ids[(k + shift) % ids.length] as number
      if (target !== i && !(plan.get(i) as number[]).includes(target)) (plan.get(i) as number[]).push(target)
    }
  }
  return plan
}

/** The headline figures of a run. */
export interface NatPopulationSummary {
  /** NATed nodes reached by a dial (relayed or direct, ping answered), of all NATed nodes. */
  reachableShare: number
  /** Dials between NATed nodes that ended direct (punched). */
  directShare: number
  /** The same among pairs where both NATs map endpoint-independently (the punchable ones). */
  directShareEim: number
  /** Dials where either side is endpoint-dependent (symmetric) that ended direct (0: they cannot). */
  directShareSymmetric: number
  /** Dials whose final connection answered a ping. */
  pingShare: number
  /** Successful upgrades that took one attempt. */
  firstAttemptShare: number
  /** Time from the start of the upgrade to the direct connection, in relayed round trips: p50, p90. */
  timeToDirectRtts: { p50: number; p90: number }
  /** The same in ms. */
  timeToDirectMs: { p50: number; p90: number }
  /** Bytes relayed through circuits, per NATed node. */
  relayBytesPerNatNode: number
}

/** Sums up a run's figures. */
export function summarizeNatPopulation(f: NatPopulationFigures): NatPopulationSummary {
  const share = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole)
  const eim = (t: string): boolean => t.startsWith('EIM')
  const eimPairs = f.dials.filter((d) => eim(d.fromNat) && eim(d.toNat))
  const symPairs = f.dials.filter((d) => !eim(d.fromNat) || !eim(d.toNat))
  const punched = (ds: NatDial[]): number => ds.filter((d) => d.outcome === 'punched').length
  const ok = f.upgrades.filter((u) => u.ok)
  const rtts = ok.map((u) => (u.timeToDirectMs as number) / Math.max(1, u.rttMs as number))
  const ms = ok.map((u) => u.timeToDirectMs as number)
  return {
    reachableShare: share(f.reachable, f.natted),
    directShare: share(punched(f.dials), f.dials.length),
    directShareEim: share(punched(eimPairs), eimPairs.length),
    directShareSymmetric: share(punched(symPairs), symPairs.length),
    pingShare: share(f.dials.filter((d) => d.pingOk).length, f.dials.length),
    firstAttemptShare: share(ok.filter((u) => u.attempt === 1).length, ok.length),
    timeToDirectRtts: { p50: quantile(rtts, 0.5), p90: quantile(rtts, 0.9) },
    timeToDirectMs: { p50: quantile(ms, 0.5), p90: quantile(ms, 0.9) },
    relayBytesPerNatNode: share(
      f.relayBytes.reduce((a, b) => a + b, 0),
      f.natted,
    ),
  }
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
}

import { performance } from 'node:perf_hooks'
import {
  linkSignals,
  type NodeRole,
  type OptionSpec,
  option,
  resolveOptions,
  tryParseAddress,
} from '@chainwire/interface'
import { createMemoryNetwork, type NetworkOptions } from '@chainwire/network'
import { NetsimError, ScenarioInvalidError, SimulationAbortedError, SimulationFailedError } from '../errors'
import { LinkModel } from '../links/model'
import type { NatSpec } from '../links/nat'
import { SimNetwork } from '../links/sim-network'
import { MetricsCollector } from '../metrics/collector'
import { Random } from '../random/random'
import { buildReport } from '../report/build'
import { renderSvg } from '../report/svg'
import type { Report } from '../report/types'
import { resolveSelector, type SelectorContext } from '../scenario/selector'
import type { CipherName, Scenario } from '../scenario/types'
import { MAX_VIRTUAL_MS, Scheduler, signalOption } from '../scheduler/scheduler'
import { behaviourHooks } from './adversary'
import { scheduleFaults } from './faults'
import { seededIdentity } from './identity'
import { type AdversaryRole, SimNode, type SimWorld } from './node'
import { NULL_AEAD } from './null-cipher'
import { assignRegions, buildEdges, nodeHost } from './topology'
import type { SimNodeHandle } from './types'
import { scheduleWorkload } from './workload'

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** The seed of this run (a finite number or a string); every random draw derives from it. @default the scenario's seed */
  seed?: number | string
  /** Stops the run (`ERR_SIMULATION_ABORTED`). @default none */
  signal?: AbortSignal
  /** Called about every 10,000 events with the virtual time reached (ms) and the events fired. @default none */
  onProgress?: (virtualMs: number, events: number) => void
  /** Virtual time the nodes get to shut down gracefully after the end. @default 5_000 */
  shutdownGraceMs?: number
  /**
   * Called once the scenario's time is over, before the report is built and the nodes are stopped, with the
   * running nodes: to inspect their networks, or to measure memory while every node is alive.
   * @default none
   */
  onEnd?: (nodes: readonly SimNodeHandle[]) => void | Promise<void>
  /**
   * The nodes' Noise transport cipher for this run, over the scenario's `cipher`: `'null'` for cheaper
   * scale runs (same frames, same report but for `scenario.cipher`). @default the scenario's cipher
   */
  cipher?: CipherName
}

const RUN_SCENARIO_OPTIONS: OptionSpec<RunScenarioOptions & { shutdownGraceMs: number }> = {
  seed: option.custom<number | string | undefined>(undefined, (v) =>
    typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))
      ? undefined
      : 'must be a number or a string',
  ),
  signal: signalOption,
  onProgress: option.callback<RunScenarioOptions['onProgress']>(undefined),
  shutdownGraceMs: option.number(5_000, { min: 0, max: MAX_VIRTUAL_MS }),
  onEnd: option.callback<RunScenarioOptions['onEnd']>(undefined),
  cipher: option.custom<CipherName | undefined>(undefined, (v) =>
    v === 'chacha20-poly1305' || v === 'null' ? undefined : "must be 'chacha20-poly1305' or 'null'",
  ),
}

/** How long the run took, for benchmarks and the CLI (never part of the report: it is wall time). */
export interface RunStats {
  /** Events fired during the scenario (shutdown excluded). */
  readonly events: number
  readonly virtualMs: number
  /** Wall time of the scenario, in ms (setup and shutdown excluded). */
  readonly wallMs: number
  /** Wall time including setup, report and shutdown, in ms. */
  readonly totalWallMs: number
  readonly eventsPerSecond: number
  /**
   * CPU time of this process during the scenario (user + system, setup and shutdown excluded), in ms: on a
   * shared machine a steadier measure of the cost of a run than wall time.
   */
  readonly cpuMs: number
  /** Events per CPU second (`events / cpuMs`, per second). */
  readonly eventsPerCpuSecond: number
  /** Virtual ms simulated per wall ms. */
  readonly virtualToWall: number
}

/** The outcome of a run. */
export interface SimulationResult {
  /** The deterministic report (what `report.json` holds). */
  readonly report: Report
  /** The report's chart as a self-contained SVG document. */
  readonly svg: string
  readonly stats: RunStats
}

/**
 * The synthetic IP of every node: `nodes.subnets` first (consecutive addresses of each subnet, lowest index
 * first), {@link nodeHost} for the others. Throws `ERR_SCENARIO_INVALID` when a node is in two subnets, a
 * subnet cannot hold its nodes, or two nodes would share an IP.
 */
function assignHosts(scenario: Scenario, ctx: SelectorContext, root: Random): string[] {
  const hosts: (string | undefined)[] = new Array(scenario.nodeCount).fill(undefined)
  for (const [k, subnet] of scenario.subnets.entries()) {
    const members = [...resolveSelector(subnet.nodes, ctx, root.fork(`subnets/${k}`))].sort((a, b) => a - b)
    const capacity = 2 ** (32 - subnet.prefix) - 2
    if (members.length > capacity) {
      throw new ScenarioInvalidError(
        `nodes.subnets[${k}].nodes`,
        `${members.length} nodes do not fit in ${subnet.cidr}`,
      )
    }
    for (const [j, i] of members.entries()) {
      if (hosts[i] !== undefined) {
        throw new ScenarioInvalidError(`nodes.subnets[${k}].nodes`, `node n${i} is already in another subnet`)
      }
      const ip = subnet.base + 1 + j
      hosts[i] = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.')
    }
  }
  const out = hosts.map((h, i) => h ?? nodeHost(i))
  const owner = new Map<string, number>()
  for (const [i, h] of out.entries()) {
    const other = owner.get(h)
    if (other !== undefined) {
      throw new ScenarioInvalidError('nodes.subnets', `nodes n${other} and n${i} would share the IP ${h}`)
    }
    owner.set(h, i)
  }
  return out
}

/** The NAT in front of each node (`nodes.nat`); a node in two entries is an invalid scenario. */
function assignNats(scenario: Scenario, ctx: SelectorContext, root: Random): (NatSpec | undefined)[] {
  const out: (NatSpec | undefined)[] = new Array(scenario.nodeCount).fill(undefined)
  for (const [k, entry] of scenario.nats.entries()) {
    for (const i of resolveSelector(entry.nodes, ctx, root.fork(`nat/${k}`))) {
      if (out[i] !== undefined)
        throw new ScenarioInvalidError(`nodes.nat[${k}].nodes`, `node n${i} is already behind another NAT`)
      out[i] = entry.nat
    }
  }
  return out
}

/** The connection slots each node needs for its share of the topology, unless the scenario sets them. */
function slotOptions(base: NetworkOptions, out: number[], inn: number[]): NetworkOptions {
  const maxOut = Math.max(0, ...out)
  const maxIn = Math.max(0, ...inn)
  const maxManual = base.maxManual ?? Math.max(8, maxOut)
  const maxInbound = base.maxInbound ?? Math.max(106, maxIn + 8)
  const outbound =
    (base.maxOutboundFullRelay ?? 8) + (base.maxOutboundBlockRelay ?? 2) + (base.maxFeelers ?? 1) + maxManual
  return {
    networkId: 'chainwire-netsim',
    ...base,
    maxManual,
    maxInbound,
    maxConnections: base.maxConnections ?? maxInbound + outbound,
  }
}

/**
 * Runs a scenario in virtual time over the real @chainwire/network: builds the nodes (seeded identities,
 * synthetic IPs, the simulated transport), starts them within the start spread, plays the workload and the
 * faults, then reports. The same scenario and seed give the same report, byte for byte.
 */
export async function runScenario(
  scenario: Scenario,
  given: RunScenarioOptions = {},
): Promise<SimulationResult> {
  const wallStart = performance.now()
  const options = resolveOptions(RUN_SCENARIO_OPTIONS, given)
  const seed = options.seed ?? scenario.seed
  const cipher = options.cipher ?? scenario.cipher
  const root = new Random(seed)
  const n = scenario.nodeCount
  const scheduler = new Scheduler()
  const metrics = new MetricsCollector(n)
  const regionOf = assignRegions(scenario.regions, n)
  const rolesOf: NodeRole[][] = Array.from({ length: n }, () => [])
  const selectorCtx: SelectorContext = {
    nodeCount: n,
    regionOf: (i) => regionOf[i] as string,
    hasRole: (i, role) => (rolesOf[i] as NodeRole[]).includes(role),
  }
  for (const [k, r] of scenario.roles.entries()) {
    for (const i of resolveSelector(r.nodes, selectorCtx, root.fork(`roles/${k}`))) {
      ;(rolesOf[i] as NodeRole[]).push(r.role)
    }
  }
  for (const roles of rolesOf) if (roles.length === 0) roles.push('full')
  const hosts = assignHosts(scenario, selectorCtx, root)
  const natOf = assignNats(scenario, selectorCtx, root)

  const model = new LinkModel({
    defaults: scenario.links,
    regionLinks: scenario.regionLinks,
    regionOf: (i) => regionOf[i] as string,
    nodeCount: n,
    random: root.fork('links/latency'),
  })
  const simnet = new SimNetwork({ scheduler, model, random: root.fork('links/chunks'), traffic: metrics })
  for (let i = 0; i < n; i++) {
    const region = scenario.regions.find((r) => r.name === regionOf[i])
    if (region !== undefined && region.uplink !== Number.POSITIVE_INFINITY) {
      simnet.setUplink(i, region.uplink, scenario.links.bufferBytes)
    }
  }
  const memory = createMemoryNetwork({ scheduler: simnet })

  const edges = buildEdges(scenario.topology, n, root.fork('topology'))
  const dials: string[][] = Array.from({ length: n }, () => [])
  const out = new Array<number>(n).fill(0)
  const inn = new Array<number>(n).fill(0)
  for (const [a, b] of edges) {
    ;(dials[a] as string[]).push(`memory://n${b}`)
    out[a] = (out[a] as number) + 1
    inn[b] = (inn[b] as number) + 1
  }
  const networkOptions = slotOptions(scenario.network, out, inn)

  const adversaries: AdversaryRole[][] = Array.from({ length: n }, () => [])
  const adversaryCounts: number[] = []
  for (const [k, a] of scenario.adversaries.entries()) {
    const { startMs, endMs } = a
    const active = (): boolean => {
      const now = scheduler.nowMs()
      return now >= startMs && now <= endMs
    }
    const hooks = a.hooks ?? behaviourHooks(a.behaviour as NonNullable<typeof a.behaviour>, active)
    const members = resolveSelector(a.nodes, selectorCtx, root.fork(`adversaries/${k}`))
    for (const i of members) (adversaries[i] as AdversaryRole[]).push({ name: a.name, hooks, active })
    adversaryCounts.push(members.length)
  }

  const failure = new AbortController()
  let failedWith: unknown
  const nodes: SimNode[] = []
  /** Each node's listen address to its synthetic IP, filled as the nodes are made. */
  const hostByAddress = new Map<string, string>()
  const indexByAddress = new Map<string, number>()
  const world: SimWorld = {
    scheduler,
    memory,
    simnet,
    metrics,
    setup: scenario.setup,
    transportAead: cipher === 'null' ? NULL_AEAD : undefined,
    isTarget: (i) => {
      const node = nodes[i] as SimNode
      return node.running && !node.adversarial
    },
    // Looked up by canonical form, so `MEMORY://n3` is node n3 as it is to the memory transport.
    hostOf: (address) => {
      const parsed = tryParseAddress(address)
      return parsed === undefined ? undefined : hostByAddress.get(parsed.address)
    },
    nodeOf: (address) => {
      const parsed = tryParseAddress(address)
      return parsed === undefined ? undefined : indexByAddress.get(parsed.address)
    },
    fail: (err) => {
      if (failedWith === undefined) failedWith = err
      failure.abort(err)
    },
  }
  for (let i = 0; i < n; i++) {
    nodes.push(
      new SimNode(world, {
        index: i,
        host: hosts[i] as string,
        region: regionOf[i] as string,
        roles: rolesOf[i] as NodeRole[],
        identity: seededIdentity(root.fork(`identity/${i}`)),
        random: root.fork(`node/${i}`),
        dials: dials[i] as string[],
        networkOptions: {
          ...networkOptions,
          ...scenario.networkFor?.({ index: i, name: `n${i}`, host: hosts[i] as string }),
        },
        adversaries: adversaries[i] as AdversaryRole[],
        nat: natOf[i],
      }),
    )
    const node = nodes[i] as SimNode
    hostByAddress.set(node.address, node.host)
    indexByAddress.set(node.address, i)
    if (node.nat !== undefined) simnet.nat.setNat(i, node.host, node.nat)
  }

  const starts = root.fork('starts')
  for (const node of nodes) {
    scheduler.scheduleAt(starts.uniform(0, scenario.startSpreadMs), () => node.start())
  }
  const running = { ended: false }
  scheduleWorkload({ scenario, scheduler, nodes, random: root.fork('workload'), selectorCtx, running })
  scheduleFaults({
    scenario,
    scheduler,
    nodes,
    simnet,
    metrics,
    random: root.fork('faults'),
    selectorCtx,
    running,
  })

  const stop = linkSignals(options.signal, failure.signal)
  const runStart = performance.now()
  const cpuStart = process.cpuUsage()
  try {
    await scheduler.run(scenario.durationMs, { signal: stop.signal, onProgress: options.onProgress })
  } catch (err) {
    scheduler.clear()
    if (failedWith !== undefined) {
      throw NetsimError.isInstance(failedWith)
        ? failedWith
        : new SimulationFailedError('a node failed', { atMs: scheduler.nowMs() }, { cause: failedWith })
    }
    if (SimulationAbortedError.isInstance(err) || SimulationFailedError.isInstance(err)) throw err
    throw new SimulationFailedError('the simulation failed', { atMs: scheduler.nowMs() }, { cause: err })
  } finally {
    stop.clear()
  }
  const wallMs = performance.now() - runStart
  const cpu = process.cpuUsage(cpuStart)
  const cpuMs = (cpu.user + cpu.system) / 1_000
  const events = scheduler.eventsFired
  running.ended = true
  if (options.onEnd !== undefined) {
    await options.onEnd(nodes.flatMap((node) => (node.handle === undefined ? [] : [node.handle])))
  }

  const report = buildReport({
    scenario,
    seed,
    cipher,
    nodes,
    metrics,
    edges: edges.length,
    events,
    adversaryCounts,
    nat: { ...simnet.nat.counters },
  })
  const svg = renderSvg(report)

  // Graceful shutdown in virtual time: every running network stops (disconnects flush, timers clear).
  const stops = nodes.map((node) => node.stop().catch(() => {}))
  let stopped = false
  void Promise.all(stops).then(() => {
    stopped = true
  })
  const graceMs = options.shutdownGraceMs
  for (let t = 0; t < graceMs && !stopped; t += 500) {
    await scheduler.run(scenario.durationMs + Math.min(graceMs, t + 500)).catch(() => {})
  }
  scheduler.clear()

  const virtualMs = scenario.durationMs
  return {
    report,
    svg,
    stats: {
      events,
      virtualMs,
      wallMs,
      totalWallMs: performance.now() - wallStart,
      eventsPerSecond: wallMs > 0 ? (events * 1_000) / wallMs : 0,
      cpuMs,
      eventsPerCpuSecond: cpuMs > 0 ? (events * 1_000) / cpuMs : 0,
      virtualToWall: wallMs > 0 ? virtualMs / wallMs : 0,
    },
  }
}

/**
 * The whole discovery stack on the real network package inside netsim (virtual time, simulated links):
 * `nodes` nodes join from 3 bootstrap nodes through bootstrap, peer exchange, slot filling and the DHT for
 * 120 s; 20% of the others crash and restart between 70 s and 110 s (down 20 s each); `probers` nodes look
 * up a random id every `lookupIntervalMs` from 40 s on, each checked against the true closest node among the
 * nodes up for 20 s or more (a node that just restarted is not findable yet). The same scenario as the
 * full-stack rows of `pnpm bench discovery`.
 */
import { AbortError, type PeerId } from '@chainwire/interface'
import { defineScenario, runScenario, type SimNodeHandle } from '@chainwire/netsim'
import {
  compareDistance,
  DiscoveryError,
  type DiscoveryService,
  type LookupBreakdown,
  nodeIdOf,
} from '../../src/index'
import { startSimDiscovery } from './sim-node'

/** Parameters of {@link runFullStackScenario}. */
export interface FullStackParams {
  nodes: number
  /** Nodes (after the bootstrap nodes) that run lookups. @default 1 */
  probers?: number
  /** Interval of each prober's lookups. @default 2_000 */
  lookupIntervalMs?: number
  /** @default 7 */
  seed?: number
}

/** One lookup of a random id. */
export interface LookupSample {
  /** The first node found is the true closest running node. */
  ok: boolean
  hops: number
  ms: number
  /** Virtual time it started, from the first node's start. */
  at: number
  /** How long the true closest node had been up when the lookup started. */
  truthUpMs: number
  /** Where the true closest node came in the result (-1: absent). */
  rank: number
  /** Where its time went (undefined for a lookup that failed as a whole). */
  breakdown?: LookupBreakdown
}

/** What {@link runFullStackScenario} measured. */
export interface FullStackFigures {
  nodes: number
  wallMs: number
  /** Connected components over the nodes up for 10 s or more at the end. */
  components: number
  /** Outbound full-relay connections of every running non-bootstrap node at the end. */
  outboundAtEnd: number[]
  /** The same, over the nodes up for 30 s or more (not just restarted by the churn). */
  outboundSettled: number[]
  lookups: LookupSample[]
}

/** The churn window: lookups started from here on count as "under churn". */
export const CHURN_FROM_MS = 70_000
const BOOTSTRAP = 3
const OUTBOUND = 8
/** The DHT's warm query connections per node. */
export const QUERY_CONNECTIONS = 24

/** Runs the full-stack scenario and returns its figures (see the file comment). */
export async function runFullStackScenario(params: FullStackParams): Promise<FullStackFigures> {
  const n = params.nodes
  const probers = params.probers ?? 1
  const live = new Map<number, { handle: SimNodeHandle; discovery: DiscoveryService }>()
  const lookups: LookupSample[] = []
  const startedAt = new Map<number, number>()
  let t0: number | undefined
  let outboundAtEnd: number[] = []
  let outboundSettled: number[] = []
  let components = 0
  const scenario = defineScenario({
    name: 'discovery-full-stack',
    duration: '120s',
    nodes: { count: n, roles: { bootstrap: `n0..n${BOOTSTRAP - 1}` }, startSpread: '10s' },
    topology: { type: 'none' },
    links: { latency: { distribution: 'uniform', min: '10ms', max: '80ms' } },
    // room for the DHT's warm query connections: 24 of them, next to bootstrap's dials (manual slots too)
    network: { maxOutboundFullRelay: OUTBOUND, maxOutboundBlockRelay: 0, maxInbound: 64, maxManual: 32 },
    faults: [
      {
        at: `${CHURN_FROM_MS / 1000}s`,
        churn: {
          rate: n / 5 / 40,
          until: '110s',
          downtime: '20s',
          nodes: `n${BOOTSTRAP + probers}..n${n - 1}`,
        },
      },
    ],
    setup: async (node) => {
      startedAt.set(node.index, node.clock.now())
      t0 ??= node.clock.now()
      const { discovery, stop } = await startSimDiscovery(node, {
        bootstrap: BOOTSTRAP,
        outbound: OUTBOUND,
        maxQueryConnections: QUERY_CONNECTIONS,
      })
      live.set(node.index, { handle: node, discovery })
      if (node.index < BOOTSTRAP || node.index >= BOOTSTRAP + probers) return stop
      const timer = node.clock.setInterval(() => {
        const started = node.clock.now()
        if (started - (t0 ?? 0) < 40_000) return // let the network form first
        const target = new Uint8Array(32)
        for (let i = 0; i < 32; i++) target[i] = Math.floor(node.random.next() * 256)
        const best = [...live.values()]
          .filter(
            (l) =>
              l.handle.network.isStarted() &&
              l.handle.peerId !== node.peerId &&
              started - (startedAt.get(l.handle.index) ?? started) >= 20_000,
          )
          .map((l) => ({
            id: l.handle.peerId as PeerId,
            n: nodeIdOf(l.handle.peerId) as Uint8Array,
            up: started - (startedAt.get(l.handle.index) ?? started),
          }))
          .sort((a, b) => compareDistance(target, a.n, b.n))[0]
        const truth = best?.id
        const at = started - (t0 ?? 0)
        /**
         * The lookup found the closest node: the true closest among the nodes up 20 s or more, or a running
         * node closer still (one that restarted less than 20 s ago and was found already).
         */
        const foundClosest = (found: PeerId | undefined, want: { id: PeerId; n: Uint8Array } | undefined) => {
          if (found === undefined || want === undefined) return false
          if (found === want.id) return true
          const l = [...live.values()].find((x) => x.handle.peerId === found)
          const id = nodeIdOf(found) as Uint8Array
          return l?.handle.network.isStarted() === true && compareDistance(target, id, want.n) < 0
        }
        discovery.dht
          ?.findNode(target)
          .then((r) =>
            lookups.push({
              ok: foundClosest(r.closest[0]?.peerId, best),
              truthUpMs: best?.up ?? 0,
              rank: r.closest.findIndex((c) => c.peerId === truth),
              hops: r.hops,
              ms: node.clock.now() - started,
              at,
              breakdown: r.breakdown,
            }),
          )
          .catch((err: unknown) => {
            // a lookup the end of the run cut short (the DHT stopped) has no result: not counted
            if (
              AbortError.isInstance(err) ||
              (DiscoveryError.isInstance(err) && err.code === 'ERR_NOT_STARTED')
            )
              return
            lookups.push({
              ok: false,
              hops: 0,
              ms: node.clock.now() - started,
              at,
              truthUpMs: best?.up ?? 0,
              rank: -1,
            })
          })
      }, params.lookupIntervalMs ?? 2_000)
      return () => {
        node.clock.clearInterval(timer)
        stop()
      }
    },
  })
  const { stats } = await runScenario(scenario, {
    seed: params.seed ?? 7,
    onEnd: (nodes) => {
      const end = (t0 ?? 0) + 120_000
      const running = nodes.filter((x) => x.index >= BOOTSTRAP && x.network.isStarted())
      const out = (x: SimNodeHandle) =>
        x.network.peers().filter((p) => p.direction === 'outbound' && p.kind === 'full-relay').length
      outboundAtEnd = running.map(out)
      outboundSettled = running.filter((x) => end - (startedAt.get(x.index) ?? end) >= 30_000).map(out)
      const ids = new Map(nodes.map((x, i) => [x.peerId, i]))
      const parent = nodes.map((_, i) => i)
      const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i] as number)))
      for (const [i, x] of nodes.entries()) {
        if (!x.network.isStarted()) continue
        for (const p of x.network.peers()) {
          const j = ids.get(p.peerId)
          if (j !== undefined) parent[find(i)] = find(j)
        }
      }
      // over the nodes up for 10 s or more: one restarted a moment before the end has not dialed yet
      const upLong = (i: number) => end - (startedAt.get(i) ?? end) >= 10_000
      components = new Set(
        nodes.flatMap((x, i) => (x.network.isStarted() && upLong(x.index) ? [find(i)] : [])),
      ).size
    },
  })
  return { nodes: n, wallMs: stats.wallMs, components, outboundAtEnd, outboundSettled, lookups }
}

/** The q-quantile of `xs` (0 for none). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
}

/** The figures printed for the README: success before and under churn, hops and virtual time. */
export function summarize(f: FullStackFigures) {
  const share = (xs: LookupSample[]) => xs.filter((l) => l.ok).length / Math.max(1, xs.length)
  const calm = f.lookups.filter((l) => l.at < CHURN_FROM_MS)
  const churn = f.lookups.filter((l) => l.at >= CHURN_FROM_MS)
  const hops = f.lookups.map((l) => l.hops)
  const b = f.lookups.flatMap((l) => (l.breakdown === undefined ? [] : [l.breakdown]))
  const sum = (pick: (x: LookupBreakdown) => number) => b.reduce((acc, x) => acc + pick(x), 0)
  const failures: Record<string, number> = {}
  for (const x of b) for (const [k, v] of Object.entries(x.failures)) failures[k] = (failures[k] ?? 0) + v
  const ms = f.lookups.map((l) => l.ms)
  const queries = sum((x) => x.warm) + sum((x) => x.dials) + sum((x) => x.datagrams)
  return {
    nodes: f.nodes,
    wallMs: Math.round(f.wallMs),
    components: f.components,
    outboundMedian: quantile(f.outboundAtEnd, 0.5),
    outboundMinSettled: Math.min(...f.outboundSettled),
    lookups: f.lookups.length,
    lookupsBeforeChurn: calm.length,
    lookupsUnderChurn: churn.length,
    successBeforeChurn: share(calm),
    successUnderChurn: share(churn),
    hopsP50: quantile(hops, 0.5),
    hopsP99: quantile(hops, 0.99),
    msP50: quantile(ms, 0.5),
    msP99: quantile(ms, 0.99),
    misses: f.lookups
      .filter((l) => !l.ok)
      .map((l) => ({
        at: l.at,
        rank: l.rank,
        truthUpMs: l.truthUpMs,
        ms: l.ms,
        failures: l.breakdown?.failures,
      })),
    queriesPerLookup: queries / Math.max(1, b.length),
    warmShare: sum((x) => x.warm) / Math.max(1, queries),
    datagramShare: sum((x) => x.datagrams) / Math.max(1, queries),
    waitMsMean:
      sum((x) => x.waitMs) /
      Math.max(
        1,
        sum((x) => x.dials),
      ),
    dialMsMean:
      sum((x) => x.dialMs) /
      Math.max(
        1,
        sum((x) => x.dials),
      ),
    requestMsMean: sum((x) => x.requestMs) / Math.max(1, queries),
    failuresPerLookup: Object.fromEntries(
      Object.entries(failures).map(([k, v]) => [k, v / Math.max(1, b.length)]),
    ),
  }
}

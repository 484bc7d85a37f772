/**
 * Discovery benchmarks.
 *
 * 1. DHT lookup hops and virtual latency for 1,000 and 10,000 nodes: the package's `iterativeLookup` (k 20,
 *    alpha 3, <= 16 nodes per reply) over ideal k-bucket tables (each node holds up to 20 random nodes of every
 *    bucket), queries answered in-process after a 50 ms virtual round trip on a manual clock. Not netsim: no
 *    connections, only the lookup algorithm and the routing-table shape. Baseline: the log2(N) bound; ratio =
 *    bound / measured median hops (> 1: fewer hops than the bound).
 * 2. Time for a new node to reach 8 outbound peers, in netsim (the real network package, virtual time): nodes
 *    joining from 3 bootstrap nodes through discovery, against the same nodes given their 8 peers in advance
 *    (netsim's static random topology, dialed at start). Ratio = static / discovery (> 1 would be faster than
 *    knowing the peers beforehand).
 * 3. The whole stack in netsim at `--sim-nodes` (1,000 by default; 0 skips it): bootstrap, PEX, slot filling
 *    and the DHT from 3 bootstrap nodes, 20% churn, 6 probers' lookups of random ids checked against the true
 *    closest node: connectivity, outbound targets reached, lookup success before and under churn, hops, and
 *    virtual lookup time against the in-process tables at the same size and link delays (ratio = in-process /
 *    full stack: 0.5 is "twice the ideal"), with a breakdown of where lookups spend their queries and time.
 */
import { createDiscovery } from '@chainwire/discovery'
import { defineScenario, runScenario } from '@chainwire/netsim'
import { createPeerStore } from '@chainwire/peer-store'
// the full-stack scenario and the ideal tables are the ones discovery's netsim tests assert on: one copy
import {
  runFullStackScenario,
  summarize,
} from '../../../../packages/discovery/test/helpers/full-stack-scenario'
import { idealLookups, type RttModel } from '../../../../packages/discovery/test/helpers/ideal-tables'
import { seeded } from '../measure'
import type { Suite, SuiteContext } from '../types'

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
}

async function dhtHops(
  ctx: SuiteContext,
  n: number,
  lookups: number,
  rtt: RttModel = 'fixed 50 ms',
): Promise<{ p50: number; p99: number }> {
  const { hops, times, exact, buildMs } = await idealLookups(n, lookups, rtt, seeded(n))
  const bound = Math.log2(n)
  const median = quantile(hops, 0.5)
  if (rtt === 'netsim links') {
    const label = `DHT lookup, ${n.toLocaleString('en-US')} nodes (in-process tables, netsim's link delays)`
    ctx.report({
      suite: 'discovery',
      case: label,
      metric: 'lookup time p50',
      value: quantile(times, 0.5),
      unit: 'ms',
    })
    ctx.report({
      suite: 'discovery',
      case: label,
      metric: 'lookup time p99',
      value: quantile(times, 0.99),
      unit: 'ms',
    })
    ctx.report({
      suite: 'discovery',
      case: label,
      metric: 'found the true closest node',
      value: (100 * exact) / lookups,
      unit: '%',
    })
    return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) }
  }
  const label = `DHT lookup, ${n.toLocaleString('en-US')} nodes (in-process tables)`
  ctx.report({
    suite: 'discovery',
    case: label,
    metric: 'hops p50',
    value: median,
    unit: 'hops',
    baseline: 'log2(N) bound',
    baselineValue: bound,
    ratio: bound / median,
  })
  ctx.report({
    suite: 'discovery',
    case: label,
    metric: 'hops p99',
    value: quantile(hops, 0.99),
    unit: 'hops',
    baseline: 'log2(N) bound',
    baselineValue: bound,
    ratio: bound / quantile(hops, 0.99),
  })
  ctx.report({
    suite: 'discovery',
    case: label,
    metric: 'lookup time p50 (50 ms RTT)',
    value: quantile(times, 0.5),
    unit: 'ms',
    baseline: 'log2(N) x RTT',
    baselineValue: bound * 50,
    ratio: (bound * 50) / quantile(times, 0.5),
  })
  ctx.report({
    suite: 'discovery',
    case: label,
    metric: 'lookup time p99 (50 ms RTT)',
    value: quantile(times, 0.99),
    unit: 'ms',
    baseline: 'log2(N) x RTT',
    baselineValue: bound * 50,
    ratio: (bound * 50) / quantile(times, 0.99),
  })
  ctx.report({
    suite: 'discovery',
    case: label,
    metric: 'found the true closest node',
    value: (100 * exact) / lookups,
    unit: '%',
  })
  ctx.report({ suite: 'discovery', case: label, metric: 'tables built in', value: buildMs, unit: 'ms' })
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) }
}

/** Virtual ms from each joining node's start to its 8th outbound connection (p50, p99), in netsim. */
async function joinTime(
  n: number,
  viaDiscovery: boolean,
): Promise<{ p50: number; p99: number; reached: number }> {
  const OUT = 8
  const BOOT = 3
  const startedAt = new Map<number, number>()
  const reachedAt = new Map<number, number>()
  const scenario = defineScenario({
    name: viaDiscovery ? 'join-discovery' : 'join-static',
    duration: '60s',
    nodes: viaDiscovery
      ? { count: n, roles: { bootstrap: `n0..n${BOOT - 1}` }, startSpread: '10s' }
      : { count: n, startSpread: '10s' },
    topology: viaDiscovery ? { type: 'none' } : { type: 'random', degree: 2 * OUT },
    links: { latency: { distribution: 'uniform', min: '10ms', max: '80ms' } },
    network: {
      maxOutboundFullRelay: OUT,
      maxOutboundBlockRelay: 0,
      maxInbound: 64,
      ...(viaDiscovery ? {} : { maxManual: 2 * OUT }),
    },
    setup: async (node) => {
      startedAt.set(node.index, node.clock.now())
      const watch = (): void => {
        const out = node.network.peers().filter((p) => p.direction === 'outbound').length
        if (out >= OUT && !reachedAt.has(node.index)) reachedAt.set(node.index, node.clock.now())
      }
      node.network.on('peer:connected', watch)
      if (!viaDiscovery) return undefined
      const isBoot = node.index < BOOT
      const store = createPeerStore(
        { clock: node.clock, random: () => node.random.next() },
        // a salt from the run's randomness, so the same seed gives the same figures
        {
          allowNonRoutable: true,
          salt: Uint8Array.from({ length: 32 }, () => Math.floor(node.random.next() * 256)),
        },
      )
      await store.open()
      const discovery = createDiscovery(
        { clock: node.clock, network: node.network, peerStore: store, random: () => node.random.next() },
        {
          bootstrap: {
            addresses: isBoot ? [] : Array.from({ length: BOOT }, (_, i) => `memory://n${i}`),
            enoughPeers: OUT,
            checkIntervalMs: 2_000,
            retryIntervalMs: 5_000,
          },
          pex: isBoot ? { roles: ['bootstrap'], answerOncePerConnection: false } : {},
          dialer: isBoot ? { enabled: false } : { outboundFullRelay: OUT, outboundBlockRelay: 0 },
          dht: { enabled: false },
        },
      )
      void discovery.start()
      return () => {
        void discovery.stop().then(() => store.stop())
      }
    },
  })
  await runScenario(scenario, { seed: 3 })
  const first = viaDiscovery ? BOOT : 0
  const times: number[] = []
  for (let i = first; i < n; i++) {
    const r = reachedAt.get(i)
    if (r !== undefined) times.push(r - (startedAt.get(i) as number))
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), reached: times.length / (n - first) }
}

/**
 * The whole stack in netsim (the scenario of discovery's `test/netsim.scale.test.ts`): `n` nodes from 3
 * bootstrap nodes, 20% churn from 70 s, 6 probers looking up a random id every 2 s from 40 s on. Baseline of
 * the lookup times: the in-process tables at the same size and the same link delays, in the same run.
 */
async function fullStack(ctx: SuiteContext, n: number): Promise<void> {
  const ideal = await dhtHops(ctx, n, 200, 'netsim links')
  const f = await runFullStackScenario({ nodes: n, probers: 6 })
  const s = summarize(f)
  const sim = `bootstrap + PEX + DHT, ${n.toLocaleString('en-US')} nodes, 20% churn (netsim)`
  const put = (metric: string, value: number, unit: string): void =>
    ctx.report({ suite: 'discovery', case: sim, metric, value, unit })
  const vsIdeal = (metric: string, value: number, baselineValue: number): void =>
    ctx.report({
      suite: 'discovery',
      case: sim,
      metric,
      value,
      unit: 'ms',
      baseline: 'in-process tables, same link delays',
      baselineValue,
      ratio: baselineValue / value,
    })
  put('connection graph components at the end (nodes up 10 s or more)', s.components, 'components')
  put(
    'nodes up 30 s or more with 8 outbound full-relay peers',
    (100 * f.outboundSettled.filter((o) => o >= 8).length) / Math.max(1, f.outboundSettled.length),
    '%',
  )
  put('lookups', s.lookups, 'lookups')
  put('lookups that found the true closest node, before churn', 100 * s.successBeforeChurn, '%')
  put('lookups that found the true closest node, under churn', 100 * s.successUnderChurn, '%')
  put('lookup hops p50', s.hopsP50, 'hops')
  put('lookup hops p99', s.hopsP99, 'hops')
  vsIdeal('virtual lookup time p50', s.msP50, ideal.p50)
  vsIdeal('virtual lookup time p99', s.msP99, ideal.p99)
  put('breakdown: queries per lookup', s.queriesPerLookup, 'queries')
  put('breakdown: queries over a warm connection', 100 * s.warmShare, '%')
  put('breakdown: queries by datagram (no connection)', 100 * s.datagramShare, '%')
  put('breakdown: dial (connection, Noise, hello) per dialed query, mean', s.dialMsMean, 'ms')
  put('breakdown: wait for a free query connection per dialed query, mean', s.waitMsMean, 'ms')
  put('breakdown: request round trip per query, mean', s.requestMsMean, 'ms')
  for (const [cause, perLookup] of Object.entries(s.failuresPerLookup)) {
    put(`breakdown: failed queries per lookup, ${cause}`, perLookup, 'queries')
  }
  put('wall time of the run', s.wallMs, 'ms')
}

const suite: Suite = {
  name: 'discovery',
  description:
    'DHT lookup hops/latency over ideal k-bucket tables (in-process) vs the log2(N) bound; join time to 8 outbound peers in netsim vs peers known in advance; the whole stack at 1,000 nodes under churn in netsim',
  async run(ctx) {
    const sizes = (ctx.args.find((a) => a.startsWith('--nodes='))?.slice(8) ?? '1000,10000')
      .split(',')
      .map(Number)
    for (const n of sizes) await dhtHops(ctx, n, 200)
    const joinNodes = Number(ctx.args.find((a) => a.startsWith('--join-nodes='))?.slice(13) ?? 100)
    const disc = await joinTime(joinNodes, true)
    const stat = await joinTime(joinNodes, false)
    const simNodes = Number(ctx.args.find((a) => a.startsWith('--sim-nodes='))?.slice(12) ?? 1000)
    if (simNodes > 0) await fullStack(ctx, simNodes)
    const label = `join to 8 outbound peers, ${joinNodes} nodes (netsim)`
    ctx.report({
      suite: 'discovery',
      case: label,
      metric: 'time p50',
      value: disc.p50,
      unit: 'ms',
      baseline: 'peers known in advance',
      baselineValue: stat.p50,
      ratio: stat.p50 / disc.p50,
    })
    ctx.report({
      suite: 'discovery',
      case: label,
      metric: 'time p99',
      value: disc.p99,
      unit: 'ms',
      baseline: 'peers known in advance',
      baselineValue: stat.p99,
      ratio: stat.p99 / disc.p99,
    })
    ctx.report({
      suite: 'discovery',
      case: label,
      metric: 'nodes that reached 8',
      value: 100 * disc.reached,
      unit: '%',
      baseline: 'peers known in advance',
      baselineValue: 100 * stat.reached,
      ratio: disc.reached / Math.max(1e-9, stat.reached),
    })
  },
}

export default suite

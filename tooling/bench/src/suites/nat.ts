/**
 * `pnpm bench nat`: a NATed population in netsim (the real network package and nat-traversal's relay server,
 * relay client, hole puncher and connection candidates over simulated links with NAT models): `--nodes=N`
 * nodes (1,000 by default), 5% public relays, 60% behind NATs of which 70% map endpoint-independently
 * (50% port-restricted, 10% restricted, 10% full cone) and 30% are symmetric. Each NATed node dials 2 other
 * NATed nodes through their relays; the target hole-punches (DCUtR); every connection then carries a ping
 * every 2 s, 20 times. The scenario is nat-traversal's `test/helpers/nat-population.ts` (one copy of it).
 *
 * Rows: share of NATed nodes reachable (relayed or direct); share of NATed-pair connections that end direct
 * (all pairs, endpoint-independent pairs, pairs with a symmetric side); time to the direct connection in
 * relayed round trips (the puncher's own measurement in the same run) and in ms; relay bytes per NATed
 * node, against the same run with hole punching off (baseline "relay only": ratio = relay-only bytes / ours).
 * `--seed=S` (default 1).
 */
import {
  runNatPopulation,
  summarizeNatPopulation,
} from '../../../../packages/nat-traversal/test/helpers/nat-population'
import type { Suite, SuiteContext } from '../types'

function flag(args: readonly string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}

const suite = 'nat'

const nat: Suite = {
  name: suite,
  description: 'NAT traversal in netsim: reachability, hole-punch share and time, relay bytes',
  async run(ctx: SuiteContext): Promise<void> {
    const nodes = Number(flag(ctx.args, 'nodes') ?? 1_000)
    const seed = Number(flag(ctx.args, 'seed') ?? 1)
    const name = `${nodes.toLocaleString('en-US')} nodes, 60% NATed`
    const figures = await runNatPopulation({ nodes, seed })
    const s = summarizeNatPopulation(figures)
    const pct = (metric: string, value: number): void =>
      ctx.report({ suite, case: name, metric, value: value * 100, unit: '%' })
    pct('NATed nodes reachable (relayed or direct)', s.reachableShare)
    pct('NATed-pair connections ending direct', s.directShare)
    pct('NATed-pair connections ending direct, both endpoint-independent', s.directShareEim)
    pct('NATed-pair connections ending direct, one side symmetric', s.directShareSymmetric)
    pct('punches direct on the first attempt', s.firstAttemptShare)
    pct('connections answering pings', s.pingShare)
    ctx.report({
      suite,
      case: name,
      metric: 'time to direct connection p50',
      value: s.timeToDirectRtts.p50,
      unit: 'RTTs',
    })
    ctx.report({
      suite,
      case: name,
      metric: 'time to direct connection p90',
      value: s.timeToDirectRtts.p90,
      unit: 'RTTs',
    })
    ctx.report({
      suite,
      case: name,
      metric: 'time to direct connection p50 (ms)',
      value: s.timeToDirectMs.p50,
      unit: 'ms',
    })
    ctx.report({
      suite,
      case: name,
      metric: 'time to direct connection p90 (ms)',
      value: s.timeToDirectMs.p90,
      unit: 'ms',
    })
    const baseline = summarizeNatPopulation(await runNatPopulation({ nodes, seed, punch: false }))
    ctx.report({
      suite,
      case: name,
      metric: 'relay bytes per NATed node',
      value: s.relayBytesPerNatNode,
      unit: 'B',
      baseline: 'relay only (no hole punching)',
      baselineValue: baseline.relayBytesPerNatNode,
      ratio: baseline.relayBytesPerNatNode / s.relayBytesPerNatNode,
    })
    ctx.report({
      suite,
      case: name,
      metric: 'simulation wall time',
      value: figures.stats.wallMs / 1_000,
      unit: 's',
    })
    ctx.report({
      suite,
      case: name,
      metric: 'simulation CPU time',
      value: figures.stats.cpuMs / 1_000,
      unit: 's',
    })
  },
}

export default nat

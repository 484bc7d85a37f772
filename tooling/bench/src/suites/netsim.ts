import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { defineScenario, Random, runScenario, Scheduler } from '@chainwire/netsim'
import type { Suite, SuiteContext } from '../types'

/** A forced full GC, so heap and RSS deltas measure what is live rather than garbage. */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/**
 * The ceiling: the same scheduler firing no-op events, each settling (one setImmediate turn) as a simulation
 * event does, with a steady heap of `live` pending events. Returns events per wall second.
 */
async function schedulerCeiling(events: number, live: number): Promise<number> {
  const s = new Scheduler()
  const random = new Random('ceiling')
  let left = events
  const fire = (): void => {
    if (--left > 0) s.schedule(random.uniform(0, 1_000), fire)
  }
  for (let i = 0; i < live; i++) s.schedule(random.uniform(0, 1_000), fire)
  const start = performance.now()
  await s.run(1e9)
  return (s.eventsFired * 1_000) / (performance.now() - start)
}

/** Node counts from `--nodes=100,1000` (default 100, 1,000 and 5,000). */
function nodeCounts(args: readonly string[]): number[] {
  const arg = args.find((a) => a.startsWith('--nodes='))
  if (arg === undefined) return [100, 1_000, 5_000]
  return arg
    .slice(8)
    .split(',')
    .map((x) => Number(x))
    .filter((x) => Number.isInteger(x) && x > 1)
}

async function run(ctx: SuiteContext): Promise<void> {
  const gc = gcFunction()
  const suite = 'netsim'
  const ceiling = await schedulerCeiling(300_000, 10_000)
  ctx.report({ suite, case: 'raw scheduler', metric: 'no-op events/s', value: ceiling, unit: 'events/s' })

  for (const n of nodeCounts(ctx.args)) {
    const scenario = defineScenario({
      name: `bench-${n}`,
      duration: '60s',
      nodes: { count: n, startSpread: '5s' },
      topology: { type: 'random', degree: 8 },
      workload: [
        { type: 'ping', every: '10s' },
        { type: 'transaction', rate: 1, size: 250 },
      ],
    })
    gc()
    const before = process.memoryUsage()
    let heapPerNode = 0
    let rssPerNode = 0
    const { stats } = await runScenario(scenario, {
      seed: 1,
      onEnd: () => {
        gc()
        const after = process.memoryUsage()
        heapPerNode = (after.heapUsed + after.external - before.heapUsed - before.external) / n / 1_024
        rssPerNode = (after.rss - before.rss) / n / 1_024
      },
    })
    const name = `${n.toLocaleString('en-US')} nodes, 60 s virtual`
    ctx.report({
      suite,
      case: name,
      metric: 'simulated events/s',
      value: stats.eventsPerSecond,
      unit: 'events/s',
      baseline: 'raw scheduler, no-op events',
      baselineValue: ceiling,
      ratio: stats.eventsPerSecond / ceiling,
    })
    ctx.report({ suite, case: name, metric: 'virtual / wall time', value: stats.virtualToWall, unit: 'x' })
    ctx.report({ suite, case: name, metric: 'wall time', value: stats.wallMs / 1_000, unit: 's' })
    ctx.report({ suite, case: name, metric: 'events', value: stats.events, unit: 'events' })
    ctx.report({ suite, case: name, metric: 'heap + external per node', value: heapPerNode, unit: 'KB' })
    ctx.report({ suite, case: name, metric: 'RSS per node', value: rssPerNode, unit: 'KB' })
    gc()
  }
}

/** `pnpm bench netsim [--nodes=100,1000,5000]` */
const netsim: Suite = {
  name: 'netsim',
  description:
    'real @chainwire/network nodes (random graph, degree 8, pings every 10 s, 1 tx/s flooded) in virtual time, against the raw scheduler firing no-op events',
  run,
}

export default netsim

import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Random, Scheduler, semiSpaceMbFor } from '@chainwire/netsim'
import type { SizeResult } from '../netsim/size-run'
import type { Suite, SuiteContext } from '../types'

const here = dirname(fileURLToPath(import.meta.url))
/** The repository root, where `tsx` is installed. */
const root = resolve(here, '..', '..', '..', '..')
const sizeRunFile = resolve(here, '..', 'netsim', 'size-run.ts')

/**
 * Heap room for the size processes: 10,000 nodes hold about 1.7 GB live, and a heap close to its limit
 * spends its time in the garbage collector.
 */
const MAX_OLD_SPACE_MB = 8_192

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

/** The value of `--name=value`, if given. */
function flag(args: readonly string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}

/**
 * Node counts: `--nodes=100,1000` or the default 100, 1,000 and 5,000, plus 10,000 with `--10k`. The
 * 100-node case is the baseline of every ratio, so it always runs, first.
 */
function nodeCounts(args: readonly string[]): number[] {
  const given = flag(args, 'nodes')
  const counts =
    given === undefined
      ? [100, 1_000, 5_000]
      : given
          .split(',')
          .map((x) => Number(x))
          .filter((x) => Number.isInteger(x) && x > 1)
  if (args.includes('--10k')) counts.push(10_000)
  return [...new Set([100, ...counts])].sort((a, b) => a - b)
}

/**
 * Runs one size in its own process and resolves with what it measured. The process gets the young
 * generation netsim asks for at that size (`semiSpaceMbFor`: V8's default below 1,000 nodes, so the
 * 100-node baseline runs as it always did).
 */
function runSize(nodes: number, seconds: number, cipher: string): Promise<SizeResult> {
  const semiSpaceMb = semiSpaceMbFor(nodes)
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        `--max-old-space-size=${MAX_OLD_SPACE_MB}`,
        ...(semiSpaceMb > 0 ? [`--max-semi-space-size=${semiSpaceMb}`] : []),
        '--import',
        'tsx',
        '--conditions=@chainwire/source',
        sizeRunFile,
        String(nodes),
        String(seconds),
        cipher,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? ''
      if (code !== 0 || line === '') {
        reject(new Error(`netsim size run (${nodes} nodes, ${cipher}) exited with ${code}`))
        return
      }
      resolvePromise(JSON.parse(line) as SizeResult)
    })
  })
}

async function run(ctx: SuiteContext): Promise<void> {
  const suite = 'netsim'
  const seconds = Number(flag(ctx.args, 'seconds') ?? 60)
  const ciphers = ctx.args.includes('--compare-cipher')
    ? ['chacha20-poly1305', 'null']
    : [flag(ctx.args, 'cipher') ?? 'chacha20-poly1305']
  const ceiling = await schedulerCeiling(300_000, 10_000)
  ctx.report({ suite, case: 'raw scheduler', metric: 'no-op events/s', value: ceiling, unit: 'events/s' })

  const real = new Map<number, SizeResult>()
  for (const cipher of ciphers) {
    const label = cipher === 'null' ? ', null cipher' : ''
    let base: SizeResult | undefined
    for (const n of nodeCounts(ctx.args)) {
      const r = await runSize(n, seconds, cipher)
      base ??= r
      if (cipher !== 'null') real.set(n, r)
      const name = `${n.toLocaleString('en-US')} nodes, ${seconds} s virtual${label}`
      const baseline = `100 nodes${label}`
      ctx.report({
        suite,
        case: name,
        metric: 'simulated events/s',
        value: r.eventsPerSecond,
        unit: 'events/s',
        baseline,
        baselineValue: base.eventsPerSecond,
        ratio: r.eventsPerSecond / base.eventsPerSecond,
      })
      ctx.report({
        suite,
        case: name,
        metric: 'simulated events per CPU second',
        value: r.eventsPerCpuSecond,
        unit: 'events/s',
        baseline,
        baselineValue: base.eventsPerCpuSecond,
        ratio: r.eventsPerCpuSecond / base.eventsPerCpuSecond,
      })
      if (r.eventsPerMainThreadCpuSecond !== null && base.eventsPerMainThreadCpuSecond !== null) {
        ctx.report({
          suite,
          case: name,
          metric: 'simulated events per main-thread CPU second',
          value: r.eventsPerMainThreadCpuSecond,
          unit: 'events/s',
          baseline,
          baselineValue: base.eventsPerMainThreadCpuSecond,
          ratio: r.eventsPerMainThreadCpuSecond / base.eventsPerMainThreadCpuSecond,
        })
      }
      ctx.report({ suite, case: name, metric: 'virtual / wall time', value: r.virtualToWall, unit: 'x' })
      ctx.report({ suite, case: name, metric: 'wall time', value: r.wallMs / 1_000, unit: 's' })
      ctx.report({ suite, case: name, metric: 'CPU time', value: r.cpuMs / 1_000, unit: 's' })
      ctx.report({ suite, case: name, metric: 'events', value: r.events, unit: 'events' })
      ctx.report({ suite, case: name, metric: 'RSS per node', value: r.rssPerNodeKB, unit: 'KB' })
      ctx.report({
        suite,
        case: name,
        metric: 'heap + external per node',
        value: r.heapPerNodeKB,
        unit: 'KB',
      })
      ctx.report({ suite, case: name, metric: 'delivery', value: (r.deliveryRatio ?? 0) * 100, unit: '%' })
      const same = real.get(n)
      if (cipher === 'null' && same !== undefined) {
        ctx.report({
          suite,
          case: name,
          metric: 'null cipher speed-up (events per CPU second)',
          value: r.eventsPerCpuSecond,
          unit: 'events/s',
          baseline: 'ChaCha20-Poly1305, same size',
          baselineValue: same.eventsPerCpuSecond,
          ratio: r.eventsPerCpuSecond / same.eventsPerCpuSecond,
        })
      }
    }
  }
}

/** `pnpm bench netsim [--nodes=100,1000,5000] [--10k] [--seconds=60] [--cipher=null | --compare-cipher]` */
const netsim: Suite = {
  name: 'netsim',
  description:
    'real @chainwire/network nodes (random graph, degree 8, pings every 10 s, 1 tx/s flooded) in virtual time, one process per size; events/s against 100 nodes in the same run',
  run,
}

export default netsim

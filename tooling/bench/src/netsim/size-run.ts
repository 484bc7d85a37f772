/*
 * One size of the netsim benchmark in a process of its own (started by `suites/netsim.ts` with
 * `--expose-gc`): runs the benchmark scenario once and prints one JSON line with what it measured. A
 * process per size keeps the sizes apart: each starts from the same empty heap, so its RSS growth is its
 * own, and no size pays for the garbage of the one before. A short warm-up run comes first, so the code
 * is compiled when the measured run starts.
 *
 * argv: <nodes> <virtual seconds> <chacha20-poly1305 | null>
 */
import { readFileSync } from 'node:fs'
import { runScenario } from '@chainwire/netsim'
import { benchScenario } from './scenario'

/** What one size measured (see `suites/netsim.ts` for how it is reported). */
export interface SizeResult {
  readonly nodes: number
  readonly cipher: string
  readonly events: number
  readonly wallMs: number
  readonly cpuMs: number
  readonly eventsPerSecond: number
  readonly eventsPerCpuSecond: number
  /**
   * Events per CPU second of the main thread alone (Linux; null elsewhere): the JavaScript thread that runs
   * the simulation, without the garbage collector's helper threads, which on an idle machine run on another
   * core and on a shared one count against every large heap.
   */
  readonly eventsPerMainThreadCpuSecond: number | null
  readonly virtualToWall: number
  /** RSS growth from the idle process to the end of the run (every node up, after a full GC), per node. */
  readonly rssPerNodeKB: number
  /** Heap + external growth over the same span, per node. */
  readonly heapPerNodeKB: number
  readonly deliveryRatio: number | null
}

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('size-run needs --expose-gc')
const [nodes, seconds, cipher] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]]
if (cipher !== 'null' && cipher !== 'chacha20-poly1305') throw new Error(`unknown cipher ${cipher}`)

// A short run first, so every size is measured with the code already compiled (JIT warm-up would
// otherwise weigh on the small sizes, the baseline of the ratios, most).
await runScenario(benchScenario(50, 10), { seed: 2, cipher })
/** CPU time of the main thread so far in ms (Linux: /proc/self/task/<pid>/stat), or undefined. */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    // Fields after the command name (which ends with ')'): utime and stime are the 12th and 13th, in ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / 100
  } catch {
    return undefined
  }
}

gc()
const before = process.memoryUsage()
const mainBefore = mainThreadCpuMs()
let mainAtEnd: number | undefined
let rssPerNodeKB = 0
let heapPerNodeKB = 0
const { stats, report } = await runScenario(benchScenario(nodes, seconds), {
  seed: 1,
  cipher,
  onEnd: () => {
    mainAtEnd = mainThreadCpuMs()
    gc()
    const after = process.memoryUsage()
    rssPerNodeKB = (after.rss - before.rss) / nodes / 1_024
    heapPerNodeKB = (after.heapUsed + after.external - before.heapUsed - before.external) / nodes / 1_024
  },
})
const result: SizeResult = {
  nodes,
  cipher,
  events: stats.events,
  wallMs: stats.wallMs,
  cpuMs: stats.cpuMs,
  eventsPerSecond: stats.eventsPerSecond,
  eventsPerCpuSecond: stats.eventsPerCpuSecond,
  // Over the whole run (setup included): the main thread's CPU is read at the start and at the end only.
  eventsPerMainThreadCpuSecond:
    mainBefore === undefined || mainAtEnd === undefined || mainAtEnd <= mainBefore
      ? null
      : (stats.events * 1_000) / (mainAtEnd - mainBefore),
  virtualToWall: stats.virtualToWall,
  rssPerNodeKB,
  heapPerNodeKB,
  deliveryRatio: report.summary.messages.deliveryRatio,
}
process.stdout.write(`${JSON.stringify(result)}\n`)

/*
 * What every network benchmark worker shares (`worker.ts` for chainwire, raw TCP and the bounds;
 * `libp2p-worker.ts` for js-libp2p): the bulk payload, the receive counters the parent waits on, and the
 * operations that read the process's clocks.
 *
 * Time stamps are `performance.timeOrigin + performance.now()`: wall-clock milliseconds with sub-millisecond
 * resolution, comparable between the processes of one machine.
 */
import { randomBytes } from 'node:crypto'
import { constants, PerformanceObserver, performance } from 'node:perf_hooks'

/** Size of one application message of the bulk cases: protocol-codec's largest `chunk` payload (1 MiB). */
export const MESSAGE_BYTES = 1_048_576

export const now = (): number => performance.timeOrigin + performance.now()

/**
 * A live heap of `BENCH_HEAP_MB` megabytes (default 0) of small objects, held for the worker's life: the
 * state a node keeps (its chain, peer tables), which every major garbage collection marks. Lets the bench
 * show how the figures move with the live heap of the measuring process.
 */
const ballast: unknown[] = []
for (let mb = Number(process.env.BENCH_HEAP_MB ?? 0); ballast.length < mb * 6_000; ) {
  ballast.push({ id: ballast.length, name: `object ${ballast.length}`, links: [ballast.length - 1] })
}

/** How many objects the live heap ballast holds. */
export const heapBallast = (): number => ballast.length

/** The bytes every bulk case sends, one copy per message. */
export const payload = randomBytes(MESSAGE_BYTES)

/**
 * A case whose received bytes the receiver counts: `raw`, `channel`, `stack`, `channel-down`, `stack-down`,
 * and per js-libp2p major (`libp2p` for 2.x, `libp2p3` for 3.x) `<p>`, `<p>-msg`, `<p>-down`, `<p>-msg-down`.
 */
export type Kind = string

const received = new Map<Kind, number>()
const waiters: { kind: Kind; target: number; resolve: (at: number) => void }[] = []

/** Counts `n` bytes received of `kind`. */
export function count(kind: Kind, n: number): void {
  const total = (received.get(kind) ?? 0) + n
  received.set(kind, total)
  for (let i = 0; i < waiters.length; i++) {
    const w = waiters[i] as (typeof waiters)[number]
    if (w.kind === kind && total >= w.target) {
      waiters.splice(i--, 1)
      w.resolve(now())
    }
  }
}

/** Resolves with the time the cumulative bytes received of `kind` reach `target`. */
function waitFor(kind: Kind, target: number): Promise<number> {
  if ((received.get(kind) ?? 0) >= target) return Promise.resolve(now())
  return new Promise((resolve) => waiters.push({ kind, target, resolve }))
}

export type Args = Record<string, unknown>
export const num = (a: Args, k: string): number => a[k] as number
export const str = (a: Args, k: string): string => a[k] as string

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Runs `total` tasks with at most `concurrency` at once. */
export async function pool(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const run = async (): Promise<void> => {
    while (next < total) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, run))
}

/** Garbage collections of a process so far, from V8's 'gc' performance entries: counts and pause ms. */
export interface Collections {
  major: number
  minor: number
  majorMs: number
  minorMs: number
}

const collections: Collections = { major: 0, minor: 0, majorMs: 0, minorMs: 0 }
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      collections.major++
      collections.majorMs += e.duration
    } else {
      collections.minor++
      collections.minorMs += e.duration
    }
  }
}).observe({ entryTypes: ['gc'] })

/** The operations every worker answers: the receive counters and the process's clocks. */
export const commonOps: Record<string, (a: Args) => Promise<unknown>> = {
  /** Received bytes of a kind reached `target`: resolves with the time it happened. */
  wait: async (a) => waitFor(a.kind as Kind, num(a, 'target')),
  /** CPU time used by this process so far (user + system), in ms. */
  cpu: async () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1_000
  },
  /** Minor page faults of this process so far. */
  faults: async () => process.resourceUsage().minorPageFault,
  /** The version of Node this worker runs (`process.versions.node`). */
  version: async () => process.versions.node,
  /** Garbage collections so far: major (mark-compact) and minor (scavenge) counts and pause ms. */
  gc: async () => ({ ...collections }),
  /** The JS heap in use now, in bytes (no collection forced). */
  heap: async () => process.memoryUsage().heapUsed,
}

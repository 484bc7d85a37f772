import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Result of timing a function: operations per second over the measured window. */
export interface Timing {
  opsPerSec: number
  nsPerOp: number
  iterations: number
}

/**
 * Times `fn` by running it in batches until `minMs` of wall time have passed, after a warm-up of the same
 * length. Baseline and candidate are timed alternately by {@link compare}, so machine noise hits both.
 */
export function time(fn: () => unknown, minMs = 300): Timing {
  const run = (ms: number): Timing => {
    let iterations = 0
    let batch = 1
    const start = performance.now()
    let elapsed = 0
    while (elapsed < ms) {
      for (let i = 0; i < batch; i++) fn()
      iterations += batch
      elapsed = performance.now() - start
      if (elapsed < ms / 10) batch *= 2
    }
    return { opsPerSec: (iterations * 1000) / elapsed, nsPerOp: (elapsed * 1e6) / iterations, iterations }
  }
  run(Math.min(minMs, 200))
  return run(minMs)
}

/** Measures candidate and baseline alternately `rounds` times and returns each one's median. */
function alternately(
  measure: (fn: () => unknown) => number,
  candidate: () => unknown,
  baseline: () => unknown,
  rounds: number,
): [number, number] {
  const a: number[] = []
  const b: number[] = []
  for (let i = 0; i < rounds; i++) {
    a.push(measure(candidate))
    b.push(measure(baseline))
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number
  return [med(a), med(b)]
}

/**
 * Times candidate and baseline alternately `rounds` times and keeps each one's median, so both see the
 * same machine conditions. Returns ops/s of both and the speed ratio (candidate / baseline).
 */
export function compare(
  candidate: () => unknown,
  baseline: () => unknown,
  rounds = 5,
  minMs = 200,
): { candidate: number; baseline: number; ratio: number } {
  const [c, b] = alternately((fn) => time(fn, minMs).opsPerSec, candidate, baseline, rounds)
  return { candidate: c, baseline: b, ratio: c / b }
}

/** CPU time of the process (user + system, all threads: the collector's included), in ms. */
function cpuMs(): number {
  const used = process.cpuUsage()
  return (used.user + used.system) / 1000
}

/**
 * CPU time per call of `fn`, run until `minMs` of CPU have been used, after one warm-up call. CPU rather than
 * wall time, so the other work on a shared machine counts less (it still slows caches and the collector).
 */
export function cpuPerCall(fn: () => unknown, minMs = 300): number {
  fn()
  let calls = 0
  const start = cpuMs()
  let used = 0
  while (used < minMs) {
    fn()
    calls++
    used = cpuMs() - start
  }
  return used / calls
}

/**
 * {@link compare} in CPU time: candidate and baseline alternately `rounds` times, each one's median CPU ms
 * per call, and the ratio baseline / candidate (> 1: the candidate costs less).
 */
export function compareCpu(
  candidate: () => unknown,
  baseline: () => unknown,
  rounds = 5,
  minMs = 300,
): { candidate: number; baseline: number; ratio: number } {
  const [c, b] = alternately((fn) => cpuPerCall(fn, minMs), candidate, baseline, rounds)
  return { candidate: c, baseline: b, ratio: b / c }
}

/** mulberry32: a seeded PRNG, so every run of a suite measures the same inputs. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Runs a full garbage collection (twice, so weak and finalised objects go too), for heap measurements. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  const collect = runInNewContext('gc') as () => void
  collect()
  collect()
}

/** The median of some numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

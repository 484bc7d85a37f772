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
  const a: number[] = []
  const b: number[] = []
  for (let i = 0; i < rounds; i++) {
    a.push(time(candidate, minMs).opsPerSec)
    b.push(time(baseline, minMs).opsPerSec)
  }
  const med = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y)
    return s[Math.floor(s.length / 2)] as number
  }
  const c = med(a)
  const bl = med(b)
  return { candidate: c, baseline: bl, ratio: c / bl }
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

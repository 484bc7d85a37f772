import { roundNs } from './collector'

/** A distribution summary; every field is null when there were no samples. */
export interface Quantiles {
  readonly count: number
  readonly min: number | null
  readonly mean: number | null
  readonly p50: number | null
  readonly p90: number | null
  readonly p99: number | null
  readonly max: number | null
}

/** The q-quantile (0 to 1) of ascending `sorted`, by the nearest-rank method. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1] as number
}

/** Summarises samples (any order; not modified). */
export function quantiles(samples: readonly number[]): Quantiles {
  if (samples.length === 0)
    return { count: 0, min: null, mean: null, p50: null, p90: null, p99: null, max: null }
  const sorted = Float64Array.from(samples).sort()
  const arr = Array.from(sorted)
  let sum = 0
  for (const x of arr) sum += x
  return {
    count: arr.length,
    min: roundNs(arr[0] as number),
    mean: roundNs(sum / arr.length),
    p50: roundNs(quantile(arr, 0.5)),
    p90: roundNs(quantile(arr, 0.9)),
    p99: roundNs(quantile(arr, 0.99)),
    max: roundNs(arr[arr.length - 1] as number),
  }
}

/** One point of a CDF: the fraction of the population at or below `x`. */
export interface CdfPoint {
  readonly x: number
  readonly fraction: number
}

/**
 * The empirical CDF of `samples` at `points` evenly spaced quantiles, scaled to a population of `total`
 * (>= samples.length): missing members never arrive, so the curve tops out at samples.length / total.
 */
export function cdf(samples: readonly number[], total: number, points: number): CdfPoint[] {
  if (samples.length === 0 || total === 0) return []
  const sorted = Array.from(Float64Array.from(samples).sort())
  const out: CdfPoint[] = []
  for (let k = 0; k < points; k++) {
    const q = k / (points - 1)
    const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
    out.push({ x: roundNs(sorted[idx] as number), fraction: round6((idx + 1) / total) })
  }
  return out
}

/** Rounds to 6 decimals (ratios and fractions in the report). */
export function round6(x: number): number {
  return Math.round(x * 1_000_000) / 1_000_000
}

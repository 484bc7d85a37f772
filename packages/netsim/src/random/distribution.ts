import type { Random } from './random'

/**
 * A distribution of non-negative values (latencies in ms, downtimes in ms). Values drawn below zero are
 * clamped to 0, and above `max` to `max` when set.
 */
export type Distribution =
  | { readonly distribution: 'fixed'; readonly value: number }
  | { readonly distribution: 'uniform'; readonly min: number; readonly max: number }
  | { readonly distribution: 'normal'; readonly mean: number; readonly stddev: number; readonly max?: number }
  | {
      readonly distribution: 'lognormal'
      /** The median (e^mu); the mean is median * e^(sigma^2 / 2). */
      readonly median: number
      /** Standard deviation of the underlying normal. */
      readonly sigma: number
      readonly max?: number
    }
  | {
      readonly distribution: 'pareto'
      /** The minimum value (x_m). */
      readonly scale: number
      /** The tail index (alpha); a smaller shape gives a heavier tail. */
      readonly shape: number
      readonly max?: number
    }
  | { readonly distribution: 'exponential'; readonly mean: number; readonly max?: number }

/** Draws one value of `d` from `random`. */
export function sample(d: Distribution, random: Random): number {
  let x: number
  switch (d.distribution) {
    case 'fixed':
      return d.value
    case 'uniform':
      return random.uniform(d.min, d.max)
    case 'normal':
      x = d.mean + d.stddev * random.gaussian()
      break
    case 'lognormal':
      x = d.median * Math.exp(d.sigma * random.gaussian())
      break
    case 'pareto': {
      let u = random.next()
      while (u === 0) u = random.next()
      x = d.scale / u ** (1 / d.shape)
      break
    }
    case 'exponential':
      x = random.exponential(d.mean)
      break
  }
  if (x < 0) x = 0
  if (d.max !== undefined && x > d.max) x = d.max
  return x
}

/** The mean of `d` before clamping (Infinity for a Pareto tail with shape <= 1). */
export function meanOf(d: Distribution): number {
  switch (d.distribution) {
    case 'fixed':
      return d.value
    case 'uniform':
      return (d.min + d.max) / 2
    case 'normal':
      return d.mean
    case 'lognormal':
      return d.median * Math.exp((d.sigma * d.sigma) / 2)
    case 'pareto':
      return d.shape <= 1 ? Number.POSITIVE_INFINITY : (d.shape * d.scale) / (d.shape - 1)
    case 'exponential':
      return d.mean
  }
}

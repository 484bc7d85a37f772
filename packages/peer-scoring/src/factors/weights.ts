import type { FactorWeight, ScoreFactor } from '../types'

/** The factors in canonical order: the order of `explain()` and of the total's summation. */
export const SCORE_FACTORS: readonly ScoreFactor[] = Object.freeze([
  'latency',
  'uptime',
  'blocks',
  'transactions',
  'validator',
  'behaviour',
])

/**
 * The default weights. Rewards favour what makes a peer worth keeping (block propagation, latency, uptime,
 * relay); penalties fall mostly on behaviour and bad blocks, so misbehaviour alone can ban a peer while a slow
 * or flapping peer only drifts low. Each column sums to 1, so the total lies in [-100, 100].
 */
export const DEFAULT_FACTOR_WEIGHTS: Readonly<Record<ScoreFactor, Readonly<FactorWeight>>> = Object.freeze({
  latency: Object.freeze({ reward: 0.15, penalty: 0.05 }),
  uptime: Object.freeze({ reward: 0.15, penalty: 0.05 }),
  blocks: Object.freeze({ reward: 0.25, penalty: 0.3 }),
  transactions: Object.freeze({ reward: 0.15, penalty: 0.1 }),
  validator: Object.freeze({ reward: 0.1, penalty: 0 }),
  behaviour: Object.freeze({ reward: 0.2, penalty: 0.5 }),
})

/** The bound of every sub-score: [-100, 100]. */
export const SUB_SCORE_LIMIT = 100

/**
 * Contributions are rounded to a multiple of 2^-16 points. Sums of such numbers (far below 2^37 in
 * magnitude) are exact in binary floating point in any order, which is what makes `explain()` sum exactly
 * to the total.
 */
const QUANTUM = 65_536

/** Rounds `x` to the nearest multiple of 2^-16, turning -0 into 0. */
export function quantise(x: number): number {
  return Math.round(x * QUANTUM) / QUANTUM + 0
}

/** The weight that applies to a sub-score: the reward weight if it is >= 0, the penalty weight if negative. */
export function weightFor(weight: FactorWeight, subScore: number): number {
  return subScore >= 0 ? weight.reward : weight.penalty
}

/** Each factor's contribution (weight × sub-score, quantised) and their exact sum. */
export function combine(
  subScores: Readonly<Record<ScoreFactor, number>>,
  weights: Readonly<Record<ScoreFactor, FactorWeight>>,
): { contributions: Record<ScoreFactor, number>; total: number } {
  const contributions = {} as Record<ScoreFactor, number>
  let total = 0
  for (const factor of SCORE_FACTORS) {
    const s = subScores[factor]
    const c = quantise(weightFor(weights[factor], s) * s)
    contributions[factor] = c
    total += c
  }
  return { contributions, total: total + 0 }
}

/** Clamps a sub-score or counter to [-100, 100], turning -0 into 0. */
export function clampSubScore(x: number): number {
  return Math.min(SUB_SCORE_LIMIT, Math.max(-SUB_SCORE_LIMIT, x)) + 0
}

/** The resolved latency mapping (see `LatencyOptions`). */
export interface LatencyMapping {
  alpha: number
  goodMs: number
  neutralMs: number
  badMs: number
}

/** One step of the exponentially weighted moving average; the first sample starts the average. */
export function ewma(previous: number | undefined, sampleMs: number, alpha: number): number {
  return previous === undefined ? sampleMs : alpha * sampleMs + (1 - alpha) * previous
}

/**
 * Maps an average round-trip time to [-100, 100], piecewise linearly: +100 at or below `goodMs`, 0 at
 * `neutralMs`, -100 at or above `badMs`.
 */
export function latencyValue(averageMs: number, m: LatencyMapping): number {
  if (averageMs <= m.goodMs) return 100
  if (averageMs <= m.neutralMs) return (100 * (m.neutralMs - averageMs)) / (m.neutralMs - m.goodMs) + 0
  if (averageMs < m.badMs) return (-100 * (averageMs - m.neutralMs)) / (m.badMs - m.neutralMs)
  return -100
}

/**
 * The latency sub-score: the mapped average scaled by its freshness (1 when just measured, decaying each
 * period without a new sample), so an old measurement fades toward neutral.
 */
export function latencySubScore(averageMs: number | undefined, freshness: number, m: LatencyMapping): number {
  if (averageMs === undefined || freshness === 0) return 0
  return latencyValue(averageMs, m) * freshness + 0
}

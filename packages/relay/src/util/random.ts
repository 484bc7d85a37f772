/** A Fisher-Yates shuffled copy of `items`, drawing from `random` (seeded in tests and netsim). */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}

/** A delay drawn from an exponential distribution of mean `meanMs` (Poisson arrivals), at least 0. */
export function exponentialDelay(meanMs: number, random: () => number): number {
  if (meanMs <= 0) return 0
  return -Math.log(1 - random()) * meanMs
}

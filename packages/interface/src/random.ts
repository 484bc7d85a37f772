/**
 * A Fisher-Yates shuffled copy of `items`, drawing from `random` (a number in [0, 1); a seeded one in tests
 * and simulations, so a shuffle repeats).
 */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}

/**
 * A delay drawn from the exponential distribution of mean `meanMs`: the gaps between the events of a Poisson
 * process (Bitcoin's transaction trickles, for example). 0 when the mean is 0 or less.
 */
export function exponentialDelay(meanMs: number, random: () => number): number {
  if (!(meanMs > 0)) return 0
  return -Math.log(1 - random()) * meanMs
}

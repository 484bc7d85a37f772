/**
 * A token bucket refilled continuously at `ratePerSecond` up to `capacity`, read lazily against the time
 * passed in (no timer).
 */
export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    initial: number,
    now: number,
  ) {
    this.tokens = Math.min(capacity, initial)
    this.updatedAt = now
  }

  /** Tokens available at `now`. */
  available(now: number): number {
    this.refill(now)
    return this.tokens
  }

  /** Takes up to `n` whole tokens and returns how many were taken. */
  take(n: number, now: number): number {
    this.refill(now)
    const taken = Math.max(0, Math.min(n, Math.floor(this.tokens)))
    this.tokens -= taken
    return taken
  }

  /** Adds `n` tokens (up to the capacity). */
  add(n: number, now: number): void {
    this.refill(now)
    this.tokens = Math.min(this.capacity, this.tokens + n)
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000
    this.updatedAt = Math.max(this.updatedAt, now)
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.ratePerSecond)
  }
}

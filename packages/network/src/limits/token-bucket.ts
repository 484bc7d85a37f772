import type { Clock } from '@chainwire/interface'

/** A token bucket's shape: refill rate and capacity. */
export interface BucketRate {
  /** Tokens added per second. */
  rate: number
  /** Capacity: the most tokens the bucket holds, and what it starts with. */
  burst: number
}

/**
 * A token bucket on the injected clock, refilled lazily when read (no timer). `take(n)` succeeds when at
 * least `min(n, burst)` tokens are there, and may leave the bucket in debt: an item larger than the whole
 * burst (a 2 MB block against a 1 MB byte burst) still passes when the bucket is full, and the debt then
 * holds back what follows for as long as the rate needs to repay it.
 */
export class TokenBucket {
  private readonly clock: Clock
  private readonly rate: number
  private readonly burst: number
  private tokens: number
  private last: number

  constructor(clock: Clock, { rate, burst }: BucketRate) {
    this.clock = clock
    this.rate = Math.max(0, rate)
    this.burst = Math.max(0, burst)
    this.tokens = this.burst
    this.last = clock.now()
  }

  /** Tokens available now (negative while in debt). */
  available(): number {
    this.refill()
    return this.tokens
  }

  /** True when the bucket is full again (an idle bucket; a bounded table may forget it). */
  isFull(): boolean {
    return this.available() >= this.burst
  }

  /** Whether `take(n)` would succeed now. */
  canTake(n = 1): boolean {
    this.refill()
    return this.tokens > 0 && this.tokens >= Math.min(n, this.burst)
  }

  /** Takes `n` tokens if allowed (see the class comment); returns whether they were taken. */
  take(n = 1): boolean {
    if (!this.canTake(n)) return false
    this.tokens -= n
    return true
  }

  /** Milliseconds until `take(n)` would succeed (0 when it would now). */
  waitTime(n = 1): number {
    this.refill()
    const need = Math.min(n, this.burst) - this.tokens
    if (need <= 0 && this.tokens > 0) return 0
    if (this.rate === 0) return Number.POSITIVE_INFINITY
    return Math.ceil((Math.max(need, 0) * 1000) / this.rate) || 1
  }

  private refill(): void {
    const now = this.clock.now()
    const elapsed = now - this.last
    this.last = now
    if (elapsed > 0) this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000)
  }
}

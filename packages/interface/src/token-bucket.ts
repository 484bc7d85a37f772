import type { Clock } from './clock'

/** A token bucket's shape: refill rate and capacity. */
export interface BucketRate {
  /** Tokens added per second (0: never refills). */
  rate: number
  /** Capacity: the most tokens the bucket holds. */
  burst: number
  /** Tokens at creation. @default burst (a new bucket starts full) */
  initial?: number
}

/**
 * A token bucket on the injected clock, refilled lazily when read (no timer), so it costs nothing while idle
 * and runs in virtual time under netsim. Two ways to spend:
 *
 * - `take(n)` is all or nothing, and may leave the bucket in debt: an item larger than the whole burst (a 2 MB
 *   block against a 1 MB byte burst) still passes when the bucket is full, and the debt then holds back what
 *   follows for as long as the rate needs to repay it. For rate limits on messages and bytes.
 * - `takeUpTo(n)` takes as many whole tokens as there are, up to `n`, and never goes into debt. For budgets
 *   such as "how many of these relayed addresses may we accept".
 */
export class TokenBucket {
  private readonly clock: Clock
  private readonly rate: number
  private readonly burst: number
  private tokens: number
  private last: number

  constructor(clock: Clock, { rate, burst, initial }: BucketRate) {
    this.clock = clock
    this.rate = Math.max(0, rate)
    this.burst = Math.max(0, burst)
    this.tokens = Math.min(this.burst, initial ?? this.burst)
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

  /** Takes up to `n` whole tokens without going into debt; returns how many were taken. */
  takeUpTo(n: number): number {
    this.refill()
    const taken = Math.max(0, Math.min(Math.floor(n), Math.floor(this.tokens)))
    this.tokens -= taken
    return taken
  }

  /** Adds `n` tokens, up to the capacity (credit for something the owner asked for). */
  add(n: number): void {
    this.refill()
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, n))
  }

  /** Milliseconds until `take(n)` would succeed (0 when it would now; Infinity when it never will). */
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
    if (elapsed <= 0) return
    this.last = now
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000)
  }
}

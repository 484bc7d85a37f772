import type { Clock } from '@chainwire/interface'

/** Options of {@link DialBackoff}. */
export interface DialBackoffOptions {
  /** Delay after the first failure, in ms. */
  baseMs: number
  /** Longest delay, in ms. */
  maxMs: number
  /** Fraction of each delay that is randomised away (0 = none, 0.5 = the delay is 50-100% of nominal). */
  jitter: number
  /** Addresses tracked at most; the least recently failed is forgotten first. */
  maxEntries: number
}

interface Entry {
  failures: number
  retryAt: number
}

/**
 * Per-address dial backoff: after the n-th consecutive failure an address is not dialed again for
 * `min(maxMs, baseMs × 2^(n-1))`, less a random part of up to `jitter` of it, so that many nodes that lost
 * the same peer do not redial it in lockstep. A success forgets the address. At most `maxEntries` addresses
 * are remembered.
 */
export class DialBackoff {
  private readonly clock: Clock
  private readonly random: () => number
  private readonly options: DialBackoffOptions
  private readonly entries = new Map<string, Entry>()

  constructor(clock: Clock, random: () => number, options: DialBackoffOptions) {
    this.clock = clock
    this.random = random
    this.options = options
  }

  /** Number of addresses tracked. */
  get size(): number {
    return this.entries.size
  }

  /** The nominal delay (before jitter) after `failures` consecutive failures. */
  nominalDelay(failures: number): number {
    const { baseMs, maxMs } = this.options
    if (failures <= 0) return 0
    return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 52))
  }

  /** Records a failed dial; returns the delay chosen before the next attempt. */
  failure(address: string): number {
    const previous = this.entries.get(address)
    const failures = (previous?.failures ?? 0) + 1
    const nominal = this.nominalDelay(failures)
    const jitter = Math.min(1, Math.max(0, this.options.jitter))
    const delay = Math.round(nominal * (1 - jitter * this.random()))
    this.entries.delete(address)
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(address, { failures, retryAt: this.clock.now() + delay })
    return delay
  }

  /** Records a successful connection: the address is dialable at once again. */
  success(address: string): void {
    this.entries.delete(address)
  }

  /** Consecutive failures recorded for the address. */
  failures(address: string): number {
    return this.entries.get(address)?.failures ?? 0
  }

  /** Clock time before which the address should not be dialed, or undefined when it may be dialed now. */
  retryAt(address: string): number | undefined {
    const entry = this.entries.get(address)
    if (entry === undefined || entry.retryAt <= this.clock.now()) return undefined
    return entry.retryAt
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear()
  }
}

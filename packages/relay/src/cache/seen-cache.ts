import type { Clock, PeerId } from '@chainwire/interface'
import { LruMap } from '@chainwire/interface'

/** Where a seen message stands: being validated, or the validator's verdict. */
export type SeenState = 'validating' | 'accepted' | 'ignored' | 'rejected'

/** Senders remembered per message (to skip them when relaying and to spot one peer sending it twice). */
export const MAX_SENDERS_PER_MESSAGE = 16

/** What the seen-cache remembers of one message id. */
export interface SeenEntry {
  /** Clock time of the first receipt (or of our publish). */
  readonly at: number
  readonly topic: string
  state: SeenState
  /** The first peers that sent it, first sender first (at most {@link MAX_SENDERS_PER_MESSAGE}). */
  readonly senders: PeerId[]
  /** Times a rejected id was validated again for another sender. */
  revalidations: number
}

/**
 * The bounded, time-limited memory of message ids (dedup): at most `max` ids, each forgotten `ttlMs` after
 * it was first seen, or earlier when the cache is full (oldest first). Lookups never reorder it, so the
 * oldest entries are always first and a cleanup stops at the first one still alive.
 */
export class SeenCache {
  private readonly entries: LruMap<string, SeenEntry>
  private readonly clock: Clock
  private readonly ttlMs: number

  constructor(clock: Clock, max: number, ttlMs: number) {
    this.clock = clock
    this.ttlMs = ttlMs
    this.entries = new LruMap(max)
  }

  get size(): number {
    return this.entries.size
  }

  /** The entry of `key` if seen within the TTL. */
  get(key: string): SeenEntry | undefined {
    const e = this.entries.peek(key)
    if (e === undefined) return undefined
    if (this.clock.now() - e.at >= this.ttlMs) {
      this.entries.delete(key)
      return undefined
    }
    return e
  }

  /** Records a first sighting. */
  add(key: string, topic: string, state: SeenState, from: PeerId | undefined): SeenEntry {
    const entry: SeenEntry = {
      at: this.clock.now(),
      topic,
      state,
      senders: from === undefined ? [] : [from],
      revalidations: 0,
    }
    this.entries.set(key, entry)
    return entry
  }

  /** Remembers one more sender of a message; false when `from` had already sent it. */
  addSender(entry: SeenEntry, from: PeerId): boolean {
    if (entry.senders.includes(from)) return false
    if (entry.senders.length < MAX_SENDERS_PER_MESSAGE) entry.senders.push(from)
    return true
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  /** Forgets every expired id; returns how many. */
  cleanup(): number {
    const cutoff = this.clock.now() - this.ttlMs
    let removed = 0
    for (const [key, e] of this.entries) {
      if (e.at > cutoff) break
      this.entries.delete(key)
      removed++
    }
    return removed
  }

  clear(): void {
    this.entries.clear()
  }
}

import { type BucketRate, type Clock, TokenBucket } from '@chainwire/interface'

/**
 * The per-IP rate of new inbound connections: token buckets keyed by an IP, at most `maxEntries` of them: the least recently used bucket is
 * forgotten first. A forgotten key starts again with a full bucket, so the bound trades a little precision
 * against an attacker with more addresses than the table holds for memory that never grows with traffic.
 */
export class IpRateTable {
  private readonly clock: Clock
  private readonly rate: BucketRate
  private readonly maxEntries: number
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(clock: Clock, rate: BucketRate, maxEntries: number) {
    this.clock = clock
    this.rate = rate
    this.maxEntries = Math.max(1, maxEntries)
  }

  /** Number of keys tracked now. */
  get size(): number {
    return this.buckets.size
  }

  /** Takes `n` tokens from `key`'s bucket; false when it is empty. */
  take(key: string, n = 1): boolean {
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      bucket = new TokenBucket(this.clock, this.rate)
      if (this.buckets.size >= this.maxEntries) this.evictOne()
    } else {
      this.buckets.delete(key)
    }
    this.buckets.set(key, bucket)
    return bucket.take(n)
  }

  /** Forgets every bucket. */
  clear(): void {
    this.buckets.clear()
  }

  private evictOne(): void {
    // Prefer a bucket that refilled completely (it holds no information); else the least recently used.
    let scanned = 0
    for (const [key, bucket] of this.buckets) {
      if (bucket.isFull()) {
        this.buckets.delete(key)
        return
      }
      if (++scanned >= 16) break
    }
    const oldest = this.buckets.keys().next()
    if (oldest.done !== true) this.buckets.delete(oldest.value)
  }
}

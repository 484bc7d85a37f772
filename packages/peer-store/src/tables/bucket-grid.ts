/** The value of an empty slot. */
export const EMPTY = -1

/**
 * A fixed grid of `bucketCount` buckets of `bucketSize` slots holding entry ids. It also tracks which
 * buckets are non-empty, so a uniformly random non-empty bucket is picked in O(1): selection is uniform over
 * buckets (not over entries), which is what keeps an attacker's densely packed buckets from dominating it.
 */
export class BucketGrid {
  readonly bucketCount: number
  readonly bucketSize: number
  /** Number of occupied slots. */
  count = 0
  readonly #slots: Int32Array
  readonly #fill: Uint16Array
  readonly #nonEmpty: Int32Array
  readonly #nonEmptyIndex: Int32Array
  #nonEmptyCount = 0

  constructor(bucketCount: number, bucketSize: number) {
    this.bucketCount = bucketCount
    this.bucketSize = bucketSize
    this.#slots = new Int32Array(bucketCount * bucketSize).fill(EMPTY)
    this.#fill = new Uint16Array(bucketCount)
    this.#nonEmpty = new Int32Array(bucketCount)
    this.#nonEmptyIndex = new Int32Array(bucketCount).fill(-1)
  }

  /** Total number of slots. */
  get capacity(): number {
    return this.#slots.length
  }

  /** Number of buckets holding at least one entry. */
  get bucketsInUse(): number {
    return this.#nonEmptyCount
  }

  /** The entry id in a slot, or {@link EMPTY}. */
  get(bucket: number, pos: number): number {
    return this.#slots[bucket * this.bucketSize + pos] as number
  }

  /** How many entries a bucket holds. */
  fillOf(bucket: number): number {
    return this.#fill[bucket] as number
  }

  /** Puts `id` into an empty slot. */
  set(bucket: number, pos: number, id: number): void {
    const i = bucket * this.bucketSize + pos
    if (this.#slots[i] !== EMPTY) throw new RangeError('slot is occupied')
    this.#slots[i] = id
    this.count++
    const f = (this.#fill[bucket] as number) + 1
    this.#fill[bucket] = f
    if (f === 1) {
      this.#nonEmptyIndex[bucket] = this.#nonEmptyCount
      this.#nonEmpty[this.#nonEmptyCount++] = bucket
    }
  }

  /** Empties a slot; returns the id it held, or {@link EMPTY}. */
  clear(bucket: number, pos: number): number {
    const i = bucket * this.bucketSize + pos
    const id = this.#slots[i] as number
    if (id === EMPTY) return EMPTY
    this.#slots[i] = EMPTY
    this.count--
    const f = (this.#fill[bucket] as number) - 1
    this.#fill[bucket] = f
    if (f === 0) {
      const at = this.#nonEmptyIndex[bucket] as number
      const last = this.#nonEmpty[--this.#nonEmptyCount] as number
      this.#nonEmpty[at] = last
      this.#nonEmptyIndex[last] = at
      this.#nonEmptyIndex[bucket] = -1
    }
    return id
  }

  /** A uniformly random non-empty bucket, or -1 when the table is empty. */
  randomBucket(random: () => number): number {
    if (this.#nonEmptyCount === 0) return -1
    return this.#nonEmpty[Math.floor(random() * this.#nonEmptyCount)] as number
  }

  /** The non-empty buckets, in no particular order (a copy). */
  nonEmptyBuckets(): number[] {
    return Array.from(this.#nonEmpty.subarray(0, this.#nonEmptyCount))
  }

  /** A uniformly random occupied slot's id in a non-empty bucket. */
  randomInBucket(bucket: number, random: () => number): number {
    let n = Math.floor(random() * (this.#fill[bucket] as number))
    const base = bucket * this.bucketSize
    for (let p = 0; p < this.bucketSize; p++) {
      const id = this.#slots[base + p] as number
      if (id !== EMPTY && n-- === 0) return id
    }
    return EMPTY
  }

  /** The ids in a bucket. */
  idsInBucket(bucket: number): number[] {
    const out: number[] = []
    const base = bucket * this.bucketSize
    for (let p = 0; p < this.bucketSize; p++) {
      const id = this.#slots[base + p] as number
      if (id !== EMPTY) out.push(id)
    }
    return out
  }

  /** Empties every slot. */
  reset(): void {
    this.#slots.fill(EMPTY)
    this.#fill.fill(0)
    this.#nonEmptyIndex.fill(-1)
    this.#nonEmptyCount = 0
    this.count = 0
  }
}

import { BucketGrid } from './bucket-grid'
import type { SaltedHash } from './hash'

/** Shape of the tried table. */
export interface TriedTableGeometry {
  bucketCount: number
  bucketSize: number
  bucketsPerGroup: number
}

/**
 * The tried table: addresses we have connected to successfully. An address's bucket depends on its group and
 * the address itself, with each group spread over at most `bucketsPerGroup` buckets, so one /16 can hold at
 * most `bucketsPerGroup x bucketSize` tried slots. Each address has exactly one slot here; when it is taken,
 * the incumbent is only evicted after a feeler connection shows it is gone (test-before-evict).
 */
export class TriedTable extends BucketGrid {
  readonly #hash: SaltedHash
  readonly #perGroup: number

  constructor(geometry: TriedTableGeometry, hash: SaltedHash) {
    super(geometry.bucketCount, geometry.bucketSize)
    this.#hash = hash
    this.#perGroup = geometry.bucketsPerGroup
  }

  /** The bucket of `address` (in `addressGroup`). */
  bucketFor(address: string, addressGroup: string): number {
    const sub = this.#hash.hash('tried-sub', address) % this.#perGroup
    return this.#hash.hash('tried-bucket', addressGroup, sub) % this.bucketCount
  }

  /** The slot of `address` inside `bucket`. */
  positionFor(bucket: number, address: string): number {
    return this.#hash.hash('tried-slot', bucket, address) % this.bucketSize
  }
}

import { BucketGrid } from './bucket-grid'
import type { SaltedHash } from './hash'

/** Shape of the new table. */
export interface NewTableGeometry {
  bucketCount: number
  bucketSize: number
  bucketsPerSourceGroup: number
}

/**
 * The new table: addresses we have heard of but never connected to. An address's bucket depends on its own
 * group and on the group of the source that told us, and all addresses from one source group fall into at
 * most `bucketsPerSourceGroup` buckets, so one source (or all sources in one /16) can fill at most
 * `bucketsPerSourceGroup x bucketSize` slots, however many addresses it sends. The slot inside the bucket
 * depends on the full address, so addresses in one group compete for the same `bucketSize` slots.
 */
export class NewTable extends BucketGrid {
  readonly #hash: SaltedHash
  readonly #perSource: number

  constructor(geometry: NewTableGeometry, hash: SaltedHash) {
    super(geometry.bucketCount, geometry.bucketSize)
    this.#hash = hash
    this.#perSource = geometry.bucketsPerSourceGroup
  }

  /** The bucket an address of `addressGroup` reported by a source in `sourceGroup` goes to. */
  bucketFor(addressGroup: string, sourceGroup: string): number {
    const sub = this.#hash.hash('new-sub', addressGroup, sourceGroup) % this.#perSource
    return this.#hash.hash('new-bucket', sourceGroup, sub) % this.bucketCount
  }

  /** The slot of `address` inside `bucket`. */
  positionFor(bucket: number, address: string): number {
    return this.#hash.hash('new-slot', bucket, address) % this.bucketSize
  }
}

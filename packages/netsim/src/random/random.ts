import { Xoshiro128 } from '@chainwire/interface'
import { InvalidArgumentError } from '../errors'
import { seedState } from './seed-state'

const TWO_32 = 4_294_967_296

/**
 * Seeded randomness for a simulation: uniform numbers, integers, picks, shuffles and bytes over
 * `Xoshiro128` (xoshiro128**) of `@chainwire/interface`, seeded by {@link seedState}. `fork(label)` derives an independent stream from the same seed.
 */
export class Random {
  readonly seed: number | string
  readonly label: string
  private readonly gen: Xoshiro128

  constructor(seed: number | string, label = 'root') {
    this.seed = seed
    this.label = label
    this.gen = new Xoshiro128(seedState(seed, label))
  }

  /** An independent stream for `label`: the same seed and label always give the same stream. */
  fork(label: string): Random {
    return new Random(this.seed, `${this.label}/${label}`)
  }

  /** The next raw 32-bit output. */
  uint32(): number {
    return this.gen.nextUint32()
  }

  /** A float in [0, 1) with 53 random bits. */
  next(): number {
    return this.gen.nextFloat()
  }

  /** A float in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** An integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidArgumentError('int(n) needs a positive safe integer', { argument: 'n', n })
    }
    if (n <= TWO_32) {
      const limit = TWO_32 - (TWO_32 % n)
      for (;;) {
        const x = this.gen.nextUint32()
        if (x < limit) return x % n
      }
    }
    return Math.floor(this.next() * n)
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && (p >= 1 || this.next() < p)
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0)
      throw new InvalidArgumentError('pick() needs a non-empty array', { argument: 'items' })
    return items[this.int(items.length)] as T
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = items[i] as T
      items[i] = items[j] as T
      items[j] = t
    }
    return items
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      let x = this.gen.nextUint32()
      for (let k = 0; k < 4 && i + k < n; k++) {
        out[i + k] = x & 0xff
        x >>>= 8
      }
    }
    return out
  }

  /** A standard normal draw (Box-Muller, one of the pair). */
  gaussian(): number {
    let u = this.next()
    while (u === 0) u = this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** An exponential draw with the given mean (inter-arrival times of a Poisson process). */
  exponential(mean: number): number {
    let u = this.next()
    while (u === 0) u = this.next()
    return -Math.log(u) * mean
  }
}

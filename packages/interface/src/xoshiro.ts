const TWO_53 = 9_007_199_254_740_992

/**
 * xoshiro128** (Blackman and Vigna, 2018): a small, fast pseudo-random generator with 128 bits of state and
 * 32-bit outputs. chainwire's one seeded generator: netsim draws every random number of a simulation from it
 * (seeded from SHA-256 of the scenario seed and a stream label, the simulations' determinism contract), and
 * `seededRandom` of `@chainwire/interface/testing` gives tests and benchmarks the same generator seeded from a
 * number. Not cryptographic.
 */
export class Xoshiro128 {
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  /** Starts from a raw state of four 32-bit words (all zero is replaced by a valid state). */
  constructor(state: readonly [number, number, number, number]) {
    this.s0 = state[0] >>> 0
    this.s1 = state[1] >>> 0
    this.s2 = state[2] >>> 0
    this.s3 = state[3] >>> 0
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  /**
   * A generator seeded from a number: the state is four outputs of splitmix32 started at `seed`, the seeding
   * the generator's authors recommend, so nearby seeds give unrelated streams.
   */
  static fromSeed(seed: number): Xoshiro128 {
    let x = seed >>> 0
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0
      let t = x ^ (x >>> 16)
      t = Math.imul(t, 0x21f0aaad)
      t ^= t >>> 15
      t = Math.imul(t, 0x735a2d97)
      return (t ^ (t >>> 15)) >>> 0
    }
    return new Xoshiro128([next(), next(), next(), next()])
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
    const t = s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    this.s0 >>>= 0
    this.s1 >>>= 0
    this.s2 >>>= 0
    this.s3 >>>= 0
    return result
  }

  /** A float in [0, 1) with 53 random bits, from the top bits of the next two outputs. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5
    const lo = this.nextUint32() >>> 6
    return (hi * 67_108_864 + lo) / TWO_53
  }

  /** The current state, to snapshot or to compare. */
  state(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3]
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

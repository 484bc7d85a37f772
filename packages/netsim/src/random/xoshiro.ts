import { createHash } from 'node:crypto'

/**
 * xoshiro128** (Blackman and Vigna, 2018): a small, fast PRNG with 128 bits of state and 32-bit outputs.
 * Every random draw of a simulation comes from one of these, seeded from the scenario seed, so the same seed
 * replays the same run. Not cryptographic.
 */
export class Xoshiro128 {
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  /** Starts from a raw state of four 32-bit words (not all zero). */
  constructor(state: readonly [number, number, number, number]) {
    this.s0 = state[0] >>> 0
    this.s1 = state[1] >>> 0
    this.s2 = state[2] >>> 0
    this.s3 = state[3] >>> 0
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
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

  /** The current state, to snapshot or to compare. */
  state(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3]
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/**
 * The 128-bit state for a seed and a stream label: the first 16 bytes of SHA-256(`seed` NUL `label`). Labels
 * give independent streams (identities, links, workload, faults), so drawing more in one never shifts another.
 */
export function seedState(seed: number | string, label: string): [number, number, number, number] {
  const digest = createHash('sha256')
    .update(`${String(seed)}\u0000${label}`)
    .digest()
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)]
}

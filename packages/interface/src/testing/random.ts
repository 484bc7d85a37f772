import type { PeerId } from '../peer-id'
import { Xoshiro128 } from '../xoshiro'

/**
 * A seeded pseudo-random generator of numbers in [0, 1), so tests and benches repeat exactly: xoshiro128**
 * ({@link Xoshiro128}, the generator of netsim's simulations) seeded from `seed`, 53 random bits per number.
 */
export function seededRandom(seed: number): () => number {
  const generator = Xoshiro128.fromSeed(seed)
  return () => generator.nextFloat()
}

/** `length` bytes from a seeded generator. */
export function randomBytes(random: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256)
  return out
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/**
 * A peer id in canonical form (it passes `isPeerId`) for tests that need many distinct identities without
 * generating keys: from a seed number, or drawn from a seeded generator. It names no real key.
 */
export function testPeerId(seedOrRandom: number | (() => number)): PeerId {
  const random = typeof seedOrRandom === 'number' ? seededRandom(seedOrRandom) : seedOrRandom
  let s = 'cw'
  for (let i = 0; i < 51; i++) s += BASE32[Math.floor(random() * 32)]
  return `${s}${random() < 0.5 ? 'a' : 'q'}`
}

import type { PeerId } from '../peer-id'

/** A seeded pseudo-random generator of numbers in [0, 1) (mulberry32), so tests and benches repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
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

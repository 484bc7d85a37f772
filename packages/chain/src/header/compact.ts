/*
 * Bitcoin's compact target encoding (`nBits`): one byte of size, three of mantissa, sign bit 0x00800000.
 * Chain work is the expected number of hashes to meet a target, 2^256 / (target + 1), as Bitcoin's
 * GetBlockProof.
 */

const TWO_256 = 1n << 256n

/** What a compact `bits` field decodes to; `target` is meaningful only when neither flag is set. */
export interface DecodedBits {
  target: bigint
  negative: boolean
  overflow: boolean
}

/**
 * `compute` memoised by compact bits: the last value asked first (a header's bits are looked up by the
 * proof-of-work check and again when it is added), then a map of at most 1,024 (a chain uses few distinct
 * bits values at a time).
 */
export function memoByBits<T>(compute: (bits: number) => T): (bits: number) => T {
  const map = new Map<number, T>()
  let lastBits = -1
  let last = undefined as T
  return (bits) => {
    if (bits === lastBits) return last
    let v = map.get(bits)
    if (v === undefined) {
      v = compute(bits)
      if (map.size >= 1_024) map.clear()
      map.set(bits, v)
    }
    lastBits = bits
    last = v
    return v
  }
}

/** Decodes compact `bits` exactly as Bitcoin's `arith_uint256::SetCompact` (memoised). */
export const decodeBits: (bits: number) => DecodedBits = memoByBits(decodeBitsUncached)

function decodeBitsUncached(bits: number): DecodedBits {
  const size = bits >>> 24
  const word = bits & 0x007fffff
  const target = size <= 3 ? BigInt(word >>> (8 * (3 - size))) : BigInt(word) << BigInt(8 * (size - 3))
  const negative = word !== 0 && (bits & 0x00800000) !== 0
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32))
  return { target, negative, overflow }
}

/**
 * The target of `bits`, or undefined when `bits` is negative, overflows 256 bits, is zero or is above
 * `powLimit` (Bitcoin's DeriveTarget).
 */
export function targetFromBits(bits: number, powLimit: bigint): bigint | undefined {
  const d = decodeBits(bits)
  if (d.negative || d.overflow || d.target === 0n || d.target > powLimit) return undefined
  return d.target
}

/** 256^i for i = 0..32: a target's byte length is the first i with target < 256^i. */
const BYTE_POWERS: readonly bigint[] = Array.from({ length: 33 }, (_, i) => 1n << BigInt(8 * i))
/** Bit shifts by whole bytes, as bigints (no BigInt() conversion per call). */
const BYTE_SHIFTS: readonly bigint[] = Array.from({ length: 33 }, (_, i) => BigInt(8 * i))

/** Bytes of a positive target below 2^256 (binary search over the powers of 256, no string). */
function byteLength(target: bigint): number {
  let lo = 1
  let hi = 32
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (target < (BYTE_POWERS[mid] as bigint)) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * Encodes a target in compact form, as `arith_uint256::GetCompact` (rounding the mantissa down). The last
 * result is kept: consecutive headers at one difficulty (blocks on time, or at the pow limit) ask for the
 * same target.
 */
export function bitsFromTarget(target: bigint): number {
  if (target === lastTarget) return lastTargetBits
  const bits = bitsFromTargetUncached(target)
  lastTarget = target
  lastTargetBits = bits
  return bits
}

let lastTarget = -1n
let lastTargetBits = 0

function bitsFromTargetUncached(target: bigint): number {
  if (target <= 0n) return 0
  let size = target >= TWO_256 ? Math.ceil(target.toString(16).length / 2) : byteLength(target)
  let compact =
    size <= 3
      ? Number(target << (BYTE_SHIFTS[3 - size] as bigint))
      : Number(target >> (BYTE_SHIFTS[size - 3] ?? BigInt(8 * (size - 3))))
  if (compact & 0x00800000) {
    compact >>>= 8
    size++
  }
  return ((size << 24) | compact) >>> 0
}

/** The work a target represents: 2^256 / (target + 1). */
export function workFromTarget(target: bigint): bigint {
  return TWO_256 / (target + 1n)
}

/** The work of a header with these `bits` (0 when `bits` is not a valid positive target); memoised by bits. */
export const workFromBits: (bits: number) => bigint = memoByBits((bits) => {
  const d = decodeBits(bits)
  return d.negative || d.overflow || d.target === 0n ? 0n : workFromTarget(d.target)
})

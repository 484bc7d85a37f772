import { fromHex, toHex } from './hex'
import type { Schema } from './schema'
import { fail } from './violation'

const U64_MAX = (1n << 64n) - 1n
const U256_MAX = (1n << 256n) - 1n
const TWO_53 = 2 ** 53
const DECIMAL = /^(?:0|[1-9][0-9]*)$/

/**
 * An integer from `min` to `max` (within `[0, Number.MAX_SAFE_INTEGER]`), a JS number everywhere. On the
 * wire it is the shortest msgpack integer. `-0` (a JSON `-0`, a msgpack float `-0.0`) is read as `0`, so a
 * decoded message re-encodes to the same value.
 */
export function uint(max: number = Number.MAX_SAFE_INTEGER, min = 0): Schema<number> {
  const check = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      fail(`expected an integer in [${min}, ${max}]`)
    }
    return v === 0 ? 0 : v
  }
  return { desc: { kind: 'uint', min, max }, toWire: check, fromWire: check, toJson: check, fromJson: check }
}

/** An unsigned 8-bit integer. */
export const u8 = uint(0xff)
/** An unsigned 16-bit integer. */
export const u16 = uint(0xffff)
/** An unsigned 32-bit integer. */
export const u32 = uint(0xffff_ffff)
/** A non-negative safe integer: heights, millisecond timestamps, nonces, counts. */
export const uintSafe = uint()

function checkU64(v: unknown): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) fail('expected a bigint in [0, 2^64)')
  return v
}

/**
 * An unsigned 64-bit amount, a `bigint` in the API. On the wire it is the shortest msgpack integer (a
 * number up to 2^53, uint64 above); in JSON a decimal string.
 */
export const u64: Schema<bigint> = {
  desc: { kind: 'u64' },
  toWire: (v) => {
    const n = checkU64(v)
    return n <= 9_007_199_254_740_991n ? Number(n) : n
  },
  fromWire: (w) => {
    if (typeof w === 'number') {
      if (!Number.isInteger(w) || w < 0 || w > TWO_53) fail('expected an unsigned 64-bit integer')
      return BigInt(w)
    }
    return checkU64(w)
  },
  toJson: (v) => checkU64(v).toString(),
  fromJson: (j) => {
    if (typeof j !== 'string' || j.length > 20 || !DECIMAL.test(j)) fail('expected a decimal string')
    return checkU64(BigInt(j))
  },
}

function checkU256(v: unknown): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U256_MAX) fail('expected a bigint in [0, 2^256)')
  return v
}

/**
 * An unsigned 256-bit integer such as accumulated chain work, a `bigint` in the API. On the wire it is its
 * minimal big-endian bytes (no leading zero byte; zero is empty), since msgpack integers stop at 64 bits; in
 * JSON a decimal string.
 */
export const u256: Schema<bigint> = {
  desc: { kind: 'u256' },
  toWire: (v) => {
    const n = checkU256(v)
    if (n === 0n) return new Uint8Array(0)
    const hex = n.toString(16)
    return fromHex(hex.length % 2 === 0 ? hex : `0${hex}`, 32)
  },
  fromWire: (w) => {
    if (!(w instanceof Uint8Array) || w.length > 32) fail('expected at most 32 big-endian bytes')
    if (w.length === 0) return 0n
    if (w[0] === 0) fail('expected minimal big-endian bytes (no leading zero)')
    return BigInt(`0x${toHex(w)}`)
  },
  toJson: (v) => checkU256(v).toString(),
  fromJson: (j) => {
    if (typeof j !== 'string' || j.length > 78 || !DECIMAL.test(j)) fail('expected a decimal string')
    return checkU256(BigInt(j))
  },
}

function checkBool(v: unknown): boolean {
  if (typeof v !== 'boolean') fail('expected a boolean')
  return v
}

/** A boolean, the same in every form. */
export const bool: Schema<boolean> = {
  desc: { kind: 'bool' },
  toWire: checkBool,
  fromWire: checkBool,
  toJson: checkBool,
  fromJson: checkBool,
}

/**
 * A byte string of `min` to `max` bytes whose length is a multiple of `multipleOf`: a `Uint8Array` in the
 * API, msgpack bin on the wire, lowercase hex in JSON. Decoded values are views into the decoded input.
 */
export function bytes(min: number, max: number, multipleOf = 1): Schema<Uint8Array> {
  const describe = (): string =>
    min === max
      ? `exactly ${min} bytes`
      : `${min} to ${max} bytes${multipleOf > 1 ? ` (x${multipleOf})` : ''}`
  const check = (v: unknown): Uint8Array => {
    if (!(v instanceof Uint8Array)) fail(`expected a Uint8Array of ${describe()}`)
    const n = v.length
    if (n < min || n > max || (multipleOf > 1 && n % multipleOf !== 0)) {
      fail(`expected ${describe()}, got ${n}`)
    }
    return v
  }
  return {
    desc: { kind: 'bytes', min, max, multipleOf },
    toWire: check,
    fromWire: check,
    toJson: (v) => toHex(check(v)),
    fromJson: (j) => check(fromHex(j, max)),
  }
}

/** A 32-byte hash (block, transaction, merkle root, message id, DHT key). */
export const hash32 = bytes(32, 32)
/** A 32-byte Ed25519 public key. */
export const publicKey = bytes(32, 32)
/** A 64-byte Ed25519 signature. */
export const signature = bytes(64, 64)

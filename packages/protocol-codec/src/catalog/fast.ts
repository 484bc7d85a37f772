import type { FastPath } from '../schema'
import type { BlockHeader, InvItem, InvKind, Transaction } from './chain-types'

/*
 * Hand-written conversions of the structs that dominate large messages (2,000 headers, blocks of thousands
 * of transactions, 50,000 inventory entries). They build objects with one literal shape and check fields
 * inline, about 4x faster than the generic struct loop; on any invalid input they return `undefined` and the
 * generic schema reports the precise error. test/fast-paths.test.ts checks both accept the same values.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER
const MAX_SAFE_N = 9_007_199_254_740_991n
const U64_MAX = 0xffff_ffff_ffff_ffffn
const TWO_53 = 2 ** 53

/** `-0` becomes `0`, as in the generic `uint` schema. */
const int = (v: number): number => (v === 0 ? 0 : v)
const isU32 = (v: unknown): v is number => typeof v === 'number' && v >>> 0 === v
const isUint = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_SAFE
const isBytes = (v: unknown, n: number): v is Uint8Array => v instanceof Uint8Array && v.length === n
const isU64 = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v <= U64_MAX
const u64ToWire = (v: bigint): number | bigint => (v <= MAX_SAFE_N ? Number(v) : v)
/** A wire u64 as a bigint, or -1n when invalid. */
const u64FromWire = (w: unknown): bigint => {
  if (typeof w === 'number') return Number.isInteger(w) && w >= 0 && w <= TWO_53 ? BigInt(w) : -1n
  return isU64(w) ? w : -1n
}

/** Fast path of `blockHeader`. */
export function headerFastPath(): FastPath<BlockHeader> {
  return {
    toWire: (v) => {
      if (typeof v !== 'object' || v === null) return undefined
      const h = v as BlockHeader
      const { version, height, prevHash, merkleRoot, timestamp, bits, nonce } = h
      if (
        !isU32(version) ||
        !isUint(height) ||
        !isBytes(prevHash, 32) ||
        !isBytes(merkleRoot, 32) ||
        !isUint(timestamp) ||
        !isU32(bits) ||
        !isUint(nonce)
      ) {
        return undefined
      }
      return [int(version), int(height), prevHash, merkleRoot, int(timestamp), int(bits), int(nonce)]
    },
    fromWire: (w) => {
      if (!Array.isArray(w) || w.length !== 7) return undefined
      const version = w[0]
      const height = w[1]
      const prevHash = w[2]
      const merkleRoot = w[3]
      const timestamp = w[4]
      const bits = w[5]
      const nonce = w[6]
      if (
        !isU32(version) ||
        !isUint(height) ||
        !isBytes(prevHash, 32) ||
        !isBytes(merkleRoot, 32) ||
        !isUint(timestamp) ||
        !isU32(bits) ||
        !isUint(nonce)
      ) {
        return undefined
      }
      return {
        version: int(version),
        height: int(height),
        prevHash,
        merkleRoot,
        timestamp: int(timestamp),
        bits: int(bits),
        nonce: int(nonce),
      }
    },
  }
}

/** Fast path of `transaction`; `maxData` is the data field's byte limit. */
export function transactionFastPath(maxData: number): FastPath<Transaction> {
  return {
    toWire: (v) => {
      if (typeof v !== 'object' || v === null) return undefined
      const { version, from, to, amount, fee, nonce, data, signature } = v as Transaction
      if (
        !isU32(version) ||
        !isBytes(from, 32) ||
        !isBytes(to, 32) ||
        !isU64(amount) ||
        !isU64(fee) ||
        !isUint(nonce) ||
        !(data instanceof Uint8Array) ||
        data.length > maxData ||
        !isBytes(signature, 64)
      ) {
        return undefined
      }
      return [int(version), from, to, u64ToWire(amount), u64ToWire(fee), int(nonce), data, signature]
    },
    fromWire: (w) => {
      if (!Array.isArray(w) || w.length !== 8) return undefined
      const version = w[0]
      const from = w[1]
      const to = w[2]
      const amount = u64FromWire(w[3])
      const fee = u64FromWire(w[4])
      const nonce = w[5]
      const data = w[6]
      const signature = w[7]
      if (
        !isU32(version) ||
        !isBytes(from, 32) ||
        !isBytes(to, 32) ||
        amount < 0n ||
        fee < 0n ||
        !isUint(nonce) ||
        !(data instanceof Uint8Array) ||
        data.length > maxData ||
        !isBytes(signature, 64)
      ) {
        return undefined
      }
      return { version: int(version), from, to, amount, fee, nonce: int(nonce), data, signature }
    },
  }
}

const INV_KINDS: readonly InvKind[] = ['tx', 'block', 'compact_block']

/** Fast path of `invItem` (codes: tx 0, block 1, compact_block 2). */
export function invItemFastPath(): FastPath<InvItem> {
  return {
    toWire: (v) => {
      if (typeof v !== 'object' || v === null) return undefined
      const { kind, hash } = v as InvItem
      const code = kind === 'tx' ? 0 : kind === 'block' ? 1 : kind === 'compact_block' ? 2 : -1
      return code < 0 || !isBytes(hash, 32) ? undefined : [code, hash]
    },
    fromWire: (w) => {
      if (!Array.isArray(w) || w.length !== 2) return undefined
      const kind = typeof w[0] === 'number' ? INV_KINDS[w[0]] : undefined
      const hash = w[1]
      return kind === undefined || !isBytes(hash, 32) ? undefined : { kind, hash }
    },
  }
}

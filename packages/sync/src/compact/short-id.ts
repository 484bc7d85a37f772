import { createHash } from 'node:crypto'
import { sipHash24 } from '@chainwire/interface'

/** Bytes of a BIP 152 short transaction id. */
export const SHORT_ID_BYTES = 6

/**
 * The SipHash key of a compact block (BIP 152): the first 16 bytes of SHA-256(header hash || nonce as 8
 * little-endian bytes). BIP 152 hashes the serialized header; chainwire's header hash already commits to
 * every header field, so hashing it instead keeps the key per block and per nonce as BIP 152 intends.
 */
export function shortIdKey(headerHash: Uint8Array, nonce: bigint): Uint8Array {
  const input = new Uint8Array(headerHash.length + 8)
  input.set(headerHash)
  new DataView(input.buffer).setBigUint64(headerHash.length, BigInt.asUintN(64, nonce), true)
  return new Uint8Array(createHash('sha256').update(input).digest().subarray(0, 16))
}

/**
 * The short id of a transaction: the 6 low-order bytes of SipHash-2-4(key, transaction hash), as a number
 * (48 bits fit exactly in a double).
 */
export function shortId(key: Uint8Array, txHash: Uint8Array): number {
  const { hi, lo } = sipHash24(key, txHash)
  return (hi & 0xffff) * 0x1_0000_0000 + lo
}

/** Writes short id `id` little-endian at `offset` (6 bytes). */
export function writeShortId(out: Uint8Array, offset: number, id: number): void {
  let v = id
  for (let i = 0; i < SHORT_ID_BYTES; i++) {
    out[offset + i] = v % 256
    v = Math.floor(v / 256)
  }
}

/** Reads the short id at `offset` (6 bytes, little-endian). */
export function readShortId(bytes: Uint8Array, offset: number): number {
  let v = 0
  for (let i = SHORT_ID_BYTES - 1; i >= 0; i--) v = v * 256 + (bytes[offset + i] as number)
  return v
}

import type { BlockHeader } from '@chainwire/protocol-codec'
import { sha256d } from '../crypto/sha256'

/** Bytes of a header's canonical form (see {@link headerBytes}). */
export const HEADER_BYTES = 96

/** Offset of the nonce (the last 8 bytes) in the canonical header; the miner rewrites only these. */
export const HEADER_NONCE_OFFSET = 88

/**
 * The canonical bytes of a header, the input of its hash: 96 bytes, every integer unsigned big-endian:
 * `version` u32, `height` u64, `prevHash` 32 bytes, `merkleRoot` 32 bytes, `timestamp` u64 (ms),
 * `bits` u32, `nonce` u64. Fixed offsets, so a miner changes only the last 8 bytes.
 */
export function headerBytes(header: BlockHeader): Uint8Array {
  const out = allocate()
  u32(out, 0, header.version)
  u64(out, 4, header.height)
  out.set(header.prevHash, 12)
  out.set(header.merkleRoot, 44)
  u64(out, 76, header.timestamp)
  u32(out, 84, header.bits)
  u64(out, 88, header.nonce)
  return out
}

// 96-byte arrays cut from 96 KiB slabs: one allocation per 1,024 headers instead of one backing store each.
let slab = new Uint8Array(0)
let used = 0

function allocate(): Uint8Array {
  if (used + HEADER_BYTES > slab.length) {
    slab = new Uint8Array(HEADER_BYTES * 1_024)
    used = 0
  }
  // The constructor rather than subarray(): no species lookup, the same view.
  const out = new Uint8Array(slab.buffer, used, HEADER_BYTES)
  used += HEADER_BYTES
  return out
}

// Byte writes without a DataView: the header path runs once per header of a sync of millions.
function u32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24
  out[at + 1] = v >>> 16
  out[at + 2] = v >>> 8
  out[at + 3] = v
}

function u64(out: Uint8Array, at: number, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError('not an unsigned safe integer')
  u32(out, at, Math.floor(v / 4_294_967_296))
  u32(out, at + 4, v >>> 0)
}

/**
 * The hash of a header: double SHA-256 of its 96 canonical bytes ({@link headerBytes}), read as a
 * big-endian 256-bit number when compared with a proof-of-work target. This one function names blocks
 * everywhere (parent links, inventory, locators, votes).
 */
export function headerHash(header: BlockHeader): Uint8Array {
  return sha256d(headerBytes(header))
}

/** Reads the 96 canonical bytes back into a header (the store keeps headers in this form). */
export function headerFromBytes(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== HEADER_BYTES) throw new RangeError('a canonical header is 96 bytes')
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES)
  return {
    version: view.getUint32(0),
    height: Number(view.getBigUint64(4)),
    prevHash: new Uint8Array(bytes.subarray(12, 44)),
    merkleRoot: new Uint8Array(bytes.subarray(44, 76)),
    timestamp: Number(view.getBigUint64(76)),
    bits: view.getUint32(84),
    nonce: Number(view.getBigUint64(88)),
  }
}

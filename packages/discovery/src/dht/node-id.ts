import { createHash } from 'node:crypto'
import type { PeerId } from '@chainwire/interface'
import { publicKeyFromPeerId } from '@chainwire/network'

/** Bytes of a DHT node id and of a lookup target (SHA-256). */
export const NODE_ID_BYTES = 32
/** Bits of a node id, and the number of buckets of a routing table. */
export const NODE_ID_BITS = 256

/**
 * The DHT node id of a peer: SHA-256 of the 32-byte Ed25519 public key its peer id encodes. Hashing the key
 * (rather than using it) spreads ids uniformly; deriving the id from the key means nobody can pick an id
 * without a matching key pair, and Noise proves the key on every connection. Returns undefined for a peer id
 * that does not encode a public key.
 */
export function nodeIdOf(peerId: PeerId): Uint8Array | undefined {
  let key: Uint8Array
  try {
    key = publicKeyFromPeerId(peerId)
  } catch {
    return undefined
  }
  return sha256(key)
}

/** SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

/** The XOR distance of two ids, as 32 bytes (compare with {@link compareDistance}). */
export function xorDistance(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(NODE_ID_BYTES)
  for (let i = 0; i < NODE_ID_BYTES; i++) out[i] = (a[i] as number) ^ (b[i] as number)
  return out
}

/** Which of `a` and `b` is closer to `target` under XOR: negative for `a`, positive for `b`, 0 if equal. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < NODE_ID_BYTES; i++) {
    const t = target[i] as number
    const d = ((a[i] as number) ^ t) - ((b[i] as number) ^ t)
    if (d !== 0) return d
  }
  return 0
}

/** Leading zero bits of `bytes` (256 for all zeros). */
export function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

/**
 * The index of the bucket `other` belongs to in `self`'s table: the length of their common prefix (0 = the
 * far half of the id space, 255 = the closest possible). Undefined for the same id.
 */
export function bucketIndex(self: Uint8Array, other: Uint8Array): number | undefined {
  const shared = leadingZeroBits(xorDistance(self, other))
  return shared >= NODE_ID_BITS ? undefined : shared
}

/**
 * The identity proof of work (S/Kademlia's static puzzle): the number of leading zero bits of
 * SHA-256(node id). Producing an id with `d` bits costs about 2^d key generations, so a sybil attacker pays
 * for every DHT identity while an honest node pays once.
 */
export function proofOfWorkBits(nodeId: Uint8Array): number {
  return leadingZeroBits(sha256(nodeId))
}

/** Whether a peer id meets a DHT admission difficulty (always true for difficulty 0). */
export function meetsDifficulty(peerId: PeerId, difficulty: number): boolean {
  if (difficulty <= 0) return true
  const id = nodeIdOf(peerId)
  return id !== undefined && proofOfWorkBits(id) >= difficulty
}

/**
 * A random 32-byte key whose common prefix with `self` is exactly `index` bits: a target inside bucket
 * `index`, for bucket refresh.
 */
export function randomIdInBucket(self: Uint8Array, index: number, random: () => number): Uint8Array {
  const out = new Uint8Array(NODE_ID_BYTES)
  for (let i = 0; i < NODE_ID_BYTES; i++) out[i] = Math.floor(random() * 256)
  const byte = index >> 3
  const bit = 7 - (index & 7)
  for (let i = 0; i < byte; i++) out[i] = self[i] as number
  const mask = 0xff << (bit + 1)
  const s = self[byte] as number
  let v = (s & mask) | ((out[byte] as number) & ~mask & 0xff)
  v = (v & ~(1 << bit)) | (~s & (1 << bit))
  out[byte] = v & 0xff
  return out
}

/** Hex text of an id, for logs and maps. */
export function idHex(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
}

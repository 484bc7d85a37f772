import { sha256 as nobleSha256 } from '@noble/hashes/sha2'

/*
 * SHA-256 without importing any `node:` module, so the header, merkle and proof-of-work code runs in a
 * browser. On Node (20.16+ exposes `process.getBuiltinModule`) it uses node:crypto's one-shot `hash()`,
 * which the `chain` benchmark measures at about 1.3-2x @noble/hashes for 64-200 byte inputs; elsewhere, or
 * after `useHashBackend('pure')`, it is @noble/hashes. Both give the same bytes (tested).
 */

/** Which SHA-256 implementation {@link sha256} uses. */
export type HashBackend = 'node' | 'pure'

type Digest = (data: Uint8Array) => Uint8Array

const pure: Digest = (data) => nobleSha256(data)

type NodeHash = (alg: string, data: Uint8Array, enc: 'buffer') => Uint8Array

function nodeHash(): NodeHash | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  if (typeof proc?.getBuiltinModule !== 'function') return undefined
  const crypto = proc.getBuiltinModule('node:crypto') as { hash?: NodeHash } | undefined
  const hash = crypto?.hash
  return typeof hash === 'function' ? hash : undefined
}

const oneShot = nodeHash()

/** A plain Uint8Array view of node's Buffer result, so results compare equal whichever backend made them. */
const view = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, 32)

function nodeDigest(): Digest | undefined {
  const hash = oneShot
  return hash === undefined ? undefined : (data) => view(hash('sha256', data, 'buffer'))
}

const native = nodeDigest()
let current: Digest = native ?? pure

/**
 * Selects the SHA-256 implementation for the whole process: `'pure'` (@noble/hashes, what a browser runs)
 * or `'node'` (node:crypto, the default on Node when available). Returns the backend now in use, which is
 * `'pure'` when `'node'` is asked for where node:crypto's `hash()` does not exist.
 */
export function useHashBackend(backend: HashBackend): HashBackend {
  current = backend === 'node' && native !== undefined ? native : pure
  return hashBackend()
}

/** The SHA-256 implementation in use. */
export function hashBackend(): HashBackend {
  return current === pure ? 'pure' : 'node'
}

/** SHA-256 of `data` (32 bytes). */
export function sha256(data: Uint8Array): Uint8Array {
  return current(data)
}

/** SHA-256 of SHA-256 of `data`: the hash of headers, transactions and merkle nodes. */
export function sha256d(data: Uint8Array): Uint8Array {
  if (current === native && oneShot !== undefined) {
    // The inner digest goes straight into the outer one: one view instead of two.
    return view(oneShot('sha256', oneShot('sha256', data, 'buffer'), 'buffer'))
  }
  return current(current(data))
}

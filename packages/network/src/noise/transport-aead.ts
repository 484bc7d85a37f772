import { createCipheriv, createDecipheriv } from 'node:crypto'

/**
 * Seals one message: the shape of node:crypto's ChaCha20-Poly1305 cipher that a {@link CipherState} uses.
 * `update` returns ciphertext for the plaintext it is given; `getAuthTag` the 16-byte tag after `final`.
 */
export interface AeadSealer {
  setAAD(ad: Uint8Array, options: { plaintextLength: number }): unknown
  update(plaintext: Uint8Array): Buffer
  final(): Buffer
  getAuthTag(): Buffer
}

/**
 * Opens one message: the shape of node:crypto's ChaCha20-Poly1305 decipher. `update` returns plaintext that
 * is not authentic until `final` returned; `final` throws when the tag set by `setAuthTag` does not verify.
 */
export interface AeadOpener {
  setAuthTag(tag: Uint8Array): unknown
  setAAD(ad: Uint8Array, options: { plaintextLength: number }): unknown
  update(ciphertext: Uint8Array): Buffer
  final(): Buffer
}

/**
 * The AEAD a secure channel seals its transport messages with once the handshake is done: a 32-byte key, a
 * 12-byte nonce, a 16-byte tag. chainwire always uses {@link CHACHA20_POLY1305}; the seam exists so that a
 * simulator can swap in a cheaper stand-in of the same sizes (netsim's null cipher), leaving the handshake,
 * which always runs the real cipher, and the framing unchanged.
 */
export interface TransportAead {
  /** A name for reports and logs. */
  readonly name: string
  /** Starts sealing one message under `key` and nonce `iv`. */
  seal(key: Buffer, iv: Buffer): AeadSealer
  /** Starts opening one message under `key` and nonce `iv`. */
  open(key: Buffer, iv: Buffer): AeadOpener
}

const ALGORITHM = 'chacha20-poly1305'
const OPTIONS = { authTagLength: 16 } as const

/** ChaCha20-Poly1305 on node:crypto: the cipher of `Noise_XX_25519_ChaChaPoly_SHA256`, the default. */
export const CHACHA20_POLY1305: TransportAead = Object.freeze({
  name: 'ChaChaPoly',
  seal: (key: Buffer, iv: Buffer): AeadSealer => createCipheriv(ALGORITHM, key, iv, OPTIONS),
  open: (key: Buffer, iv: Buffer): AeadOpener => createDecipheriv(ALGORITHM, key, iv, OPTIONS),
})

import { createHash, createHmac } from 'node:crypto'
import { CipherState } from './cipher-state'
import type { TransportAead } from './transport-aead'

/** HASHLEN of SHA-256, in bytes. */
export const HASH_LENGTH = 32

const EMPTY = Buffer.alloc(0)
const BYTE_1 = Buffer.from([1])
const BYTE_2 = Buffer.from([2])
const BYTE_3 = Buffer.from([3])

/** HASH(data): SHA-256 over the concatenation of `parts`. */
export function hash(...parts: readonly Uint8Array[]): Buffer {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

function hmac(key: Uint8Array, ...parts: readonly Uint8Array[]): Buffer {
  const h = createHmac('sha256', key)
  for (const p of parts) h.update(p)
  return h.digest()
}

/**
 * HKDF(chaining_key, input_key_material, num_outputs) of the Noise spec (section 4.3), on HMAC-SHA256. (It is
 * RFC 5869 HKDF with the chaining key as salt and an empty info.)
 */
export function hkdf(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array, outputs: 2 | 3): Buffer[] {
  const tempKey = hmac(chainingKey, inputKeyMaterial)
  const out1 = hmac(tempKey, BYTE_1)
  const out2 = hmac(tempKey, out1, BYTE_2)
  if (outputs === 2) return [out1, out2]
  return [out1, out2, hmac(tempKey, out2, BYTE_3)]
}

/** The Noise SymmetricState (section 5.2): chaining key `ck`, handshake hash `h` and a {@link CipherState}. */
export class SymmetricState {
  private ck: Buffer
  private h: Buffer
  private readonly cipher = new CipherState()

  /** InitializeSymmetric(protocol_name). */
  constructor(protocolName: string) {
    const name = Buffer.from(protocolName, 'utf8')
    if (name.length <= HASH_LENGTH) {
      this.h = Buffer.alloc(HASH_LENGTH)
      name.copy(this.h)
    } else {
      this.h = hash(name)
    }
    this.ck = this.h
  }

  /** MixKey(input_key_material). */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempK] = hkdf(this.ck, inputKeyMaterial, 2) as [Buffer, Buffer]
    this.ck = ck
    this.cipher.initializeKey(tempK)
  }

  /** MixHash(data). */
  mixHash(data: Uint8Array): void {
    this.h = hash(this.h, data)
  }

  /** MixKeyAndHash(input_key_material), for PSK patterns. */
  mixKeyAndHash(inputKeyMaterial: Uint8Array): void {
    const [ck, tempH, tempK] = hkdf(this.ck, inputKeyMaterial, 3) as [Buffer, Buffer, Buffer]
    this.ck = ck
    this.mixHash(tempH)
    this.cipher.initializeKey(tempK)
  }

  /** GetHandshakeHash(): `h`, a channel binding once the handshake is complete. */
  getHandshakeHash(): Buffer {
    return this.h
  }

  /** True once a key was mixed in (so `s` and payloads are encrypted). */
  hasKey(): boolean {
    return this.cipher.hasKey()
  }

  /** EncryptAndHash(plaintext). */
  encryptAndHash(plaintext: Uint8Array): Buffer {
    const ciphertext = this.cipher.encryptWithAd(this.h, plaintext)
    this.mixHash(ciphertext)
    return ciphertext
  }

  /** DecryptAndHash(ciphertext); throws `ERR_NOISE_DECRYPT` on failure. */
  decryptAndHash(ciphertext: Uint8Array): Buffer {
    const plaintext = this.cipher.decryptWithAd(this.h, ciphertext)
    this.mixHash(ciphertext)
    return plaintext
  }

  /**
   * Split(): the two transport cipher states (initiator to responder, responder to initiator), sealing with
   * `aead` (ChaCha20-Poly1305 unless a simulator injects another).
   */
  split(aead?: TransportAead): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.ck, EMPTY, 2) as [Buffer, Buffer]
    const c1 = new CipherState(aead)
    const c2 = new CipherState(aead)
    c1.initializeKey(k1)
    c2.initializeKey(k2)
    return [c1, c2]
  }
}

import { NoiseError } from './errors'
import { type AeadOpener, CHACHA20_POLY1305, type TransportAead } from './transport-aead'

/** Size of the ChaCha20-Poly1305 authentication tag, in bytes. */
export const TAG_LENGTH = 16
/** Size of a cipher key, in bytes. */
export const KEY_LENGTH = 32
/** The largest Noise message, in bytes (the spec's limit, and what a 2-byte length prefix can carry). */
export const MAX_NOISE_MESSAGE = 65535

const MAX_U32 = 0xffffffff
const ZEROS = Buffer.alloc(KEY_LENGTH)
const MAX_NONCE_IV = Buffer.from('00000000ffffffffffffffff', 'hex')

/**
 * The Noise CipherState (spec rev 34, section 5.1) for ChaChaPoly: a key `k` and a 64-bit nonce `n`. The nonce
 * is encoded as 32 zero bits followed by `n` as 64-bit little-endian. It is kept as two 32-bit halves so the
 * hot path never touches bigint; 2^64-1 is reserved, so a state whose `n` reached it fails every further call
 * with `ERR_NONCE_EXHAUSTED`. Messages are sealed with `aead`: ChaCha20-Poly1305 unless a simulator injects
 * another (see {@link TransportAead}).
 */
export class CipherState {
  private readonly aead: TransportAead
  private key: Buffer | undefined
  private lo = 0
  private hi = 0
  /** The 12-byte IV of the next message, kept in sync with `n`. */
  private readonly iv = Buffer.alloc(12)

  constructor(aead: TransportAead = CHACHA20_POLY1305) {
    this.aead = aead
  }

  /** InitializeKey(key): sets `k` (or empties it with undefined) and resets `n` to 0. */
  initializeKey(key: Uint8Array | undefined): void {
    if (key !== undefined && key.length !== KEY_LENGTH) {
      throw new NoiseError('ERR_NOISE_HANDSHAKE', 'a cipher key has 32 bytes', { length: key.length })
    }
    this.key = key === undefined ? undefined : Buffer.from(key)
    this.setNonce(0n)
  }

  /** HasKey(): true once a key is set. */
  hasKey(): boolean {
    return this.key !== undefined
  }

  /** SetNonce(nonce): sets `n` (0 .. 2^64-1). */
  setNonce(nonce: bigint): void {
    if (nonce < 0n || nonce > 0xffffffffffffffffn) {
      throw new NoiseError('ERR_NONCE_EXHAUSTED', 'a nonce is a 64-bit unsigned integer')
    }
    this.lo = Number(nonce & 0xffffffffn)
    this.hi = Number(nonce >> 32n)
    this.iv.writeUInt32LE(this.lo, 4)
    this.iv.writeUInt32LE(this.hi, 8)
  }

  /** The current nonce `n`. */
  get nonce(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo)
  }

  /** EncryptWithAd(ad, plaintext): ciphertext with the tag appended, or the plaintext while there is no key. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Buffer {
    if (this.key === undefined) return Buffer.from(plaintext)
    const out: Buffer[] = []
    this.encryptParts(ad, [plaintext], out)
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out)
  }

  /**
   * DecryptWithAd(ad, ciphertext): the plaintext, or the ciphertext itself while there is no key. A
   * ciphertext shorter than the tag or failing authentication throws `ERR_NOISE_DECRYPT`.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Buffer {
    if (this.key === undefined) return Buffer.from(ciphertext)
    if (ciphertext.length < TAG_LENGTH) {
      throw new NoiseError('ERR_NOISE_DECRYPT', 'ciphertext shorter than the authentication tag', {
        length: ciphertext.length,
      })
    }
    const split = ciphertext.length - TAG_LENGTH
    const parts = this.decryptParts(ad, [ciphertext.subarray(0, split)], ciphertext.subarray(split))
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)
  }

  /**
   * Encrypts one message given as several plaintext pieces (no concatenation needed), appending the
   * ciphertext pieces and then the 16-byte tag to `out`. Requires a key. The streaming form of
   * EncryptWithAd used by the transport phase.
   */
  encryptParts(ad: Uint8Array, parts: readonly Uint8Array[], out: Buffer[]): void {
    const key = this.requireKey()
    const cipher = this.aead.seal(key, this.iv)
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: totalLength(parts) })
    for (let i = 0; i < parts.length; i++) {
      const ct = cipher.update(parts[i] as Uint8Array)
      if (ct.length > 0) out.push(ct)
    }
    cipher.final()
    out.push(cipher.getAuthTag())
    this.increment()
  }

  /**
   * Decrypts one message given as ciphertext pieces and its tag; returns the plaintext pieces only after the
   * tag verified (throws `ERR_NOISE_DECRYPT` otherwise, leaving `n` unchanged). Requires a key.
   */
  decryptParts(ad: Uint8Array, parts: readonly Uint8Array[], tag: Uint8Array): Buffer[] {
    const key = this.requireKey()
    const decipher = this.aead.open(key, this.iv)
    decipher.setAuthTag(tag)
    if (ad.length > 0) decipher.setAAD(ad, { plaintextLength: totalLength(parts) })
    const out: Buffer[] = []
    for (let i = 0; i < parts.length; i++) {
      const pt = decipher.update(parts[i] as Uint8Array)
      if (pt.length > 0) out.push(pt)
    }
    try {
      decipher.final()
    } catch (err) {
      throw new NoiseError('ERR_NOISE_DECRYPT', 'message authentication failed', {}, { cause: err })
    }
    this.increment()
    return out
  }

  /**
   * Starts decrypting one transport message whose ciphertext arrives in pieces (no associated data): feed
   * the pieces in order to the opener's `update`, then give it the tag with `finish`. The plaintext pieces
   * `update` returns must not be used before `finish` returned (it throws `ERR_NOISE_DECRYPT` when the tag
   * does not verify); `n` moves on only when it verified. One opener at a time per cipher state.
   */
  open(): MessageOpener {
    return new MessageOpener(this, this.aead.open(this.requireKey(), this.iv))
  }

  /** Called by {@link MessageOpener.finish} once a message verified. @internal */
  opened(): void {
    this.increment()
  }

  /** Rekey(): `k` = the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zero bytes); `n` is unchanged. */
  rekey(): void {
    const cipher = this.aead.seal(this.requireKey(), MAX_NONCE_IV)
    const next = cipher.update(ZEROS)
    cipher.final()
    this.key = next
  }

  private requireKey(): Buffer {
    const key = this.key
    if (key === undefined) throw new NoiseError('ERR_NOISE_HANDSHAKE', 'cipher state has no key')
    if (this.lo === MAX_U32 && this.hi === MAX_U32) {
      throw new NoiseError('ERR_NONCE_EXHAUSTED', 'all nonces of this cipher state are used')
    }
    return key
  }

  private increment(): void {
    if (this.lo === MAX_U32) {
      this.lo = 0
      this.hi++
      this.iv.writeUInt32LE(this.hi, 8)
    } else {
      this.lo++
    }
    this.iv.writeUInt32LE(this.lo, 4)
  }
}

function totalLength(parts: readonly Uint8Array[]): number {
  let n = 0
  for (let i = 0; i < parts.length; i++) n += (parts[i] as Uint8Array).length
  return n
}

/**
 * One transport message being decrypted as its ciphertext arrives (see {@link CipherState.open}). `update`
 * copies what it is given, so a piece may be a view of a buffer that is reused afterwards.
 */
export class MessageOpener {
  constructor(
    private readonly state: CipherState,
    private readonly decipher: AeadOpener,
  ) {}

  /** Decrypts the next ciphertext piece; the plaintext is not authentic until {@link finish} returned. */
  update(piece: Uint8Array): Buffer {
    return this.decipher.update(piece)
  }

  /** Checks the 16-byte tag: throws `ERR_NOISE_DECRYPT` when it does not verify, else moves `n` on. */
  finish(tag: Uint8Array): void {
    try {
      this.decipher.setAuthTag(tag)
      this.decipher.final()
    } catch (err) {
      throw new NoiseError('ERR_NOISE_DECRYPT', 'message authentication failed', {}, { cause: err })
    }
    this.state.opened()
  }
}

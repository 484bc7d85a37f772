import type { AeadOpener, AeadSealer, TransportAead } from '@chainwire/network'
import { InvalidArgumentError } from '../errors'

/** Bytes of the tag: the real cipher's, so frames keep their sizes. */
const TAG_LENGTH = 16
const ZERO_TAG = Buffer.alloc(TAG_LENGTH)
const EMPTY = Buffer.alloc(0)

/** Seals by copying: the ciphertext is the plaintext, the tag 16 zero bytes. */
class NullSealer implements AeadSealer {
  setAAD(): this {
    return this
  }

  update(plaintext: Uint8Array): Buffer {
    return Buffer.from(plaintext)
  }

  final(): Buffer {
    return EMPTY
  }

  getAuthTag(): Buffer {
    return ZERO_TAG
  }
}

/** Opens by copying, and refuses a tag that is not 16 zero bytes (a corrupted frame still fails). */
class NullOpener implements AeadOpener {
  private tag: Uint8Array = ZERO_TAG

  setAuthTag(tag: Uint8Array): this {
    this.tag = tag
    return this
  }

  setAAD(): this {
    return this
  }

  update(ciphertext: Uint8Array): Buffer {
    return Buffer.from(ciphertext)
  }

  final(): Buffer {
    const tag = this.tag
    if (tag.byteLength !== TAG_LENGTH || !ZERO_TAG.equals(tag)) {
      // The secure channel turns this into its ERR_NOISE_DECRYPT and closes the connection.
      throw new InvalidArgumentError('null cipher: the tag is not 16 zero bytes', { argument: 'tag' })
    }
    return EMPTY
  }
}

/**
 * netsim's null cipher: an AEAD for Noise transport messages that copies the plaintext and appends a zero tag
 * of the real cipher's 16 bytes. Every frame keeps its size, so the simulated network carries the same bytes
 * at the same virtual times and a run gives the same report as with ChaCha20-Poly1305, for less CPU. It
 * protects nothing: it exists for simulations only (the scenario's `cipher: 'null'`).
 */
export const NULL_AEAD: TransportAead = Object.freeze({
  name: 'null',
  seal: (): AeadSealer => new NullSealer(),
  open: (): AeadOpener => new NullOpener(),
})

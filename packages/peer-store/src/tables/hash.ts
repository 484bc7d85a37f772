import { createHash } from 'node:crypto'
import { sipHash24 } from '@chainwire/interface'

const encoder = new TextEncoder()

/**
 * The keyed hash behind every bucket and slot position: SipHash-2-4 keyed with 128 bits derived from the
 * node's secret 32-byte salt (SHA-256 of it), over the NUL-separated parts, read as a 48-bit integer.
 * Because the salt never leaves the node, an attacker cannot compute which bucket or slot an address lands
 * in, so it cannot craft addresses that collide with (and push out) honest entries.
 */
export class SaltedHash {
  readonly #key: Uint8Array
  #buffer = new Uint8Array(256)

  constructor(salt: Uint8Array) {
    this.#key = new Uint8Array(createHash('sha256').update(salt).digest().subarray(0, 16))
  }

  /** A uniform integer in [0, 2^48) for these parts. */
  hash(...parts: ReadonlyArray<string | number>): number {
    const text = parts.join('\u0000')
    if (this.#buffer.length < text.length) this.#buffer = new Uint8Array(text.length * 2)
    let bytes: Uint8Array = this.#buffer.subarray(0, text.length)
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c > 0x7f) {
        bytes = encoder.encode(text)
        break
      }
      bytes[i] = c
    }
    const { hi, lo } = sipHash24(this.#key, bytes)
    return (hi & 0xffff) * 4_294_967_296 + lo
  }
}

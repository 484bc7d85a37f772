import { createHash } from 'node:crypto'

/**
 * A keyed hash: SHA-256 over the node's secret 32-byte salt followed by the parts, NUL-separated, read as a
 * 48-bit integer. Because the salt never leaves the node, an attacker cannot compute which bucket or slot an
 * address lands in, so it cannot craft addresses that collide with (and push out) honest entries.
 */
export class SaltedHash {
  readonly #salt: Uint8Array

  constructor(salt: Uint8Array) {
    this.#salt = Uint8Array.from(salt)
  }

  /** A uniform integer in [0, 2^48) for these parts. */
  hash(...parts: ReadonlyArray<string | number>): number {
    const h = createHash('sha256')
    h.update(this.#salt)
    h.update(parts.join('\u0000'))
    return h.digest().readUIntBE(0, 6)
  }
}

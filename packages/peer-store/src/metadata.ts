import { PeerStoreError } from './errors'

/** Longest metadata key, in characters. */
export const MAX_METADATA_KEY_LENGTH = 256

/**
 * Opaque JSON values other services keep across restarts (a peer-scoring snapshot, say). Values are held
 * as JSON text, so `get` always returns a fresh copy and the size limits are exact.
 */
export class MetadataStore {
  readonly #values = new Map<string, string>()
  readonly #maxKeys: number
  readonly #maxBytes: number
  readonly #changed: (key: string) => void
  #bytes = 0

  constructor(maxKeys: number, maxBytes: number, changed: (key: string) => void) {
    this.#maxKeys = maxKeys
    this.#maxBytes = maxBytes
    this.#changed = changed
  }

  /** Keys held. */
  get size(): number {
    return this.#values.size
  }

  /** Every key. */
  keys(): IterableIterator<string> {
    return this.#values.keys()
  }

  /** Stores `value` (must survive `JSON.stringify`); throws `ERR_INVALID_METADATA`. */
  put(key: string, value: unknown): void {
    checkKey(key)
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch (cause) {
      throw new PeerStoreError(
        'ERR_INVALID_METADATA',
        `metadata ${key} is not JSON-serialisable`,
        { key },
        { cause },
      )
    }
    if (text === undefined) {
      throw new PeerStoreError('ERR_INVALID_METADATA', `metadata ${key} is not JSON-serialisable`, { key })
    }
    this.putText(key, text)
  }

  /** Stores already-serialised JSON text. */
  putText(key: string, text: string): void {
    const previous = this.#values.get(key)
    const bytes = this.#bytes - (previous?.length ?? 0) + text.length
    if (previous === undefined && this.#values.size >= this.#maxKeys) {
      throw new PeerStoreError('ERR_INVALID_METADATA', `at most ${this.#maxKeys} metadata keys`, { key })
    }
    if (bytes > this.#maxBytes) {
      throw new PeerStoreError('ERR_INVALID_METADATA', `metadata over ${this.#maxBytes} bytes in total`, {
        key,
        bytes,
      })
    }
    this.#values.set(key, text)
    this.#bytes = bytes
    this.#changed(key)
  }

  /** A fresh copy of the value, or undefined. */
  get(key: string): unknown {
    const text = this.#values.get(key)
    return text === undefined ? undefined : JSON.parse(text)
  }

  /** The stored JSON text. */
  text(key: string): string | undefined {
    return this.#values.get(key)
  }

  /** Removes a key; false when absent. */
  delete(key: string): boolean {
    const previous = this.#values.get(key)
    if (previous === undefined) return false
    this.#values.delete(key)
    this.#bytes -= previous.length
    this.#changed(key)
    return true
  }

  /** Removes every key. */
  clear(): void {
    for (const key of [...this.#values.keys()]) this.delete(key)
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '' || key.length > MAX_METADATA_KEY_LENGTH) {
    throw new PeerStoreError('ERR_INVALID_METADATA', 'metadata keys are 1-256 characters', {
      key: typeof key === 'string' ? key.slice(0, MAX_METADATA_KEY_LENGTH) : typeof key,
    })
  }
}

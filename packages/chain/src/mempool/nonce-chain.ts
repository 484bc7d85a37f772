/**
 * One sender's pending transactions, by nonce, contiguous: an array from the lowest nonce up (lighter than
 * a Map per sender when most senders have one transaction). Entries are added or removed only at either
 * end, or replaced in place.
 */
export class NonceChain<E> {
  private items: E[] = []
  private base = 0

  get size(): number {
    return this.items.length
  }

  get(nonce: number): E | undefined {
    const i = nonce - this.base
    return i >= 0 ? this.items[i] : undefined
  }

  has(nonce: number): boolean {
    return this.get(nonce) !== undefined
  }

  /** Appends at the end (the next nonce), starts an empty chain at any nonce, or replaces in place. */
  set(nonce: number, entry: E): void {
    if (this.items.length === 0) this.base = nonce
    const i = nonce - this.base
    if (i < 0 || i > this.items.length) throw new RangeError('a nonce chain only grows at its end')
    this.items[i] = entry
  }

  /** Removes the first or the last nonce. */
  delete(nonce: number): void {
    const i = nonce - this.base
    if (i === this.items.length - 1) this.items.pop()
    else if (i === 0) {
      this.items.shift()
      this.base++
    } else if (i >= 0 && i < this.items.length)
      throw new RangeError('a nonce chain loses entries only at its ends')
  }

  *[Symbol.iterator](): IterableIterator<[number, E]> {
    for (let i = 0; i < this.items.length; i++) yield [this.base + i, this.items[i] as E]
  }
}

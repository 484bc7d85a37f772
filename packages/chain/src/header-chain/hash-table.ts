/**
 * Height by hash for the header-only chain's main chain, in an open-addressing table of 32-bit slots (about
 * 8-16 bytes per header, instead of a Map entry and a 64-character key). The slot holds height + 1; the
 * hash itself stays in the chain's flat hash array, which `equals` compares against. Hashes are indexed by
 * their last four bytes (proof of work zeroes the first ones).
 */
export class HeightTable {
  private slots: Int32Array
  private used = 0

  constructor(
    /** The 32-byte hashes of heights 0, 1, 2 ... side by side (read through this function, it may grow). */
    private readonly hashes: () => Uint8Array,
    capacity = 1024,
  ) {
    this.slots = new Int32Array(capacity)
  }

  private static home(hash: Uint8Array, mask: number): number {
    return (
      ((hash[28] as number) |
        ((hash[29] as number) << 8) |
        ((hash[30] as number) << 16) |
        ((hash[31] as number) << 24)) &
      mask
    )
  }

  get byteLength(): number {
    return this.slots.byteLength
  }

  get(hash: Uint8Array): number | undefined {
    const mask = this.slots.length - 1
    for (let i = HeightTable.home(hash, mask); ; i = (i + 1) & mask) {
      const v = this.slots[i] as number
      if (v === 0) return undefined
      if (v > 0 && equalAt(this.hashes(), (v - 1) * 32, hash)) return v - 1
    }
  }

  set(hash: Uint8Array, height: number): void {
    if ((this.used + 1) * 2 > this.slots.length) this.grow()
    const mask = this.slots.length - 1
    let i = HeightTable.home(hash, mask)
    while ((this.slots[i] as number) > 0) i = (i + 1) & mask
    if (this.slots[i] === 0) this.used++
    this.slots[i] = height + 1
  }

  /** Removes a height (its hash must still be in the hash array). */
  delete(hash: Uint8Array): void {
    const mask = this.slots.length - 1
    for (let i = HeightTable.home(hash, mask); ; i = (i + 1) & mask) {
      const v = this.slots[i] as number
      if (v === 0) return
      if (v > 0 && equalAt(this.hashes(), (v - 1) * 32, hash)) {
        this.slots[i] = -1 // tombstone
        return
      }
    }
  }

  /** Makes room for `more` heights beyond those held, so that many `set`s rehash no slot. */
  reserve(more: number): void {
    let size = this.slots.length
    while ((this.used + more) * 2 > size) size *= 2
    if (size !== this.slots.length) this.rehash(size)
  }

  private grow(): void {
    this.rehash(this.slots.length * 2)
  }

  private rehash(size: number): void {
    const old = this.slots
    this.slots = new Int32Array(size)
    this.used = 0
    const hashes = this.hashes()
    for (const v of old) if (v > 0) this.set(hashes.subarray((v - 1) * 32, v * 32), v - 1)
  }
}

function equalAt(hashes: Uint8Array, at: number, hash: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) if (hashes[at + i] !== hash[i]) return false
  return true
}

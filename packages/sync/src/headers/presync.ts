import { sipHash24 } from '@chainwire/interface'
import type { BlockHeader } from '@chainwire/protocol-codec'
import { equalBytes } from '../bytes'
import type { ChainPoint, SyncHeaderChain } from '../chain'

/** Bounds of one peer's presync (see the options of the same names). */
export interface PresyncLimits {
  readonly commitmentPeriod: number
  readonly redownloadBuffer: number
  readonly maxHeaders: number
}

/** What processing a batch of headers led to. */
export type PresyncStep =
  /** Ask for more headers with this locator. */
  | { readonly kind: 'continue'; readonly locator: Uint8Array[] }
  /** Headers verified against the commitments and released to be stored (maybe with more to come). */
  | { readonly kind: 'release'; readonly headers: BlockHeader[]; readonly locator: Uint8Array[] | undefined }
  /** The peer's chain ends below the minimum work, or grew past the bound: drop it, store nothing. */
  | { readonly kind: 'abort'; readonly reason: 'low-work' | 'too-long' }
  /** The peer broke the protocol (headers that do not link, a redownload that misses a commitment). */
  | { readonly kind: 'invalid'; readonly detail: string }

/**
 * Headers presync for one peer (Bitcoin Core's `HeadersSyncState`): a header chain whose work is below the
 * minimum is first checked without storing it, keeping only its last header, its work and one salted
 * commitment bit per `commitmentPeriod` headers. Once it reaches the minimum work, the same chain is
 * downloaded again from the start; each redownloaded header is checked against the commitments, held in a
 * buffer of `redownloadBuffer` headers until enough commitments after it have matched, and only then
 * released to the chain. An attacker who feeds a long low-work chain costs us at most
 * `maxHeaders / commitmentPeriod` bits plus the buffer, and no header is ever stored.
 */
export class HeadersPresync {
  /** Whether the chain is being downloaded the second time. */
  phase: 'presync' | 'redownload' = 'presync'
  private readonly start: ChainPoint
  private readonly salt: Uint8Array
  private readonly offset: number
  /** Commitment bits, packed, grown by doubling up to the bound. */
  private bits = new Uint8Array(16)
  private bitCount = 0
  /** The last header followed in the first pass: its hash and height. */
  private last: { hash: Uint8Array; height: number }
  private count = 0
  private work: bigint
  /** Redownload state. */
  private redownloadLast: { hash: Uint8Array; height: number }
  private redownloadCount = 0
  private redownloadWork: bigint
  private bitIndex = 0
  private buffer: BlockHeader[] = []
  private enough = false

  constructor(
    private readonly chain: SyncHeaderChain,
    start: ChainPoint,
    private readonly threshold: bigint,
    private readonly limits: PresyncLimits,
    random: () => number,
  ) {
    this.start = start
    this.salt = new Uint8Array(16)
    for (let i = 0; i < 16; i++) this.salt[i] = Math.floor(random() * 256)
    this.offset = Math.floor(random() * limits.commitmentPeriod)
    this.last = start
    this.work = start.work
    this.redownloadLast = start
    this.redownloadWork = start.work
  }

  /** Bytes this peer's presync holds now: commitment bits and buffered headers (estimated per header). */
  memoryBytes(bytesPerHeader: number): number {
    return this.bits.byteLength + this.buffer.length * bytesPerHeader
  }

  /** Headers checked in the first pass so far. */
  get checked(): number {
    return this.count
  }

  /**
   * Processes one `headers` answer of a full-size (`full`) or short batch; `hashes` are the headers' hashes
   * (the caller has them already).
   */
  process(headers: readonly BlockHeader[], hashes: readonly Uint8Array[], full: boolean): PresyncStep {
    return this.phase === 'presync'
      ? this.presync(headers, hashes, full)
      : this.redownload(headers, hashes, full)
  }

  /** The locator of the next request of the current phase. */
  locator(): Uint8Array[] {
    return this.phase === 'presync'
      ? [this.last.hash, this.start.hash]
      : [this.redownloadLast.hash, this.start.hash]
  }

  private presync(
    headers: readonly BlockHeader[],
    hashes: readonly Uint8Array[],
    full: boolean,
  ): PresyncStep {
    for (const [i, header] of headers.entries()) {
      const hash = hashes[i] as Uint8Array
      const checked = this.chain.checkHeaderLink(header, this.last, hash)
      if ('invalid' in checked) return { kind: 'invalid', detail: `presync header: ${checked.invalid}` }
      this.count++
      if (this.count > this.limits.maxHeaders) return { kind: 'abort', reason: 'too-long' }
      this.work += checked.work
      if (this.count % this.limits.commitmentPeriod === this.offset) this.pushBit(this.commitment(hash))
      this.last = { hash, height: header.height }
    }
    if (this.work >= this.threshold) {
      this.phase = 'redownload'
      return { kind: 'continue', locator: this.locator() }
    }
    if (!full) return { kind: 'abort', reason: 'low-work' }
    return { kind: 'continue', locator: this.locator() }
  }

  private redownload(
    headers: readonly BlockHeader[],
    hashes: readonly Uint8Array[],
    full: boolean,
  ): PresyncStep {
    if (headers.length > 0 && !equalBytes(headers[0]?.prevHash as Uint8Array, this.redownloadLast.hash)) {
      return { kind: 'invalid', detail: 'redownloaded headers do not continue the chain' }
    }
    for (const [i, header] of headers.entries()) {
      const hash = hashes[i] as Uint8Array
      const checked = this.chain.checkHeaderLink(header, this.redownloadLast, hash)
      if ('invalid' in checked) return { kind: 'invalid', detail: `redownload header: ${checked.invalid}` }
      this.redownloadCount++
      if (this.redownloadCount > this.count && !this.enough) {
        return { kind: 'invalid', detail: 'redownloaded chain longer than the presynced one' }
      }
      if (!this.enough && this.redownloadCount % this.limits.commitmentPeriod === this.offset) {
        if (this.bitIndex >= this.bitCount || this.readBit(this.bitIndex) !== this.commitment(hash)) {
          return { kind: 'invalid', detail: 'redownloaded header does not match its commitment' }
        }
        this.bitIndex++
      }
      this.redownloadWork += checked.work
      this.redownloadLast = { hash, height: header.height }
      this.buffer.push(header)
      if (this.redownloadWork >= this.threshold) this.enough = true
    }
    let release: BlockHeader[]
    if (this.enough) {
      release = this.buffer
      this.buffer = []
      this.bits = new Uint8Array(0)
      return { kind: 'release', headers: release, locator: undefined }
    }
    const excess = this.buffer.length - this.limits.redownloadBuffer
    release = excess > 0 ? this.buffer.splice(0, excess) : []
    if (!full) return { kind: 'invalid', detail: 'redownloaded chain ended below the presynced work' }
    return { kind: 'release', headers: release, locator: this.locator() }
  }

  private commitment(hash: Uint8Array): boolean {
    return (sipHash24(this.salt, hash).lo & 1) === 1
  }

  private pushBit(bit: boolean): void {
    const byte = this.bitCount >> 3
    if (byte >= this.bits.length) {
      const cap = Math.ceil(this.limits.maxHeaders / this.limits.commitmentPeriod / 8) + 1
      const grown = new Uint8Array(Math.max(byte + 1, Math.min(this.bits.length * 2, cap)))
      grown.set(this.bits)
      this.bits = grown
    }
    if (bit) this.bits[byte] = (this.bits[byte] as number) | (1 << (this.bitCount & 7))
    this.bitCount++
  }

  private readBit(i: number): boolean {
    return (((this.bits[i >> 3] as number) >> (i & 7)) & 1) === 1
  }
}

import { sipHash24 } from '@chainwire/interface'
import { ChainError } from '../errors'

/**
 * Golomb-coded sets (BIP 158): a compact probabilistic set of byte strings. Each item is hashed with
 * SipHash-2-4 under a 16-byte key into [0, N * M), the values are sorted, and the differences between
 * neighbours are Golomb-Rice coded with parameter P: the quotient `delta >> P` in unary (ones, then a zero),
 * the remainder in P bits, most significant bit first. A filter is BIP 158's serialisation: N as a Bitcoin
 * CompactSize integer, then the bit stream padded with zeros to a whole byte. A query matches a member
 * always and any other item with probability about 1 / M.
 *
 * No `node:` import: light clients in a browser decode filters with the same code.
 */

/** BIP 158's basic filter parameters: P = 19 bits of remainder, M = 784,931 (false positives about 1/M). */
export const GCS_P = 19
/** See {@link GCS_P}. */
export const GCS_M = 784_931

/** The parameters of one Golomb-coded set. */
export interface GcsParams {
  /** Bits of the Golomb-Rice remainder. */
  readonly p: number
  /** The inverse false-positive rate. */
  readonly m: number
}

/** BIP 158's basic filter: P 19, M 784,931. */
export const BASIC_FILTER: GcsParams = Object.freeze({ p: GCS_P, m: GCS_M })

function malformed(message: string): never {
  throw new ChainError('ERR_BAD_FILTER', message)
}

/** SipHash of `item` under `key`, scaled into [0, f): (hash * f) >> 64, as BIP 158 maps hashes to the range. */
export function hashToRange(key: Uint8Array, item: Uint8Array, f: number): number {
  const { hi, lo } = sipHash24(key, item)
  const h = (BigInt(hi) << 32n) | BigInt(lo)
  return Number((h * BigInt(f)) >> 64n)
}

/** The sorted values of a set of items (duplicates kept, as BIP 158 hashes whatever it is given). */
function hashedSet(key: Uint8Array, items: readonly Uint8Array[], params: GcsParams): Float64Array {
  const f = items.length * params.m
  const values = new Float64Array(items.length)
  for (let i = 0; i < items.length; i++) values[i] = hashToRange(key, items[i] as Uint8Array, f)
  return values.sort()
}

/** Writes bits most significant first into a growing byte array. */
class BitWriter {
  private bytes: Uint8Array
  private bitLength = 0

  constructor(capacityBits: number) {
    this.bytes = new Uint8Array(Math.max(1, Math.ceil(capacityBits / 8)))
  }

  private ensure(bits: number): void {
    const need = Math.ceil((this.bitLength + bits) / 8)
    if (need <= this.bytes.length) return
    const next = new Uint8Array(Math.max(need, this.bytes.length * 2))
    next.set(this.bytes)
    this.bytes = next
  }

  /** Writes the low `count` bits of `value` (count <= 32, value < 2^count), most significant first. */
  bits(value: number, count: number): void {
    this.ensure(count)
    for (let i = count - 1; i >= 0; i--) {
      if (Math.floor(value / 2 ** i) % 2 === 1) {
        const at = this.bitLength
        this.bytes[at >> 3] = (this.bytes[at >> 3] as number) | (0x80 >> (at & 7))
      }
      this.bitLength++
    }
  }

  /** Writes `count` one bits then a zero. */
  unary(count: number): void {
    this.ensure(count + 1)
    for (let i = 0; i < count; i++) {
      const at = this.bitLength++
      this.bytes[at >> 3] = (this.bytes[at >> 3] as number) | (0x80 >> (at & 7))
    }
    this.bitLength++
  }

  finish(): Uint8Array {
    return this.bytes.subarray(0, Math.ceil(this.bitLength / 8))
  }
}

/** Reads bits most significant first; throws `ChainError` `ERR_BAD_FILTER` past the end. */
class BitReader {
  private at: number
  private readonly end: number

  constructor(
    private readonly bytes: Uint8Array,
    offset: number,
  ) {
    this.at = offset * 8
    this.end = bytes.length * 8
  }

  private bit(): number {
    if (this.at >= this.end) malformed('filter bit stream ends early')
    const at = this.at++
    return ((this.bytes[at >> 3] as number) >> (7 - (at & 7))) & 1
  }

  unary(): number {
    let n = 0
    while (this.bit() === 1) n++
    return n
  }

  bits(count: number): number {
    let v = 0
    for (let i = 0; i < count; i++) v = v * 2 + this.bit()
    return v
  }
}

/** Bitcoin's CompactSize encoding of `n` (a safe integer). */
export function writeCompactSize(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n)
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >>> 8)
  if (n <= 0xffffffff) return Uint8Array.of(0xfe, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24)
  const out = new Uint8Array(9)
  out[0] = 0xff
  let v = n
  for (let i = 1; i < 9; i++) {
    out[i] = v % 256
    v = Math.floor(v / 256)
  }
  return out
}

/** Reads a CompactSize integer: its value (a safe integer or Infinity when larger) and its length. */
export function readCompactSize(bytes: Uint8Array, offset = 0): { value: number; length: number } {
  const first = bytes[offset]
  if (first === undefined) malformed('filter is empty')
  const width = first < 0xfd ? 0 : first === 0xfd ? 2 : first === 0xfe ? 4 : 8
  if (offset + 1 + width > bytes.length) malformed('filter count is truncated')
  if (width === 0) return { value: first, length: 1 }
  let value = 0
  for (let i = width; i >= 1; i--) value = value * 256 + (bytes[offset + i] as number)
  return { value: Number.isSafeInteger(value) ? value : Number.POSITIVE_INFINITY, length: 1 + width }
}

/** Builds the filter of `items` under a 16-byte `key`: CompactSize N, then the Golomb-Rice coded values. */
export function buildGcs(
  key: Uint8Array,
  items: readonly Uint8Array[],
  params: GcsParams = BASIC_FILTER,
): Uint8Array {
  const values = hashedSet(key, items, params)
  const head = writeCompactSize(values.length)
  const w = new BitWriter(values.length * (params.p + 2))
  let last = 0
  const divisor = 2 ** params.p
  for (const v of values) {
    const delta = v - last
    last = v
    w.unary(Math.floor(delta / divisor))
    w.bits(delta % divisor, params.p)
  }
  const body = w.finish()
  const out = new Uint8Array(head.length + body.length)
  out.set(head)
  out.set(body, head.length)
  return out
}

/**
 * The number of items a filter holds, checked against what its bits can carry (each value takes at least
 * P + 1 bits), so that a forged count can never make a reader loop or allocate beyond the filter's size.
 */
export function gcsCount(
  filter: Uint8Array,
  params: GcsParams = BASIC_FILTER,
): { n: number; offset: number } {
  const { value, length } = readCompactSize(filter)
  if (value > ((filter.length - length) * 8) / (params.p + 1))
    malformed('filter count exceeds its bit stream')
  return { n: value, offset: length }
}

/** Every value of a filter, in order (throws `ChainError` `ERR_BAD_FILTER` for a malformed filter). */
export function decodeGcs(filter: Uint8Array, params: GcsParams = BASIC_FILTER): Float64Array {
  const { n, offset } = gcsCount(filter, params)
  const r = new BitReader(filter, offset)
  const out = new Float64Array(n)
  const divisor = 2 ** params.p
  let last = 0
  for (let i = 0; i < n; i++) {
    last += r.unary() * divisor + r.bits(params.p)
    out[i] = last
  }
  return out
}

/**
 * True when any of `items` matches the filter (BIP 158's `MatchAny`): the queries are hashed into the
 * filter's range, sorted, and walked together with the decoded values. A member always matches; another
 * item with probability about 1 / M each. Throws `ChainError` `ERR_BAD_FILTER` for a malformed filter.
 */
export function gcsMatchAny(
  filter: Uint8Array,
  key: Uint8Array,
  items: readonly Uint8Array[],
  params: GcsParams = BASIC_FILTER,
): boolean {
  const { n, offset } = gcsCount(filter, params)
  if (n === 0 || items.length === 0) return false
  const f = n * params.m
  const queries = new Float64Array(items.length)
  for (let i = 0; i < items.length; i++) queries[i] = hashToRange(key, items[i] as Uint8Array, f)
  queries.sort()
  const r = new BitReader(filter, offset)
  const divisor = 2 ** params.p
  let value = 0
  let q = 0
  for (let i = 0; i < n; i++) {
    value += r.unary() * divisor + r.bits(params.p)
    while ((queries[q] as number) < value) if (++q === queries.length) return false
    if (queries[q] === value) return true
  }
  return false
}

/** BIP 158's SipHash key of a block's filter: the first 16 bytes of the block hash. */
export function filterKey(blockHash: Uint8Array): Uint8Array {
  return blockHash.subarray(0, 16)
}

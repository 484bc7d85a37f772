import { bytesToHex, hexToBytes } from '@noble/hashes/utils'

/** Lowercase hex of `bytes` (map keys, logs, the JSON view). */
export const toHex: (bytes: Uint8Array) => string = bytesToHex

/** Bytes of a hex string (throws on odd length or a non-hex character). */
export const fromHex: (hex: string) => Uint8Array = hexToBytes

/** True when both arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** True when every byte is zero. */
export function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false
  return true
}

/** 32 zero bytes: the genesis header's `prevHash` and the coinbase's `from`. */
export const ZERO_HASH: Uint8Array = new Uint8Array(32)

/** A 256-bit big-endian unsigned integer of 32 bytes. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n
  for (let i = 0; i < bytes.length; i += 8) {
    let word = 0n
    for (let j = i; j < i + 8 && j < bytes.length; j++) word = (word << 8n) | BigInt(bytes[j] as number)
    v = (v << 64n) | word
  }
  return v
}

/** `value` (0 <= value < 2^256) as 32 big-endian bytes. */
export function bigIntToBytes32(value: bigint): Uint8Array {
  const out = new Uint8Array(32)
  let v = value
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

/**
 * Writes unsigned big-endian integers and byte fields into a growing buffer: the one writer of chainwire's
 * canonical header, transaction, vote and undo bytes.
 */
export class ByteWriter {
  private buf: Uint8Array
  private view: DataView
  private pos = 0

  constructor(size = 256) {
    this.buf = new Uint8Array(size)
    this.view = new DataView(this.buf.buffer)
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n))
    next.set(this.buf)
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  u8(v: number): this {
    this.room(1)
    this.buf[this.pos++] = v
    return this
  }

  u32(v: number): this {
    this.room(4)
    this.view.setUint32(this.pos, v)
    this.pos += 4
    return this
  }

  /** A safe integer (or bigint up to 2^64 - 1) as 8 bytes. */
  u64(v: number | bigint): this {
    this.room(8)
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      // Two 32-bit halves: no bigint for the common case (heights, timestamps, nonces).
      this.view.setUint32(this.pos, Math.floor(v / 4_294_967_296))
      this.view.setUint32(this.pos + 4, v >>> 0)
    } else {
      this.view.setBigUint64(this.pos, BigInt(v))
    }
    this.pos += 8
    return this
  }

  bytes(b: Uint8Array): this {
    this.room(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
    return this
  }

  /** A byte field prefixed by its u32 length. */
  varBytes(b: Uint8Array): this {
    return this.u32(b.length).bytes(b)
  }

  /** The bytes written (a view of the internal buffer). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }
}

/** Reads what {@link ByteWriter} wrote; every read past the end throws `RangeError`. */
export class ByteReader {
  private readonly view: DataView
  pos = 0

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get remaining(): number {
    return this.buf.length - this.pos
  }

  u8(): number {
    if (this.pos + 1 > this.buf.length) throw new RangeError('read past end')
    return this.buf[this.pos++] as number
  }

  u32(): number {
    const v = this.view.getUint32(this.pos)
    this.pos += 4
    return v
  }

  u64(): bigint {
    const v = this.view.getBigUint64(this.pos)
    this.pos += 8
    return v
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new RangeError('read past end')
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
    return out
  }
}

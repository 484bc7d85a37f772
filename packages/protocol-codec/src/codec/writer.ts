import { utf8Length } from '../schema'
import { allocFilled } from './alloc'

const INITIAL_CAPACITY = 64 * 1024
/** Byte strings at least this long are written by reference and copied once, straight into the output. */
const BY_REFERENCE_BYTES = 8 * 1024
const TWO_32 = 2 ** 32

/** Thrown inside the writer when the output would pass its byte limit; the codec maps it to a CodecError. */
export class WriteLimitExceeded {
  constructor(readonly size: number) {}
}

/**
 * A msgpack writer for chainwire's wire values: arrays, integers and floats, bigints (64-bit), strings,
 * booleans, `null` and byte strings, always in their shortest standard form. It writes into one growing
 * scratch buffer and copies the result out, so encoding allocates once per message. Byte strings of 8 KiB
 * or more are not copied into the scratch buffer: the writer notes where they go, and `finish()` copies
 * them once, straight into the output (a 1 MiB chunk payload is copied once, not three times).
 *
 * The codec writes with this instead of msgpackr's `pack` because msgpackr sends every `Uint8Array`
 * through its extension lookup, which made binary-heavy messages (blocks, headers) about 3x slower to
 * encode; the output is plain msgpack that msgpackr (or any implementation) reads.
 */
export class MsgpackWriter {
  private buf = new Uint8Array(INITIAL_CAPACITY)
  private view = new DataView(this.buf.buffer)
  private pos = 0
  private limit = 0
  private start = 0
  /** Byte strings written by reference: `refs[i]` goes at scratch offset `refAt[i]` of the output. */
  private refs: Uint8Array[] = []
  private refAt: number[] = []
  /** Total length of `refs`: the output is `pos + refBytes` bytes long. */
  private refBytes = 0
  /** True between `begin` and `finish`: a re-entrant encode must use another writer. */
  busy = false

  /** Starts a message: `reserve` bytes are left at the front, and at most `limit` bytes are written in all. */
  begin(reserve: number, limit: number): void {
    this.busy = true
    this.limit = limit
    this.pos = 0
    this.clearRefs()
    this.ensure(reserve)
    this.start = reserve
    this.pos = reserve
  }

  /** Ends the message and returns a copy of it (with the reserved prefix, left zeroed). */
  finish(): Uint8Array {
    this.busy = false
    const size = this.pos + this.refBytes
    if (size > this.limit) {
      this.clearRefs()
      throw new WriteLimitExceeded(size)
    }
    if (this.refs.length === 0) {
      const out = this.buf.slice(0, this.pos)
      out.fill(0, 0, this.start)
      return out
    }
    // Interleave the scratch bytes with the byte strings written by reference, each copied once. Every byte
    // of `out` is written below (the reserved prefix zeroed), so it need not start zeroed.
    const out = allocFilled(size)
    out.fill(0, 0, this.start)
    const buf = this.buf
    let from = this.start
    let o = this.start
    for (let i = 0; i < this.refs.length; i++) {
      const at = this.refAt[i] as number
      const ref = this.refs[i] as Uint8Array
      out.set(buf.subarray(from, at), o)
      o += at - from
      out.set(ref, o)
      o += ref.length
      from = at
    }
    out.set(buf.subarray(from, this.pos), o)
    this.clearRefs()
    return out
  }

  /**
   * Ends the message and returns it as pieces whose concatenation is what {@link finish} would return: the
   * scratch bytes (one copy, the reserved prefix zeroed) interleaved with the byte strings written by
   * reference, which are not copied at all. Empty pieces are left out; the first piece holds the prefix.
   */
  finishParts(): Uint8Array[] {
    this.busy = false
    const size = this.pos + this.refBytes
    if (size > this.limit) {
      this.clearRefs()
      throw new WriteLimitExceeded(size)
    }
    const scratch = this.buf.slice(0, this.pos)
    scratch.fill(0, 0, this.start)
    if (this.refs.length === 0) return [scratch]
    const parts: Uint8Array[] = []
    let from = 0
    for (let i = 0; i < this.refs.length; i++) {
      const at = this.refAt[i] as number
      if (at > from) parts.push(scratch.subarray(from, at))
      const ref = this.refs[i] as Uint8Array
      if (ref.length > 0) parts.push(ref)
      from = at
    }
    if (this.pos > from) parts.push(scratch.subarray(from, this.pos))
    this.clearRefs()
    return parts
  }

  /** Abandons the message in progress. */
  abort(): void {
    this.busy = false
    this.clearRefs()
  }

  private clearRefs(): void {
    if (this.refs.length === 0) return
    this.refs = []
    this.refAt = []
    this.refBytes = 0
  }

  /** Writes one wire value. */
  write(v: unknown): void {
    switch (typeof v) {
      case 'number':
        this.writeNumber(v)
        return
      case 'object':
        if (v === null) {
          this.ensure(1)
          this.buf[this.pos++] = 0xc0
        } else if (Array.isArray(v)) {
          this.writeArrayHeader(v.length)
          for (let i = 0; i < v.length; i++) this.write(v[i])
        } else if (v instanceof Uint8Array) {
          this.writeBytes(v)
        } else {
          throw new TypeError('msgpack writer: unsupported object')
        }
        return
      case 'string':
        this.writeString(v)
        return
      case 'boolean':
        this.ensure(1)
        this.buf[this.pos++] = v ? 0xc3 : 0xc2
        return
      case 'bigint':
        this.writeBigInt(v)
        return
      default:
        throw new TypeError(`msgpack writer: unsupported ${typeof v}`)
    }
  }

  writeArrayHeader(n: number): void {
    if (this.pos + this.refBytes > this.limit) throw new WriteLimitExceeded(this.pos + this.refBytes)
    this.ensure(5)
    const b = this.buf
    if (n < 16) {
      b[this.pos++] = 0x90 | n
    } else if (n < 0x10000) {
      b[this.pos++] = 0xdc
      b[this.pos++] = n >>> 8
      b[this.pos++] = n & 0xff
    } else {
      b[this.pos++] = 0xdd
      this.view.setUint32(this.pos, n)
      this.pos += 4
    }
  }

  writeNumber(v: number): void {
    this.ensure(9)
    const b = this.buf
    if (Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      if (v < 0x80) {
        b[this.pos++] = v
      } else if (v < 0x100) {
        b[this.pos++] = 0xcc
        b[this.pos++] = v
      } else if (v < 0x10000) {
        b[this.pos++] = 0xcd
        b[this.pos++] = v >>> 8
        b[this.pos++] = v & 0xff
      } else if (v < TWO_32) {
        b[this.pos++] = 0xce
        this.view.setUint32(this.pos, v)
        this.pos += 4
      } else {
        b[this.pos++] = 0xcf
        this.view.setUint32(this.pos, Math.floor(v / TWO_32))
        this.view.setUint32(this.pos + 4, v >>> 0)
        this.pos += 8
      }
    } else if (Number.isInteger(v) && v < 0 && v >= -0x8000_0000) {
      if (v >= -32) {
        b[this.pos++] = v & 0xff
      } else {
        b[this.pos++] = 0xd2
        this.view.setInt32(this.pos, v)
        this.pos += 4
      }
    } else {
      b[this.pos++] = 0xcb
      this.view.setFloat64(this.pos, v)
      this.pos += 8
    }
  }

  writeBigInt(v: bigint): void {
    this.ensure(9)
    if (v >= 0n && v <= 0xffff_ffff_ffff_ffffn) {
      this.buf[this.pos++] = 0xcf
      this.view.setBigUint64(this.pos, v)
    } else if (v < 0n && v >= -0x8000_0000_0000_0000n) {
      this.buf[this.pos++] = 0xd3
      this.view.setBigInt64(this.pos, v)
    } else {
      throw new RangeError('msgpack writer: bigint beyond 64 bits')
    }
    this.pos += 8
  }

  writeBytes(v: Uint8Array): void {
    const n = v.length
    const byReference = n >= BY_REFERENCE_BYTES
    const at = this.pos + this.refBytes
    if (at + n > this.limit) throw new WriteLimitExceeded(at + n)
    this.ensure(byReference ? 5 : n + 5)
    const b = this.buf
    if (n < 0x100) {
      b[this.pos++] = 0xc4
      b[this.pos++] = n
    } else if (n < 0x10000) {
      b[this.pos++] = 0xc5
      b[this.pos++] = n >>> 8
      b[this.pos++] = n & 0xff
    } else {
      b[this.pos++] = 0xc6
      this.view.setUint32(this.pos, n)
      this.pos += 4
    }
    if (byReference) {
      this.refs.push(v)
      this.refAt.push(this.pos)
      this.refBytes += n
      return
    }
    b.set(v, this.pos)
    this.pos += n
  }

  writeString(s: string): void {
    let n = utf8Length(s, false)
    if (n < 0) n = Buffer.byteLength(s, 'utf8')
    this.reserve(n)
    const b = this.buf
    if (n < 32) {
      b[this.pos++] = 0xa0 | n
    } else if (n < 0x100) {
      b[this.pos++] = 0xd9
      b[this.pos++] = n
    } else if (n < 0x10000) {
      b[this.pos++] = 0xda
      b[this.pos++] = n >>> 8
      b[this.pos++] = n & 0xff
    } else {
      b[this.pos++] = 0xdb
      this.view.setUint32(this.pos, n)
      this.pos += 4
    }
    if (n === s.length) {
      const p = this.pos
      for (let i = 0; i < n; i++) b[p + i] = s.charCodeAt(i)
    } else {
      Buffer.from(b.buffer, b.byteOffset, b.byteLength).write(s, this.pos, n, 'utf8')
    }
    this.pos += n
  }

  /** Makes room for a header and `n` payload bytes, refusing to pass the limit. */
  private reserve(n: number): void {
    const at = this.pos + this.refBytes
    if (at + n > this.limit) throw new WriteLimitExceeded(at + n)
    this.ensure(n + 5)
  }

  private ensure(n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    const grown = new Uint8Array(Math.max(need, this.buf.length * 2))
    grown.set(this.buf.subarray(0, this.pos))
    this.buf = grown
    this.view = new DataView(grown.buffer)
  }
}

const shared = new MsgpackWriter()

/** The writer to use for one message: the shared scratch writer, or a fresh one if it is busy. */
export function acquireWriter(): MsgpackWriter {
  return shared.busy ? new MsgpackWriter() : shared
}

import { statusSpecs } from '../catalog/status'
import { allocFilled } from '../codec/alloc'
import { CodecError } from '../errors'
import { LIMITS } from '../limits'
import { FRAME_HEADER_BYTES, type FrameOptions } from './frame'
import { FramePieces } from './frame-pieces'

/** Options of {@link FrameDecoder} and `MessageFrameDecoder`: the frame size limit (see {@link FrameOptions}). */
export type FrameDecoderOptions = FrameOptions

/**
 * A piece of a frame body at least this long is kept as a view of the pushed chunk; shorter pieces are copied
 * into a small coalescing buffer, so a frame sent in tiny pieces does not cost one view object per piece.
 */
const MIN_VIEW_BYTES = 16 * 1024

/** Frames at least this long get their own buffer once a fraction of them arrived (copy as they come). */
const EARLY_BODY_MIN = 256 * 1024
/** ... once 1/EARLY_BODY_FRACTION of the body arrived: memory held is at most this many times what was sent. */
const EARLY_BODY_FRACTION = 4

/**
 * In a frame kept as pieces ({@link FrameDecoder.pushFrames}), a piece at least this long is kept as a view;
 * shorter ones are copied into the coalescing buffer. (node:crypto's plaintext pieces in chainwire's network
 * are 4 KiB or more, so they are all kept as they are.)
 */
const MIN_PIECE_VIEW_BYTES = 4 * 1024

/** The two bytes a `chunk` envelope starts with as chainwire writes it: fixarray 3, then its type code. */
const ENVELOPE_LEAD = 0x93
const CHUNK_CODE = statusSpecs.chunk.code

/** First capacity of the coalescing buffer for short pieces; it doubles up to {@link MIN_VIEW_BYTES}. */
const INITIAL_TAIL_CAPACITY = 1024

/**
 * Splits a byte stream into frame payloads (4-byte big-endian length + payload), whatever the chunking:
 * one byte at a time, many frames per chunk, or a frame across many chunks.
 *
 * Memory follows what the peer actually sent, not what it declared: a header over `maxMessageSize` fails
 * the stream before anything is allocated, and a frame spanning chunks is held as views of the chunks that
 * carried it (pieces under 16 KiB are copied into a small buffer instead) until its last byte arrives; it is
 * then copied once into a buffer of exactly its length. A frame of 256 KiB or more gets that buffer as soon
 * as a quarter of it has arrived, and each later piece is copied in as it comes (still one copy per byte,
 * but while the piece is in cache), so what is held is at most 4 times what was sent, and
 * `bufferedBytes` says so. A frame that arrives whole within one chunk is returned as a view of that chunk,
 * without copying. After an error the decoder stays failed and rethrows it.
 *
 * {@link pushFrames} is `push` for a reader of `chunk` messages that can take a payload in pieces: a frame of
 * 256 KiB or more whose first bytes name a `chunk` envelope is not copied into a buffer of its own but
 * returned as a {@link FramePieces} (the views it arrived in), which `decode` reads without joining.
 *
 * Aliasing contract: the decoder keeps views of the chunks you push, both in the payloads it returns and,
 * while a frame is incomplete, in its own state. Do not write into a chunk after pushing it (push a fresh
 * buffer per read, as Node sockets and the Noise stream do) while its payloads are in use or its frame is
 * still in progress.
 */
export class FrameDecoder {
  /** The payload limit in force. */
  readonly maxMessageSize: number
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES)
  private headerFill = 0
  /** Pieces of the frame in progress, in stream order (views of pushed chunks or sealed coalescing buffers). */
  private parts: Uint8Array[] = []
  /** Coalescing buffer for short pieces, after `parts`; `tailFill` bytes of it are used. */
  private tail: Uint8Array | undefined
  private tailFill = 0
  private bodyLength = -1
  /** Body bytes received for the frame in progress (in `parts` and `tail`). */
  private bodyFill = 0
  /** The frame's own buffer once enough of a large frame arrived: pieces are copied in as they come. */
  private body: Uint8Array | undefined
  /** The first two body bytes of the frame in progress (-1 until they arrive). */
  private lead0 = -1
  private lead1 = -1
  /** Whether the current `pushFrames` call may return frames as pieces. */
  private piecewise = false
  /** Whether the frame in progress is kept as pieces (returned as a {@link FramePieces}). */
  private asPieces = false
  private failure: CodecError | undefined

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxMessageSize ?? LIMITS.maxMessageSize
    if (!Number.isInteger(max) || max < 0 || max > 0xffff_ffff) {
      throw new CodecError('ERR_INVALID_OPTIONS', 'maxMessageSize must be an integer in [0, 2^32 - 1]', {
        option: 'maxMessageSize',
        value: max,
      })
    }
    this.maxMessageSize = max
  }

  /**
   * Bytes held for the frame in progress: its header and body so far, or the whole body once a large frame
   * has its own buffer (see the class notes).
   */
  get bufferedBytes(): number {
    return this.headerFill + (this.body === undefined ? this.bodyFill : this.bodyLength)
  }

  /**
   * Feeds the next piece of the stream and returns the payloads of the frames it completes, in order.
   * Throws `ERR_FRAME_TOO_LARGE` when a header declares more than `maxMessageSize`.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames = this.read(chunk, false)
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i] as Uint8Array | FramePieces
      // Only a frame begun by `pushFrames` and completed here can be in pieces.
      if (f instanceof FramePieces) frames[i] = f.bytes()
    }
    return frames as Uint8Array[]
  }

  /**
   * {@link push}, except that a frame of 256 KiB or more holding a `chunk` message (its envelope starting
   * with fixarray 3 and the chunk code) comes back as a {@link FramePieces}: the views of the pushed chunks
   * it arrived in, not copied. `decode` accepts either form. The pieces stay valid as long as the result
   * is referenced (the decoder lets them go).
   */
  pushFrames(chunk: Uint8Array): Array<Uint8Array | FramePieces> {
    return this.read(chunk, true)
  }

  private read(chunk: Uint8Array, piecewise: boolean): Array<Uint8Array | FramePieces> {
    if (this.failure !== undefined) throw this.failure
    if (!(chunk instanceof Uint8Array)) {
      throw new CodecError('ERR_MALFORMED', 'FrameDecoder.push expects a Uint8Array', {
        reason: 'not a Uint8Array',
      })
    }
    this.piecewise = piecewise
    const out: Array<Uint8Array | FramePieces> = []
    const n = chunk.length
    let pos = 0
    while (pos < n) {
      if (this.bodyLength < 0) {
        let length: number
        if (this.headerFill === 0 && n - pos >= FRAME_HEADER_BYTES) {
          length = readLength(chunk, pos)
          pos += FRAME_HEADER_BYTES
        } else {
          const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, n - pos)
          this.header.set(chunk.subarray(pos, pos + take), this.headerFill)
          this.headerFill += take
          pos += take
          if (this.headerFill < FRAME_HEADER_BYTES) break
          this.headerFill = 0
          length = readLength(this.header, 0)
        }
        if (length > this.maxMessageSize) this.fail(length)
        if (n - pos >= length) {
          out.push(chunk.subarray(pos, pos + length))
          pos += length
          continue
        }
        this.bodyLength = length
        this.bodyFill = 0
      }
      const take = Math.min(this.bodyLength - this.bodyFill, n - pos)
      this.append(chunk.subarray(pos, pos + take))
      pos += take
      if (this.bodyFill === this.bodyLength) out.push(this.assemble())
    }
    return out
  }

  /** Declares the end of the stream: throws `ERR_TRUNCATED` if it stopped inside a frame. */
  end(): void {
    if (this.failure !== undefined) throw this.failure
    if (this.bufferedBytes > 0) {
      throw new CodecError(
        'ERR_TRUNCATED',
        `stream ended inside a frame (${this.bufferedBytes} bytes held)`,
        {
          bufferedBytes: this.bufferedBytes,
        },
      )
    }
  }

  /** Holds one piece of the frame in progress: as a view when it is long, else copied into the tail. */
  private append(piece: Uint8Array): void {
    const n = piece.length
    if (this.body !== undefined) {
      this.body.set(piece, this.bodyFill)
      this.bodyFill += n
      return
    }
    if (this.bodyFill < 2 && n > 0 && this.piecewise && this.bodyLength >= EARLY_BODY_MIN) {
      // A large frame read by `pushFrames`: once its first two bytes are here, a chunk is kept as pieces.
      if (this.bodyFill === 0) {
        this.lead0 = piece[0] as number
        if (n > 1) this.lead1 = piece[1] as number
      } else {
        this.lead1 = piece[0] as number
      }
      this.asPieces = this.lead0 === ENVELOPE_LEAD && this.lead1 === CHUNK_CODE
    }
    if (
      !this.asPieces &&
      this.bodyLength >= EARLY_BODY_MIN &&
      (this.bodyFill + n) * EARLY_BODY_FRACTION >= this.bodyLength
    ) {
      // A large frame, a quarter of it here: give it its own buffer now and copy each piece in as it comes
      // (while the piece is still in cache, and letting it go at once) instead of all of them at the end.
      this.sealTail()
      const body = allocFilled(this.bodyLength)
      let o = 0
      for (const p of this.parts) {
        body.set(p, o)
        o += p.length
      }
      body.set(piece, o)
      this.parts = []
      this.body = body
      this.bodyFill += n
      return
    }
    if (n >= (this.asPieces ? MIN_PIECE_VIEW_BYTES : MIN_VIEW_BYTES) && piece.buffer.byteLength <= 2 * n) {
      // A long piece that does not pin a much larger buffer: keep the view, no copy.
      this.sealTail()
      this.parts.push(piece)
      this.bodyFill += n
      return
    }
    let off = 0
    while (off < n) {
      let tail = this.tail
      if (tail === undefined || this.tailFill === tail.length) {
        if (tail !== undefined && tail.length < MIN_VIEW_BYTES) {
          // Grow the tail (doubling, so each short byte is copied a bounded number of times).
          const cap = Math.min(MIN_VIEW_BYTES, tail.length * 2, tail.length + this.bodyLength - this.bodyFill)
          const grown = new Uint8Array(Math.max(cap, this.tailFill + 1))
          grown.set(tail.subarray(0, this.tailFill))
          this.tail = tail = grown
        } else {
          this.sealTail()
          const remaining = this.bodyLength - this.bodyFill
          this.tail = tail = new Uint8Array(Math.min(remaining, Math.max(INITIAL_TAIL_CAPACITY, n - off)))
        }
      }
      const take = Math.min(tail.length - this.tailFill, n - off)
      tail.set(off === 0 && take === n ? piece : piece.subarray(off, off + take), this.tailFill)
      this.tailFill += take
      this.bodyFill += take
      off += take
    }
  }

  /** Moves the used part of the tail into `parts`. */
  private sealTail(): void {
    if (this.tail !== undefined && this.tailFill > 0) {
      this.parts.push(this.tailFill === this.tail.length ? this.tail : this.tail.subarray(0, this.tailFill))
    }
    this.tail = undefined
    this.tailFill = 0
  }

  /** The completed frame's payload: its only piece as is, else the pieces copied once into an exact buffer. */
  private assemble(): Uint8Array | FramePieces {
    if (this.body !== undefined) {
      const body = this.body
      this.reset()
      return body
    }
    this.sealTail()
    const parts = this.parts
    if (this.asPieces) {
      const frame = new FramePieces(parts, this.bodyLength)
      this.reset()
      return frame
    }
    let payload: Uint8Array
    if (parts.length === 1) {
      payload = parts[0] as Uint8Array
    } else {
      // The pieces add up to exactly `bodyLength` bytes: every byte is written, none needs zeroing first.
      payload = allocFilled(this.bodyLength)
      let o = 0
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i] as Uint8Array
        payload.set(p, o)
        o += p.length
      }
    }
    this.reset()
    return payload
  }

  private reset(): void {
    this.body = undefined
    this.parts = []
    this.tail = undefined
    this.tailFill = 0
    this.bodyLength = -1
    this.bodyFill = 0
    this.lead0 = -1
    this.lead1 = -1
    this.asPieces = false
  }

  private fail(length: number): never {
    this.reset()
    this.headerFill = 0
    this.failure = new CodecError(
      'ERR_FRAME_TOO_LARGE',
      `frame declares ${length} bytes, over the limit of ${this.maxMessageSize}`,
      { length, maxMessageSize: this.maxMessageSize },
    )
    throw this.failure
  }
}

function readLength(b: Uint8Array, pos: number): number {
  return (
    (b[pos] as number) * 0x100_0000 +
    (((b[pos + 1] as number) << 16) | ((b[pos + 2] as number) << 8) | (b[pos + 3] as number))
  )
}

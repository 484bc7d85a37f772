import { CodecError } from '../errors'
import { LIMITS } from '../limits'
import { FRAME_HEADER_BYTES, type FrameOptions } from './frame'

/** Options of {@link FrameDecoder} and `MessageFrameDecoder`: the frame size limit (see {@link FrameOptions}). */
export type FrameDecoderOptions = FrameOptions

/** First capacity of a frame body assembled across chunks; it then doubles as bytes arrive. */
const INITIAL_BODY_CAPACITY = 64 * 1024

/**
 * Splits a byte stream into frame payloads (4-byte big-endian length + payload), whatever the chunking:
 * one byte at a time, many frames per chunk, or a frame across many chunks.
 *
 * Memory follows what the peer actually sent, not what it declared: a frame spanning chunks is assembled
 * in a buffer that starts at 64 KiB and doubles up to the declared length (each byte is copied about twice
 * at most, and a 4 MB frame in 64 KiB pieces costs no quadratic concatenation). A frame that arrives whole
 * within one chunk is returned as a view of that chunk, without copying: do not reuse chunk buffers you
 * pushed while their payloads are in use. After an error the decoder stays failed and rethrows it.
 */
export class FrameDecoder {
  /** The payload limit in force. */
  readonly maxMessageSize: number
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES)
  private headerFill = 0
  private body: Uint8Array | undefined
  private bodyLength = -1
  private bodyFill = 0
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

  /** Bytes received and held for the frame in progress (its header and body so far). */
  get bufferedBytes(): number {
    return this.headerFill + this.bodyFill
  }

  /**
   * Feeds the next piece of the stream and returns the payloads of the frames it completes, in order.
   * Throws `ERR_FRAME_TOO_LARGE` when a header declares more than `maxMessageSize`.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failure !== undefined) throw this.failure
    if (!(chunk instanceof Uint8Array)) {
      throw new CodecError('ERR_MALFORMED', 'FrameDecoder.push expects a Uint8Array', {
        reason: 'not a Uint8Array',
      })
    }
    const out: Uint8Array[] = []
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
        this.body = new Uint8Array(Math.min(length, Math.max(INITIAL_BODY_CAPACITY, n - pos)))
      }
      const take = Math.min(this.bodyLength - this.bodyFill, n - pos)
      this.append(chunk.subarray(pos, pos + take))
      pos += take
      if (this.bodyFill === this.bodyLength) {
        out.push(this.body as Uint8Array)
        this.body = undefined
        this.bodyLength = -1
        this.bodyFill = 0
      }
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

  private append(piece: Uint8Array): void {
    let body = this.body as Uint8Array
    const need = this.bodyFill + piece.length
    if (need > body.length) {
      const grown = new Uint8Array(Math.min(this.bodyLength, Math.max(need, body.length * 2)))
      grown.set(body.subarray(0, this.bodyFill))
      this.body = body = grown
    }
    body.set(piece, this.bodyFill)
    this.bodyFill = need
  }

  private fail(length: number): never {
    this.body = undefined
    this.bodyLength = -1
    this.bodyFill = 0
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

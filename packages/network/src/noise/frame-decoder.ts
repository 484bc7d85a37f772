import { NoiseError } from './errors'

/** Size of the big-endian length prefix in front of every Noise message on the wire. */
export const LENGTH_PREFIX = 2

const EMPTY = Buffer.alloc(0)

/**
 * Splits a byte stream into 2-byte-length-prefixed frames without copying: incoming chunks are kept in a list
 * and a frame body is returned as slices of them. Only the pieces asked for contiguously (the 16-byte tag, a
 * length prefix split across chunks) are ever copied. Holds nothing when idle.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = []
  /** Bytes of `chunks[0]` already consumed. */
  private offset = 0
  private buffered = 0
  /** Length of the frame whose prefix was consumed, or -1 before the prefix. */
  private current = -1

  /** Bytes buffered and not yet consumed (the current frame's body counts, its prefix does not). */
  get bufferedBytes(): number {
    return this.buffered
  }

  /** True while part of a frame (a prefix byte or a body) is buffered. */
  get inFrame(): boolean {
    return this.current >= 0 || this.buffered > 0
  }

  /** Appends a chunk received from the wire. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /**
   * The length of the next frame once its whole body is buffered, else undefined. A length outside
   * [min, max] throws `ERR_NOISE_FRAME` as soon as the prefix arrives, before the body is waited for.
   * Consume the body with {@link take} / {@link takeContiguous}, then call {@link frameDone}.
   */
  nextFrame(min: number, max: number): number | undefined {
    if (this.current < 0) {
      if (this.buffered < LENGTH_PREFIX) return undefined
      const prefix = this.takeContiguous(LENGTH_PREFIX)
      const length = ((prefix[0] as number) << 8) | (prefix[1] as number)
      if (length < min || length > max) {
        throw new NoiseError('ERR_NOISE_FRAME', 'Noise frame length out of bounds', { length, min, max })
      }
      this.current = length
    }
    return this.buffered >= this.current ? this.current : undefined
  }

  /** Marks the current frame consumed. */
  frameDone(): void {
    this.current = -1
  }

  /** Consumes `n` buffered bytes as slices of the received chunks. */
  take(n: number): Buffer[] {
    const out: Buffer[] = []
    while (n > 0) {
      const head = this.chunks[0] as Buffer
      const available = head.length - this.offset
      if (available > n) {
        out.push(head.subarray(this.offset, this.offset + n))
        this.offset += n
        this.buffered -= n
        return out
      }
      out.push(this.offset === 0 ? head : head.subarray(this.offset))
      this.chunks.shift()
      this.offset = 0
      this.buffered -= available
      n -= available
    }
    return out
  }

  /** Consumes `n` buffered bytes as one buffer; copies only when they straddle chunks. */
  takeContiguous(n: number): Buffer {
    if (n === 0) return EMPTY
    const head = this.chunks[0] as Buffer
    if (head.length - this.offset >= n) {
      const out = head.subarray(this.offset, this.offset + n)
      this.offset += n
      this.buffered -= n
      if (this.offset === head.length) {
        this.chunks.shift()
        this.offset = 0
      }
      return out
    }
    return Buffer.concat(this.take(n), n)
  }

  /**
   * Hands over everything buffered, as the byte stream it came from (a frame whose prefix was already
   * consumed gets it back in front), and empties the decoder: for a reader taking over the stream.
   */
  drain(): Buffer[] {
    const out: Buffer[] = []
    if (this.current >= 0) out.push(Buffer.from([this.current >> 8, this.current & 0xff]))
    if (this.buffered > 0) out.push(...this.take(this.buffered))
    this.clear()
    return out
  }

  /** Drops everything buffered. */
  clear(): void {
    this.chunks.length = 0
    this.offset = 0
    this.buffered = 0
    this.current = -1
  }
}

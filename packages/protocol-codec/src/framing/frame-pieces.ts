import { allocFilled } from '../codec/alloc'

/**
 * A frame payload held as the pieces it arrived in, not joined into one array: what `FrameDecoder.pushFrames`
 * returns for a large `chunk` frame (see there). The pieces are views of the chunks pushed into the decoder
 * (in chainwire's network, node:crypto's fresh plaintext buffers); they stay valid as long as this object is
 * referenced, like a joined payload would. Read-only by contract: do not write into the pieces.
 */
export class FramePieces {
  /** The pieces, in stream order; their lengths add up to {@link length}. */
  readonly pieces: readonly Uint8Array[]
  /** The payload's length in bytes. */
  readonly length: number

  constructor(pieces: readonly Uint8Array[], length: number) {
    this.pieces = pieces
    this.length = length
  }

  /**
   * Copies bytes `[start, end)` of the payload into `target` at `offset`, straight from the pieces.
   * Throws a `RangeError` when the range is outside the payload or does not fit the target.
   */
  copyTo(target: Uint8Array, offset = 0, start = 0, end: number = this.length): void {
    if (
      !(start >= 0 && start <= end && end <= this.length) ||
      !(offset >= 0 && offset + end - start <= target.length)
    ) {
      throw new RangeError('FramePieces.copyTo: range outside the payload or the target')
    }
    let at = 0
    let o = offset
    for (const p of this.pieces) {
      const n = p.length
      if (at + n > start) {
        const from = start > at ? start - at : 0
        const to = end < at + n ? end - at : n
        target.set(from === 0 && to === n ? p : p.subarray(from, to), o)
        o += to - from
      }
      at += n
      if (at >= end) break
    }
  }

  /**
   * Bytes `[start, end)` of the payload as one array: a view of a piece when they lie within one (no copy),
   * otherwise a fresh array they are copied into.
   */
  bytes(start = 0, end: number = this.length): Uint8Array {
    if (!(start >= 0 && start <= end && end <= this.length)) {
      throw new RangeError('FramePieces.bytes: range outside the payload')
    }
    let at = 0
    for (const p of this.pieces) {
      const n = p.length
      if (start < at + n) {
        if (end <= at + n) return p.subarray(start - at, end - at)
        break
      }
      at += n
    }
    if (start === end) return new Uint8Array(0)
    const out = allocFilled(end - start)
    this.copyTo(out, 0, start, end)
    return out
  }
}

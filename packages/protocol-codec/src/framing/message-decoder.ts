import type { Message } from '../catalog/catalog'
import { decode } from '../codec/msgpack'
import { CodecError } from '../errors'
import { FrameDecoder, type FrameDecoderOptions } from './frame-decoder'

/**
 * One frame read by {@link MessageFrameDecoder}: the decoded message, or the typed reason it was refused.
 * `size` is the frame's payload length (for byte-based rate limits and scoring).
 */
export type DecodedFrame =
  | { readonly ok: true; readonly message: Message; readonly size: number }
  | { readonly ok: false; readonly error: CodecError; readonly size: number }

/**
 * A {@link FrameDecoder} that also decodes each payload. A payload that is not a valid message does not
 * stop the stream (DESIGN.md §6: a bad message is ignored and counted, or penalised): it comes back as
 * `{ ok: false, error }` between the good ones. Framing errors (`ERR_FRAME_TOO_LARGE`) still throw,
 * since the stream cannot be resynchronised after them.
 */
export class MessageFrameDecoder {
  private readonly frames: FrameDecoder

  constructor(options: FrameDecoderOptions = {}) {
    this.frames = new FrameDecoder(options)
  }

  /** The payload limit in force. */
  get maxMessageSize(): number {
    return this.frames.maxMessageSize
  }

  /** Bytes held for the frame in progress. */
  get bufferedBytes(): number {
    return this.frames.bufferedBytes
  }

  /**
   * Feeds the next piece of the stream; returns the frames it completes, decoded, in order. A large `chunk`
   * is decoded from the pieces its frame arrived in, without joining them (see `FrameDecoder.pushFrames`).
   */
  push(chunk: Uint8Array): DecodedFrame[] {
    return this.frames.pushFrames(chunk).map((payload) => {
      try {
        return { ok: true, message: decode(payload), size: payload.length }
      } catch (err) {
        const error = CodecError.isInstance(err)
          ? (err as CodecError)
          : new CodecError('ERR_MALFORMED', 'message could not be decoded', {}, { cause: err })
        return { ok: false, error, size: payload.length }
      }
    })
  }

  /** Declares the end of the stream: throws `ERR_TRUNCATED` if it stopped inside a frame. */
  end(): void {
    this.frames.end()
  }
}

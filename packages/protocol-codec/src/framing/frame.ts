import type { Message } from '../catalog/catalog'
import { encodeEnvelope, encodeEnvelopeParts } from '../codec/msgpack'
import { CodecError } from '../errors'
import { LIMITS } from '../limits'

/** Bytes of the frame header: the payload length as an unsigned 32-bit big-endian integer. */
export const FRAME_HEADER_BYTES = 4

/** The frame size limit, shared by the encoders and {@link FrameDecoder}. */
export interface FrameOptions {
  /**
   * Largest frame payload, in bytes (at most 2^32 - 1). A decoder fails the stream with
   * `ERR_FRAME_TOO_LARGE` when a header declares more, before anything is allocated for it; an encoder
   * refuses to build such a frame.
   * @default 4_000_000
   */
  maxMessageSize?: number
}

/**
 * Encodes a message as one frame: a 4-byte big-endian payload length, then the msgpack envelope (see
 * `encode`). Written in one pass with the header space reserved, so the envelope is not copied again.
 * Pass the peer's `maxMessageSize` in `options` to refuse (`ERR_FRAME_TOO_LARGE`) a frame it would refuse; the
 * catalog's per-type maximum (never above 4,000,000 bytes) applies in any case.
 */
export function encodeFrame(msg: Message, options: FrameOptions = {}): Uint8Array {
  const out = encodeEnvelope(msg, FRAME_HEADER_BYTES, options.maxMessageSize ?? LIMITS.maxMessageSize)
  new DataView(out.buffer, out.byteOffset, FRAME_HEADER_BYTES).setUint32(0, out.length - FRAME_HEADER_BYTES)
  return out
}

/**
 * {@link encodeFrame} without copying large byte fields: the frame as pieces whose concatenation is exactly
 * `encodeFrame(msg, options)`. Byte strings of 8 KiB or more (a block, a chunk payload) are the caller's own
 * arrays, referenced, not copied; everything else is one fresh buffer that the other pieces are views of. The
 * first piece starts with the 4-byte header. For senders that write pieces out (a socket's `writev`, a cipher
 * fed piece by piece): a 1 MiB payload then costs no allocation and no copy. The referenced arrays must not
 * change until the pieces are written out.
 */
export function encodeFrameParts(msg: Message, options: FrameOptions = {}): Uint8Array[] {
  const parts = encodeEnvelopeParts(msg, FRAME_HEADER_BYTES, options.maxMessageSize ?? LIMITS.maxMessageSize)
  const head = parts[0] as Uint8Array
  new DataView(head.buffer, head.byteOffset, FRAME_HEADER_BYTES).setUint32(
    0,
    partsLength(parts) - FRAME_HEADER_BYTES,
  )
  return parts
}

/** Total bytes of `parts` (a frame from {@link encodeFrameParts}). */
export function partsLength(parts: readonly Uint8Array[]): number {
  let n = 0
  for (let i = 0; i < parts.length; i++) n += (parts[i] as Uint8Array).length
  return n
}

/**
 * Frames bytes that are already an encoded envelope (a relayed payload, a cached announcement). Throws
 * `ERR_FRAME_TOO_LARGE` above `options.maxMessageSize`.
 */
export function framePayload(payload: Uint8Array, options: FrameOptions = {}): Uint8Array {
  const maxMessageSize = options.maxMessageSize ?? LIMITS.maxMessageSize
  if (payload.length > maxMessageSize) {
    throw new CodecError(
      'ERR_FRAME_TOO_LARGE',
      `payload of ${payload.length} bytes is over ${maxMessageSize}`,
      {
        length: payload.length,
        maxMessageSize,
      },
    )
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length)
  new DataView(out.buffer).setUint32(0, payload.length)
  out.set(payload, FRAME_HEADER_BYTES)
  return out
}

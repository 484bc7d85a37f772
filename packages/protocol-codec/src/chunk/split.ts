import { randomInt } from 'node:crypto'
import type { MessageOf } from '../catalog/catalog'
import { chunkCount, chunkLength } from '../catalog/status'
import { CodecError } from '../errors'
import { LIMITS } from '../limits'
import { sha256 } from './digest'

/** Default bytes per chunk: small enough to interleave with other traffic in a 1 MB send queue. */
export const DEFAULT_CHUNK_SIZE = 262_144

/** Options of {@link splitIntoChunks}. */
export interface SplitOptions {
  /** Bytes per chunk (the last one carries the remainder), 1 to `LIMITS.maxChunkBytes`. @default 262_144 */
  chunkSize?: number
  /**
   * Id of the transfer (u32), unique among the sender's transfers in flight on the connection.
   * @default a random u32
   */
  transferId?: number
}

/**
 * Splits a payload too large for one message (such as an encoded envelope beyond `LIMITS.maxMessageSize`)
 * into `chunk` messages, ready to `encode` and send in order. Every chunk carries the transfer's id, its
 * index, the chunk count, the total length, the chunk size and the payload's SHA-256; the chunk bytes are
 * views of `payload`, not copies. Reassemble with `ChunkReassembler`.
 */
export function splitIntoChunks(payload: Uint8Array, options: SplitOptions = {}): MessageOf<'chunk'>[] {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  const transferId = options.transferId ?? randomInt(0x1_0000_0000)
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > LIMITS.maxChunkBytes) {
    throw new CodecError(
      'ERR_INVALID_OPTIONS',
      `chunkSize must be an integer in [1, ${LIMITS.maxChunkBytes}]`,
      {
        option: 'chunkSize',
        value: chunkSize,
      },
    )
  }
  if (!Number.isInteger(transferId) || transferId < 0 || transferId > 0xffff_ffff) {
    throw new CodecError('ERR_INVALID_OPTIONS', 'transferId must be a u32', {
      option: 'transferId',
      value: transferId,
    })
  }
  if (!(payload instanceof Uint8Array)) {
    throw new CodecError('ERR_INVALID_OPTIONS', 'payload must be a Uint8Array', { option: 'payload' })
  }
  const totalLength = payload.length
  if (totalLength > LIMITS.maxChunkedPayloadBytes) {
    throw new CodecError(
      'ERR_CHUNK_TOO_LARGE',
      `payload of ${totalLength} bytes is over ${LIMITS.maxChunkedPayloadBytes}`,
      { totalLength, maxPayloadBytes: LIMITS.maxChunkedPayloadBytes },
    )
  }
  const total = chunkCount(totalLength, chunkSize)
  const digest = sha256(payload)
  const out: MessageOf<'chunk'>[] = new Array(total)
  for (let index = 0; index < total; index++) {
    const start = index * chunkSize
    const bytes = payload.subarray(start, start + chunkLength(index, total, totalLength, chunkSize))
    out[index] = { type: 'chunk', data: { transferId, index, total, totalLength, chunkSize, digest, bytes } }
  }
  return out
}

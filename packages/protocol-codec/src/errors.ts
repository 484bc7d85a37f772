import { ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link CodecError}; tests and callers branch on these, never on messages. */
export type CodecErrorCode =
  /** A frame header declares a length above `maxMessageSize`; nothing was allocated for it. */
  | 'ERR_FRAME_TOO_LARGE'
  /** The envelope's type code (or the JSON `type` name) is not in the catalog. */
  | 'ERR_UNKNOWN_TYPE'
  /** Well-formed msgpack or JSON whose envelope or data breaks the message's schema or a semantic limit. */
  | 'ERR_SCHEMA'
  /** The bytes end before the value they started is complete (or a stream ended inside a frame). */
  | 'ERR_TRUNCATED'
  /** Not msgpack (or not JSON), or msgpack using types chainwire never sends: maps, extensions, records. */
  | 'ERR_MALFORMED'
  /** An envelope is larger than the maximum encoded size of its message type. */
  | 'ERR_MESSAGE_TOO_LARGE'
  /** A chunk disagrees with earlier chunks of its transfer (total, length, chunk size or digest). */
  | 'ERR_CHUNK_INCONSISTENT'
  /** A chunk index arrived twice for the same transfer. */
  | 'ERR_CHUNK_DUPLICATE'
  /** A chunk index is not below the transfer's chunk count, or its length does not fit its position. */
  | 'ERR_CHUNK_OUT_OF_RANGE'
  /** A transfer declares more bytes than the reassembler accepts for one payload. */
  | 'ERR_CHUNK_TOO_LARGE'
  /** Accepting a new transfer would exceed the reassembler's transfer count or byte budget. */
  | 'ERR_CHUNK_LIMIT'
  /** A reassembled payload does not hash to the digest its chunks announced. */
  | 'ERR_CHUNK_DIGEST'
  /** An option passed to a constructor or function is out of range. */
  | 'ERR_INVALID_OPTIONS'

/**
 * Every error protocol-codec throws. Decoding any bytes yields a valid message or a `CodecError`, never
 * another exception; `details` carries the message type, the failing field path and the limits involved.
 */
export class CodecError extends ChainwireError<CodecErrorCode> {}

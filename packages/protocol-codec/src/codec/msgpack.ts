import { Unpackr } from 'msgpackr'
import { type CompiledEntry, entryOfCode, entryOfType, type Message } from '../catalog/catalog'
import {
  type ChunkData,
  chunkBytesLengthAllowed,
  chunkFields,
  chunkInPieces,
  chunkShapeProblem,
} from '../catalog/status'
import { CodecError } from '../errors'
import { FramePieces } from '../framing/frame-pieces'
import { LIMITS } from '../limits'
import { checkId, tooLarge, unknownTypeName } from './envelope'
import { asCodecError, schemaError } from './errors'
import { checkEnvelope } from './guard'
import { acquireWriter, type MsgpackWriter, WriteLimitExceeded } from './writer'

/**
 * msgpackr reads only what {@link checkEnvelope} let through (no maps, extensions or records, and only
 * values of the shape of the message type's schema), so these
 * options mostly pin down what it returns: 64-bit integers up to 2^53 as numbers and larger ones as
 * bigints, byte strings as views into the input (which is always a plain `Uint8Array` here, so they are
 * `Uint8Array`s, never `Buffer`s).
 */
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  copyBuffers: false,
  // 'auto' (numbers up to 2^53, bigints above) is supported by msgpackr but missing from its typings
  int64AsType: 'auto' as 'bigint',
})

function lookup(msg: unknown): [CompiledEntry, Record<string, unknown>] {
  if (typeof msg !== 'object' || msg === null) {
    throw new CodecError('ERR_SCHEMA', 'a message is an object { type, id?, data }', { path: '' })
  }
  const m = msg as Record<string, unknown>
  const entry = entryOfType(m.type)
  if (entry === undefined) throw unknownTypeName(m.type)
  return [entry, m]
}

/**
 * Encodes a message into its envelope, after `reserve` zeroed bytes (room for a frame header), refusing
 * envelopes over `frameLimit` with `ERR_FRAME_TOO_LARGE`. Internal: `encode` and `encodeFrame` are the
 * public forms.
 */
export function encodeEnvelope(
  msg: Message,
  reserve: number,
  frameLimit = Number.POSITIVE_INFINITY,
): Uint8Array {
  try {
    return writeEnvelope(msg, reserve, frameLimit, (w) => w.finish())
  } catch (err) {
    throw asCodecError(err, 'ERR_SCHEMA', 'the message could not be read')
  }
}

/**
 * {@link encodeEnvelope} as pieces: byte strings of 8 KiB or more are referenced, not copied (see
 * `MsgpackWriter.finishParts`). Internal: `encodeFrameParts` is the public form.
 */
export function encodeEnvelopeParts(
  msg: Message,
  reserve: number,
  frameLimit = Number.POSITIVE_INFINITY,
): Uint8Array[] {
  try {
    return writeEnvelope(msg, reserve, frameLimit, (w) => w.finishParts())
  } catch (err) {
    throw asCodecError(err, 'ERR_SCHEMA', 'the message could not be read')
  }
}

function writeEnvelope<T>(
  msg: Message,
  reserve: number,
  frameLimit: number,
  finish: (writer: MsgpackWriter) => T,
): T {
  const [entry, m] = lookup(msg)
  const id = checkId(entry.type, m.id)
  let wire: unknown
  try {
    wire = entry.schema.toWire(m.data)
  } catch (err) {
    throw schemaError(entry.type, err)
  }
  const writer = acquireWriter()
  const limit = Math.min(entry.maxSize, frameLimit)
  try {
    writer.begin(reserve, reserve + limit)
    writer.writeArrayHeader(3)
    writer.writeNumber(entry.code)
    if (id === undefined) writer.write(null)
    else writer.writeNumber(id)
    writer.write(wire)
    return finish(writer)
  } catch (err) {
    writer.abort()
    if (err instanceof WriteLimitExceeded) {
      if (limit === entry.maxSize) throw tooLarge(entry.type, err.size - reserve, entry.maxSize)
      throw new CodecError(
        'ERR_FRAME_TOO_LARGE',
        `${entry.type}: envelope is over the frame limit of ${limit}`,
        {
          type: entry.type,
          maxMessageSize: limit,
        },
      )
    }
    throw new CodecError(
      'ERR_SCHEMA',
      `${entry.type}: could not be written`,
      { type: entry.type },
      { cause: err },
    )
  }
}

/**
 * Encodes a message as a msgpack envelope `[code, id | nil, data]` (see the README's wire format). The data
 * is validated against the catalog first: throws `CodecError` with `ERR_UNKNOWN_TYPE`, `ERR_SCHEMA` (with
 * the failing field's path) or `ERR_MESSAGE_TOO_LARGE`. The result is a fresh `Uint8Array`.
 */
export function encode(msg: Message): Uint8Array {
  return encodeEnvelope(msg, 0)
}

/**
 * Decodes one msgpack envelope into a validated message. Any input yields a message or throws a
 * `CodecError` (`ERR_TRUNCATED`, `ERR_MALFORMED`, `ERR_UNKNOWN_TYPE`, `ERR_MESSAGE_TOO_LARGE`,
 * `ERR_SCHEMA`), never another exception. Byte fields of the result are views into `bytes`: do not reuse
 * the input buffer while the message is alive, and copy (`.slice()`) small fields you keep for long.
 *
 * `bytes` may also be a frame in pieces (`FrameDecoder.pushFrames`). A well-formed `chunk` is then decoded
 * without joining them: its `bytes` stand for the pieces (see `ChunkData`), and the pieces stay referenced
 * as long as the message is. Anything else in pieces is joined and decoded as one array; the result, or the
 * error, is always the one the joined frame gives.
 */
export function decode(bytes: Uint8Array | FramePieces): Message {
  if (bytes instanceof FramePieces) return chunkOfPieces(bytes) ?? decode(bytes.bytes())
  try {
    return readEnvelope(bytes)
  } catch (err) {
    throw asCodecError(err, 'ERR_MALFORMED', 'the input could not be read')
  }
}

/**
 * The longest head (envelope, id, the chunk's fields before its bytes, and the bytes' bin header) looked at
 * in a frame in pieces. chainwire writes it in at most 72 bytes; one in longer forms is joined and decoded
 * as one array.
 */
const CHUNK_HEAD_MAX = 128
const CHUNK_CODE = entryOfType('chunk')?.code as number

/**
 * A `chunk` frame in pieces decoded without joining them, or `undefined` when it is anything else, or not
 * well-formed (then `decode` of the joined frame gives the same answer as ever, or the precise error).
 *
 * The chunk's bytes are its last value, so the frame is `head, bin header, payload` with the payload
 * running to its end. For a bin header at `h` whose length takes the payload exactly to the end, the head
 * is checked as the envelope `head, bin of 0 bytes` by the ordinary path (`checkEnvelope`, msgpackr, the
 * field schemas). Where that envelope is valid, its last value, an empty bin, can only be the two bytes
 * written at `h` (the three- and five-byte forms would need a zero at `h`), so every value before it lies
 * in the head and reads the same in the frame; the frame is then the same message with the payload as its
 * bytes, and what is left to check is what depends on their length: the sizes, the bytes' bounds and the
 * cross-field rule, each checked here as `decode` checks them.
 */
function chunkOfPieces(frame: FramePieces): Message | undefined {
  const size = frame.length
  if (size < 3 || size > LIMITS.maxMessageSize) return undefined
  const headLength = Math.min(size, CHUNK_HEAD_MAX)
  const head = frame.bytes(0, headLength)
  if (head[0] !== 0x93 || head[1] !== CHUNK_CODE) return undefined
  for (let h = headLength - 2; h > 2; h--) {
    const t = head[h] as number
    const headerBytes = t === 0xc4 ? 2 : t === 0xc5 ? 3 : t === 0xc6 ? 5 : 0
    if (headerBytes === 0 || h + headerBytes > headLength) continue
    const length =
      t === 0xc4
        ? (head[h + 1] as number)
        : t === 0xc5
          ? ((head[h + 1] as number) << 8) | (head[h + 2] as number)
          : (head[h + 1] as number) * 0x100_0000 +
            (((head[h + 2] as number) << 16) | ((head[h + 3] as number) << 8) | (head[h + 4] as number))
    if (h + headerBytes + length !== size) continue
    const message = chunkOfHead(head, h, frame, h + headerBytes, length)
    if (message !== undefined) return message
  }
  return undefined
}

function chunkOfHead(
  head: Uint8Array,
  h: number,
  frame: FramePieces,
  start: number,
  length: number,
): Message | undefined {
  const stand = new Uint8Array(h + 2)
  stand.set(head.subarray(0, h))
  stand[h] = 0xc4
  stand[h + 1] = 0
  let data: ChunkData
  let id: number | undefined
  try {
    const entry = checkEnvelope(stand)
    if (entry.code !== CHUNK_CODE || frame.length > entry.maxSize) return undefined
    const wire = unpackr.unpack(stand) as unknown[]
    id = checkId(entry.type, wire[1])
    const fields = chunkFields.fromWire(wire[2])
    if (fields.bytes.length !== 0 || !chunkBytesLengthAllowed(length)) return undefined
    data = chunkInPieces(fields, frame, start, length)
    if (chunkShapeProblem(data) !== undefined) return undefined
  } catch {
    return undefined
  }
  return (id === undefined ? { type: 'chunk', data } : { type: 'chunk', id, data }) as Message
}

function readEnvelope(bytes: Uint8Array): Message {
  if (!(bytes instanceof Uint8Array)) {
    throw new CodecError('ERR_MALFORMED', 'decode expects a Uint8Array', { reason: 'not a Uint8Array' })
  }
  const size = bytes.length
  if (size > LIMITS.maxMessageSize) throw tooLarge('message', size, LIMITS.maxMessageSize)
  // Reject an oversized message of a known type before parsing anything.
  if (size > 2 && bytes[0] === 0x93) {
    const early = entryOfCode(bytes[1] as number)
    if (early !== undefined && size > early.maxSize) throw tooLarge(early.type, size, early.maxSize)
  }
  // A plain Uint8Array view: msgpackr then returns Uint8Array (not Buffer) byte fields, and caches its
  // DataView on our view rather than on the caller's object.
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, size)
  const entry = checkEnvelope(view)
  let wire: unknown[]
  try {
    wire = unpackr.unpack(view) as unknown[]
  } catch (err) {
    throw new CodecError(
      'ERR_MALFORMED',
      'msgpack could not be decoded',
      { reason: 'msgpackr' },
      { cause: err },
    )
  }
  // checkEnvelope has seen an array of three: a known type code, nil or a u32, and data of the right shape
  const id = checkId(entry.type, wire[1])
  let data: unknown
  try {
    data = entry.schema.fromWire(wire[2])
  } catch (err) {
    throw schemaError(entry.type, err)
  }
  return (id === undefined ? { type: entry.type, data } : { type: entry.type, id, data }) as Message
}

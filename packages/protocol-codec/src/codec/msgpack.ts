import { Unpackr } from 'msgpackr'
import { type CompiledEntry, entryOfCode, entryOfType, type Message } from '../catalog/catalog'
import { CodecError } from '../errors'
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
 */
export function decode(bytes: Uint8Array): Message {
  try {
    return readEnvelope(bytes)
  } catch (err) {
    throw asCodecError(err, 'ERR_MALFORMED', 'the input could not be read')
  }
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

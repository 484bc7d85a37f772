import type { Message, MessageType } from '../catalog/catalog'
import { entryOfType, MAX_ENVELOPE_DEPTH } from '../catalog/catalog'
import { CodecError } from '../errors'
import { LIMITS } from '../limits'
import { text, uintSafe } from '../schema'
import { checkId, unknownTypeName } from './envelope'
import { asCodecError, schemaError } from './errors'
import { checkJsonNesting } from './json-guard'

/**
 * Annotations the JSON view can carry around a message for logs, debugging tools and the node's API: who
 * sent it, who received it and when. They are not part of the msgpack wire envelope.
 */
export interface JsonMeta {
  /** Sender (a peer id, or any label up to 256 bytes). */
  from?: string
  /** Receiver (a peer id, or any label up to 256 bytes). */
  to?: string
  /** When it was sent or received, in ms since the epoch. */
  timestamp?: number
}

/**
 * The JSON view of a message: `{ type, id?, from?, to?, timestamp?, data }` with the type's name, byte
 * fields as lowercase hex, 64-bit and larger integers as decimal strings, enums by name and absent optional
 * fields omitted.
 */
export interface JsonEnvelope extends JsonMeta {
  type: MessageType
  id?: number
  data: unknown
}

/** Options of {@link jsonCodec}'s `decode`. */
export interface JsonDecodeOptions {
  /** Longest JSON text accepted, in UTF-16 code units. @default 16_000_000 */
  maxLength?: number
}

const label = text(LIMITS.maxTextBytes)
const ENVELOPE_KEYS = new Set(['type', 'id', 'from', 'to', 'timestamp', 'data'])

/** Renders a message (validated like `encode`) as its JSON view; `meta` adds from/to/timestamp. */
export function toJSON(msg: Message, meta: JsonMeta = {}): JsonEnvelope {
  try {
    return renderJson(msg, meta)
  } catch (err) {
    throw asCodecError(err, 'ERR_SCHEMA', 'the message could not be read')
  }
}

function renderJson(msg: Message, meta: JsonMeta): JsonEnvelope {
  if (typeof msg !== 'object' || msg === null) {
    throw new CodecError('ERR_SCHEMA', 'a message is an object { type, id?, data }', { path: '' })
  }
  const entry = entryOfType(msg.type)
  if (entry === undefined) throw unknownTypeName(msg.type)
  const id = checkId(entry.type, msg.id)
  const head: Omit<JsonEnvelope, 'data'> = { type: entry.type }
  if (id !== undefined) head.id = id
  try {
    if (meta.from !== undefined) head.from = label.toJson(meta.from) as string
    if (meta.to !== undefined) head.to = label.toJson(meta.to) as string
    if (meta.timestamp !== undefined) head.timestamp = uintSafe.toJson(meta.timestamp) as number
  } catch (err) {
    throw schemaError(entry.type, err, 'meta')
  }
  let data: unknown
  try {
    data = entry.schema.toJson(msg.data)
  } catch (err) {
    throw schemaError(entry.type, err)
  }
  const out: JsonEnvelope = { ...head, data }
  return out
}

/**
 * Reads a JSON view (a parsed object) back into a validated message and its annotations. Unknown keys are
 * rejected; throws `CodecError` (`ERR_UNKNOWN_TYPE`, `ERR_SCHEMA`). It looks into the value only as deep as
 * the message's schema goes, so a deeply nested (or cyclic) value is refused where the schema expects
 * something else, never by exhausting the stack.
 */
export function readJsonEnvelope(json: unknown): { message: Message; meta: JsonMeta } {
  try {
    return parseEnvelope(json)
  } catch (err) {
    throw asCodecError(err, 'ERR_SCHEMA', 'the JSON envelope could not be read')
  }
}

function parseEnvelope(json: unknown): { message: Message; meta: JsonMeta } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CodecError('ERR_SCHEMA', 'a JSON envelope is an object { type, data, ... }', { path: '' })
  }
  const j = json as Record<string, unknown>
  const entry = entryOfType(j.type)
  if (entry === undefined) throw unknownTypeName(j.type)
  for (const key of Object.keys(j)) {
    if (!ENVELOPE_KEYS.has(key)) {
      throw new CodecError('ERR_SCHEMA', `${entry.type}: ${key}: unknown field`, {
        type: entry.type,
        path: key,
        reason: 'unknown field',
      })
    }
  }
  const id = checkId(entry.type, j.id)
  const meta: JsonMeta = {}
  try {
    if (j.from !== undefined) meta.from = label.fromJson(j.from)
    if (j.to !== undefined) meta.to = label.fromJson(j.to)
    if (j.timestamp !== undefined) meta.timestamp = uintSafe.fromJson(j.timestamp)
  } catch (err) {
    throw schemaError(entry.type, err, 'meta')
  }
  let data: unknown
  try {
    data = entry.schema.fromJson(j.data)
  } catch (err) {
    throw schemaError(entry.type, err)
  }
  const message = (id === undefined ? { type: entry.type, data } : { type: entry.type, id, data }) as Message
  return { message, meta }
}

/** Reads a JSON view (a parsed object) back into a validated message; see {@link readJsonEnvelope}. */
export function fromJSON(json: unknown): Message {
  return readJsonEnvelope(json).message
}

function parse(textValue: string, options: JsonDecodeOptions): unknown {
  const maxLength = options.maxLength ?? 16_000_000
  if (typeof textValue !== 'string') {
    throw new CodecError('ERR_MALFORMED', 'JSON decode expects a string', { reason: 'not a string' })
  }
  if (textValue.length > maxLength) {
    throw new CodecError(
      'ERR_MESSAGE_TOO_LARGE',
      `JSON text of ${textValue.length} characters is over ${maxLength}`,
      {
        size: textValue.length,
        maxSize: maxLength,
      },
    )
  }
  checkJsonNesting(textValue, MAX_ENVELOPE_DEPTH)
  try {
    return JSON.parse(textValue)
  } catch (err) {
    throw new CodecError('ERR_MALFORMED', 'not valid JSON', { reason: 'JSON.parse' }, { cause: err })
  }
}

/**
 * The JSON text codec: the same messages as `encode`/`decode`, rendered human-readably for logs, debugging
 * tools and the node's API. It round-trips: `jsonCodec.decode(jsonCodec.encode(m))` equals `m`.
 */
export const jsonCodec = Object.freeze({
  /** Renders a message (and optional annotations) as JSON text. */
  encode(msg: Message, meta?: JsonMeta): string {
    return JSON.stringify(toJSON(msg, meta))
  },
  /**
   * Parses JSON text into a validated message. Text nesting objects and arrays deeper than any message of
   * the catalog is refused with `ERR_SCHEMA` before it is parsed.
   */
  decode(textValue: string, options: JsonDecodeOptions = {}): Message {
    return readJsonEnvelope(parse(textValue, options)).message
  },
  /** Parses JSON text into a validated message and its from/to/timestamp annotations. */
  decodeWithMeta(textValue: string, options: JsonDecodeOptions = {}): { message: Message; meta: JsonMeta } {
    return readJsonEnvelope(parse(textValue, options))
  },
})

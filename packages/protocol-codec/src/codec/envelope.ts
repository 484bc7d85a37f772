import { CodecError } from '../errors'

const MAX_U32 = 0xffff_ffff

/** The error of an envelope id that is not a u32. */
export function badId(type: string): CodecError {
  return new CodecError('ERR_SCHEMA', `${type}: id: expected an integer in [0, ${MAX_U32}]`, {
    type,
    path: 'id',
    reason: 'expected a u32',
  })
}

/** Validates an envelope id: absent, or a u32. */
export function checkId(type: string, id: unknown): number | undefined {
  if (id === undefined || id === null) return undefined
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_U32) throw badId(type)
  return id === 0 ? 0 : id
}

/** The error of an envelope larger than its type (or any message) may be. */
export function tooLarge(type: string, size: number, maxSize: number): CodecError {
  return new CodecError('ERR_MESSAGE_TOO_LARGE', `${type}: ${size} bytes is over its maximum of ${maxSize}`, {
    type,
    size,
    maxSize,
  })
}

/**
 * The error of a message or JSON envelope whose `type` is not a name of the catalog. The value is described
 * without converting objects to strings: `String()` of a deeply nested array recurses until the stack runs
 * out, and a caller's object may have its own `toString`.
 */
export function unknownTypeName(value: unknown): CodecError {
  const described =
    typeof value === 'object' && value !== null
      ? Array.isArray(value)
        ? 'an array'
        : 'an object'
      : typeof value === 'function'
        ? 'a function'
        : String(value).slice(0, 64)
  return new CodecError('ERR_UNKNOWN_TYPE', `unknown message type ${JSON.stringify(described)}`, {
    type: described,
  })
}

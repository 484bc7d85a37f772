import { CodecError, type CodecErrorCode } from '../errors'
import { formatPath, SchemaViolation } from '../schema'

/**
 * Turns whatever a schema threw into a CodecError: a SchemaViolation becomes `ERR_SCHEMA` with the path
 * under `data` (or under `prefix`), anything else (a throwing getter in a caller's object) `ERR_SCHEMA`
 * with the original as cause.
 */
export function schemaError(type: string, err: unknown, prefix = 'data'): CodecError {
  if (err instanceof CodecError) return err
  if (err instanceof SchemaViolation) {
    const path = formatPath([prefix, ...err.path])
    return new CodecError('ERR_SCHEMA', `${type}: ${path}: ${err.reason}`, { type, path, reason: err.reason })
  }
  return new CodecError(
    'ERR_SCHEMA',
    `${type}: ${prefix} could not be read`,
    { type, path: prefix },
    { cause: err },
  )
}

/**
 * Passes a CodecError through and wraps anything else (a throwing getter or Proxy trap in a caller's
 * object, a detached buffer) in one with `code`, so the public functions only ever throw CodecErrors.
 */
export function asCodecError(err: unknown, code: CodecErrorCode, message: string): CodecError {
  return CodecError.isInstance(err) ? (err as CodecError) : new CodecError(code, message, {}, { cause: err })
}

import { CodecError } from '../errors'
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

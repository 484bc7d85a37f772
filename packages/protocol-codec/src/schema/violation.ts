/**
 * A validation failure inside a schema, with the path to the failing field. Deliberately not an `Error`:
 * it is thrown and caught on hot paths (fuzzing, hostile peers) where capturing a stack trace would be pure
 * cost, and it never escapes the package: the codec turns it into a `CodecError` with code `ERR_SCHEMA`.
 */
export class SchemaViolation {
  /** Field names and array indexes from the message data down to the failing value. */
  readonly path: (string | number)[] = []

  constructor(readonly reason: string) {}
}

/** Throws a {@link SchemaViolation} for the value being checked. */
export function fail(reason: string): never {
  throw new SchemaViolation(reason)
}

/** Prefixes a caught violation's path with `key` (the field or index it happened under) and returns it. */
export function within(err: unknown, key: string | number): unknown {
  if (err instanceof SchemaViolation) err.path.unshift(key)
  return err
}

/** Renders a violation path as `block.transactions[3].from` (empty string for the data itself). */
export function formatPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`
  return out
}

/** Throws a {@link SchemaViolation} for the field or element `key` of the value being checked. */
export function failAt(key: string | number, reason: string): never {
  const violation = new SchemaViolation(reason)
  violation.path.push(key)
  throw violation
}

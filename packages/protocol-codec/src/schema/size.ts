import type { AnySchema, Desc } from './schema'

/** Longest msgpack header of a str, bin or array (the 32-bit forms). */
const HEADER = 5
/** Longest msgpack integer or float (type byte and 8 bytes). */
const NUMBER = 9

/**
 * An upper bound on the msgpack size of any value the schema accepts, however the encoder chose its integer
 * and length headers (not only the shortest forms chainwire writes). It bounds the per-type maximum
 * message size, so a peer's valid message is never refused for using another msgpack library.
 */
export function maxWireSize(schema: AnySchema): number {
  const d: Desc = schema.desc
  switch (d.kind) {
    case 'uint':
    case 'u64':
    case 'enum':
      return NUMBER
    case 'u256':
      return HEADER + 32
    case 'bool':
      return 1
    case 'bytes':
      return HEADER + d.max
    case 'string':
      return HEADER + d.maxBytes
    case 'array':
      return HEADER + d.max * maxWireSize(d.of)
    case 'struct':
      return d.fields.reduce((sum, f) => sum + maxWireSize(f.schema), HEADER)
    case 'union':
      return HEADER + NUMBER + Math.max(...d.variants.map((v) => maxWireSize(v.schema) - HEADER))
  }
}

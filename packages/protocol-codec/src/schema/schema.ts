/** The text formats a string field can have; each has its own validator in `strings.ts`. */
export type StringFormat = 'text' | 'token' | 'peerId' | 'address' | 'addressOrEmpty'

/** How the elements of an array field must relate to each other. */
export type ArrayOrder = 'any' | 'unique' | 'ascending'

/** One field of a struct schema, in wire order. */
export interface FieldDesc {
  readonly name: string
  readonly schema: AnySchema
  readonly optional: boolean
}

/** One variant of a tagged union: the tag value, its wire code and the struct of its other fields. */
export interface VariantDesc {
  readonly name: string
  readonly code: number
  readonly schema: AnySchema
}

/**
 * What a schema accepts, as plain data. The codec never interprets it on the hot path (each schema carries
 * its own compiled functions); it exists to compute maximum encoded sizes, render documentation and let
 * tests derive random valid values for every message type.
 */
export type Desc =
  | { readonly kind: 'uint'; readonly min: number; readonly max: number }
  | { readonly kind: 'u64' }
  | { readonly kind: 'u256' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'bytes'; readonly min: number; readonly max: number; readonly multipleOf: number }
  | {
      readonly kind: 'string'
      readonly format: StringFormat
      readonly maxBytes: number
      readonly pattern?: RegExp
    }
  | { readonly kind: 'enum'; readonly codes: Readonly<Record<string, number>> }
  | {
      readonly kind: 'array'
      readonly of: AnySchema
      readonly min: number
      readonly max: number
      readonly order: ArrayOrder
    }
  | { readonly kind: 'struct'; readonly fields: readonly FieldDesc[]; readonly refined: boolean }
  | { readonly kind: 'union'; readonly tag: string; readonly variants: readonly VariantDesc[] }

/**
 * A compiled validator/converter for one value type, in four directions. Every function validates its
 * input completely and throws a `SchemaViolation` on the first problem:
 *
 * - `toWire`: API value (what users build) to wire value (what the msgpack writer writes: positional
 *   arrays, integers, bigints, strings, booleans, `null`, `Uint8Array`);
 * - `fromWire`: wire value (what msgpackr decoded) to API value;
 * - `toJson` / `fromJson`: API value to and from the human-readable JSON view (hex bytes, decimal
 *   bigints, enum names, field names).
 */
export interface Schema<T> {
  readonly desc: Desc
  toWire(value: unknown): unknown
  fromWire(wire: unknown): T
  toJson(value: unknown): unknown
  fromJson(json: unknown): T
  /** Type-level marker that makes `Schema<T>` invariant in `T`; never set at runtime. */
  readonly __type?: (value: T) => T
}

/** A schema whose value type does not matter to the caller. */
// biome-ignore lint/suspicious/noExplicitAny: the element type is erased on purpose
export type AnySchema = Schema<any>

/** The API value type a schema produces. */
export type Infer<S> = S extends Schema<infer T> ? T : never

import type { AnySchema, Desc } from './schema'

/** A msgpack value class, as the decoder's shape check tells them apart. */
export type WireClass =
  | typeof WireClass.Nil
  | typeof WireClass.Bool
  | typeof WireClass.Number
  | typeof WireClass.Bin
  | typeof WireClass.Str
  | typeof WireClass.Array

/** The msgpack value classes: what a value's type byte says it is. */
export const WireClass = Object.freeze({
  Nil: 0,
  Bool: 1,
  /** Any integer or float form. */
  Number: 2,
  Bin: 3,
  Str: 4,
  Array: 5,
} as const)

/** How the elements of an array-class shape are laid out. */
export const Layout = Object.freeze({
  /** Not an array. */
  None: 0,
  /** A bounded list of one element shape. */
  List: 1,
  /** A fixed number of fields, each with its own shape (`nil` allowed where a field is optional). */
  Struct: 2,
  /** A variant code, then the fields of that variant's struct. */
  Union: 3,
} as const)

/** Deepest array nesting a catalog schema may have (checked when a shape is compiled). */
export const MAX_SHAPE_DEPTH = 16

/**
 * What a value must look like on the wire, compiled from a schema's {@link Desc}: its msgpack class, the
 * bounds of its length (elements, fields or bytes) and the shapes of its elements. The decoder walks the
 * raw bytes against it before anything is built (`checkEnvelope`, from a table the codec flattens these
 * shapes into), so a peer cannot make it allocate values that no valid message of the type could contain.
 * It is exact in one direction: every wire value the schema accepts has the shape; values the schema refuses
 * for their content (a range, a pattern, an order) may have it too and are refused afterwards by the
 * schema.
 */
export interface WireShape {
  /** The msgpack class the value must have. */
  readonly wire: WireClass
  /** For the array class: list, struct or union. */
  readonly layout: number
  /** Fewest elements (list), fields (struct) or bytes (bin). */
  readonly min: number
  /** Most elements (list), fields (struct) or bytes (bin, str). */
  readonly max: number
  /** Bin lengths must be a multiple of this. */
  readonly multipleOf: number
  /** List: its element shape, once. Struct: the field shapes in wire order. */
  readonly items: readonly WireShape[]
  /** Struct: which fields may be `nil`. */
  readonly optional: readonly boolean[]
  /** Struct: the field names (for error paths). */
  readonly names: readonly string[]
  /** Union: the shape of each variant's struct, by variant code. */
  readonly variants: ReadonlyMap<number, WireShape>
  /** Arrays nested in the value, counting its own (0 for a scalar). */
  readonly depth: number
  /** The schema it was compiled from; the decoder asks it for the wording of an error. */
  readonly schema: AnySchema
}

const NO_SHAPES: readonly WireShape[] = []
const NO_FLAGS: readonly boolean[] = []
const NO_NAMES: readonly string[] = []
const NO_VARIANTS: ReadonlyMap<number, WireShape> = new Map()

const compiled = new WeakMap<AnySchema, WireShape>()

function make(schema: AnySchema, fields: Partial<WireShape> & Pick<WireShape, 'wire'>): WireShape {
  const items = fields.items ?? NO_SHAPES
  const variants = fields.variants ?? NO_VARIANTS
  const layout = fields.layout ?? Layout.None
  const inner = Math.max(0, ...items.map((s) => s.depth), ...[...variants.values()].map((s) => s.depth - 1))
  const depth = layout === Layout.None ? 0 : 1 + inner
  if (depth > MAX_SHAPE_DEPTH) throw new Error(`schema: nested deeper than ${MAX_SHAPE_DEPTH} arrays`)
  return {
    wire: fields.wire,
    layout,
    min: fields.min ?? 0,
    max: fields.max ?? 0,
    multipleOf: fields.multipleOf ?? 1,
    items,
    optional: fields.optional ?? NO_FLAGS,
    names: fields.names ?? NO_NAMES,
    variants,
    depth,
    schema,
  }
}

function compile(schema: AnySchema): WireShape {
  const d: Desc = schema.desc
  switch (d.kind) {
    case 'uint':
    case 'u64':
    case 'enum':
      return make(schema, { wire: WireClass.Number })
    case 'bool':
      return make(schema, { wire: WireClass.Bool })
    case 'u256':
      return make(schema, { wire: WireClass.Bin, max: 32 })
    case 'bytes':
      return make(schema, { wire: WireClass.Bin, min: d.min, max: d.max, multipleOf: d.multipleOf })
    case 'string':
      return make(schema, { wire: WireClass.Str, max: d.maxBytes })
    case 'array':
      return make(schema, {
        wire: WireClass.Array,
        layout: Layout.List,
        min: d.min,
        max: d.max,
        items: [wireShape(d.of)],
      })
    case 'struct':
      return make(schema, {
        wire: WireClass.Array,
        layout: Layout.Struct,
        min: d.fields.length,
        max: d.fields.length,
        items: d.fields.map((f) => wireShape(f.schema)),
        optional: d.fields.map((f) => f.optional),
        names: d.fields.map((f) => f.name),
      })
    case 'union': {
      const variants = new Map<number, WireShape>()
      for (const v of d.variants) {
        const shape = wireShape(v.schema)
        // the union's array is [code, ...fields of the variant's struct]
        if (shape.layout !== Layout.Struct) throw new Error(`schema: union variant ${v.name} is not a struct`)
        variants.set(v.code, shape)
      }
      return make(schema, { wire: WireClass.Array, layout: Layout.Union, min: 1, variants })
    }
  }
}

/**
 * The wire shape of `schema` (compiled once per schema object and shared, so a transaction's shape is one
 * object wherever transactions appear). Throws when a schema nests deeper than {@link MAX_SHAPE_DEPTH}.
 */
export function wireShape(schema: AnySchema): WireShape {
  let shape = compiled.get(schema)
  if (shape === undefined) {
    shape = compile(schema)
    compiled.set(schema, shape)
  }
  return shape
}

import { entryOfCode } from '../catalog/catalog'
import { Layout, WireClass, type WireShape } from '../schema'

/**
 * What the scan expects of one value, packed in an int:
 * `exactLength + 1 << 16 | node << 4 | (nil allowed ? 8 : 0) | class`. The class (a WireClass, below 8),
 * whether `nil` may stand in and, for a bin of one fixed length below 255 (hashes, keys, signatures), that
 * length are there so most scalars are checked without looking at their node.
 */
export type Slot = number

/** Bits a {@link Slot} shifts its fixed bin length (plus one; 0 for none) by. */
export const SLOT_EXACT_SHIFT = 16

/** Mask of the node of a {@link Slot}, once shifted right by 4. */
export const SLOT_NODE_MASK = 0xfff

/** Bit of a {@link Slot} set when `nil` may stand in for the value (an optional struct field). */
export const SLOT_NIL_OK = 8

/**
 * The layout the table gives a struct whose fields are all scalars or lists of scalars (a header, a
 * transaction, an inventory entry, a peer): the scan checks its fields in one pass, without entering it or
 * its lists as arrays of their own.
 */
export const FLAT_STRUCT = 4

/** Int32 entries per node of {@link ShapeTable.nodes}. */
export const NODE_STRIDE = 4
/** Entry of a node's layout (a Layout, or {@link FLAT_STRUCT}). */
export const NODE_LAYOUT = 0
/** Entry of a node's fewest elements, fields or bytes. */
export const NODE_MIN = 1
/** Entry of a node's most elements, fields or bytes. */
export const NODE_MAX = 2
/**
 * Entry of a list's element slot, a struct's first entry in `fieldSlots`, or a bin's required multiple of
 * its length.
 */
export const NODE_EXTRA = 3

/**
 * Every wire shape of the catalog flattened into typed arrays, so the decoder's scan reads a few integers
 * per value instead of following object references (which made it several times slower). A shape used in
 * several places (the transaction) is one node.
 */
export interface ShapeTable {
  /** `NODE_STRIDE` int32s per node (see the `NODE_*` entries). */
  readonly nodes: Int32Array
  /** The slots of every struct's fields, each struct's in a run starting at its `NODE_EXTRA`. */
  readonly fieldSlots: Int32Array
  /** For each union node, its variants' struct nodes by variant code. */
  readonly variants: readonly (ReadonlyMap<number, number> | undefined)[]
  /** The shape each node came from (for error paths and messages). */
  readonly shapes: readonly WireShape[]
  /** The data slot of each catalog code, -1 for codes not in the catalog. */
  readonly roots: Int32Array
}

/** Builds the table of every shape reachable from the catalog. */
function build(): ShapeTable {
  const ids = new Map<WireShape, number>()
  const nodes: number[] = []
  const fieldSlots: number[] = []
  const variants: (Map<number, number> | undefined)[] = []
  const shapes: WireShape[] = []
  const slot = (shape: WireShape, nilOk: boolean): Slot => {
    const node = add(shape)
    if (node > SLOT_NODE_MASK) throw new Error('catalog: too many distinct shapes for the decoder table')
    const exact =
      shape.wire === WireClass.Bin && shape.min === shape.max && shape.max < 255 ? shape.max + 1 : 0
    return (exact << SLOT_EXACT_SHIFT) | (node << 4) | (nilOk ? SLOT_NIL_OK : 0) | shape.wire
  }
  function add(shape: WireShape): number {
    const known = ids.get(shape)
    if (known !== undefined) return known
    const id = shapes.length
    ids.set(shape, id)
    shapes.push(shape)
    variants.push(undefined)
    const flat =
      shape.layout === Layout.Struct &&
      shape.items.every(
        (f) =>
          f.layout === Layout.None ||
          (f.layout === Layout.List && (f.items[0] as WireShape).layout === Layout.None),
      )
    nodes.push(flat ? FLAT_STRUCT : shape.layout, shape.min, shape.max, shape.multipleOf)
    if (shape.layout === Layout.List) {
      nodes[id * NODE_STRIDE + NODE_EXTRA] = slot(shape.items[0] as WireShape, false)
    } else if (shape.layout === Layout.Struct) {
      const slots = shape.items.map((field, i) => slot(field, shape.optional[i] === true))
      nodes[id * NODE_STRIDE + NODE_EXTRA] = fieldSlots.length
      fieldSlots.push(...slots)
    } else if (shape.layout === Layout.Union) {
      variants[id] = new Map([...shape.variants].map(([code, s]) => [code, add(s)]))
    }
    return id
  }
  const roots = new Int32Array(128).fill(-1)
  for (let code = 0; code < 128; code++) {
    const entry = entryOfCode(code)
    if (entry !== undefined) roots[code] = slot(entry.shape, false)
  }
  return {
    nodes: Int32Array.from(nodes),
    fieldSlots: Int32Array.from(fieldSlots),
    variants,
    shapes,
    roots,
  }
}

/** The catalog's shapes, flattened once when the codec loads. */
export const SHAPE_TABLE: ShapeTable = build()

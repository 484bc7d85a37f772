import type { CompiledEntry } from '../catalog/catalog'
import { entryOfCode } from '../catalog/catalog'
import { CodecError } from '../errors'
import { LIMITS } from '../limits'
import {
  type AnySchema,
  byteLengthReason,
  fieldCountReason,
  Layout,
  lengthReason,
  MAX_SHAPE_DEPTH,
  MISSING_FIELD,
  SchemaViolation,
  WireClass,
  type WireShape,
} from '../schema'
import { badId, checkId, tooLarge } from './envelope'
import { schemaError } from './errors'
import * as table from './shape-table'

/*
 * Module constants rather than property reads on every value: when the package runs from source (tests,
 * benches) every imported binding is a getter, and a read of one costs more than the check it serves.
 */
const { Nil: NIL, Bool: BOOL, Number: NUMBER, Bin: BIN, Str: STR, Array: ARRAY } = WireClass
const { List: LIST, Struct: STRUCT, Union: UNION } = Layout
const {
  nodes: NODES,
  fieldSlots: FIELD_SLOTS,
  shapes: SHAPES,
  variants: VARIANTS,
  roots: ROOTS,
} = table.SHAPE_TABLE
const { NODE_STRIDE, NODE_LAYOUT, NODE_MIN, NODE_MAX, NODE_EXTRA, FLAT_STRUCT } = table
const { SLOT_NIL_OK, SLOT_EXACT_SHIFT, SLOT_NODE_MASK } = table
const MAX_MESSAGE_SIZE = LIMITS.maxMessageSize
/** The catalog entry of each wire code (undefined for codes not in the catalog). */
const ENTRIES = Array.from({ length: 128 }, (_, code) => entryOfCode(code))

function truncated(offset: number, need: number): CodecError {
  return new CodecError('ERR_TRUNCATED', `msgpack ends before offset ${offset + need}`, { offset, need })
}

function malformed(offset: number, reason: string): CodecError {
  return new CodecError('ERR_MALFORMED', `malformed msgpack at offset ${offset}: ${reason}`, {
    offset,
    reason,
  })
}

function readU32(b: Uint8Array, pos: number): number {
  return (
    (b[pos] as number) * 0x100_0000 +
    (((b[pos + 1] as number) << 16) | ((b[pos + 2] as number) << 8) | (b[pos + 3] as number))
  )
}

/**
 * Decodes the header of the value at `pos` and returns it packed in an int:
 * `length << 6 | headerBytes << 3 | class`. `class` is its WireClass, `headerBytes` the bytes of the type
 * byte and length field, `length` the payload bytes of a number, bin or str or the element count of an
 * array. Refuses what chainwire never sends (maps, extensions, msgpackr records, the reserved byte 0xc1)
 * and lengths beyond the remaining bytes (an array element takes at least one byte, so an array count
 * beyond them can never be satisfied either), before anything is allocated for them; so a length is below
 * the input's size, at most 4,000,000 bytes, and the packed int fits in 31 bits.
 *
 * The forms most values take (small integers, short arrays and strings, bin8, nil) are decoded here, in a
 * function small enough for the JIT to inline into the scan; the others in {@link headOfOtherForm}.
 */
function headAt(b: Uint8Array, pos: number, end: number): number {
  if (pos >= end) throw truncated(pos, 1)
  const t = b[pos] as number
  if (t < 0x80 || t >= 0xe0) return (1 << 3) | NUMBER
  let n: number
  let head: number
  if (t >= 0xca && t <= 0xd3) {
    // float32/64, uint8-64, int8-64: 1, 2, 4 or 8 bytes, as the low two bits of the type byte say
    n = 1 << (t & 3)
    head = (n << 6) | (1 << 3) | NUMBER
  } else if (t >= 0x90 && t <= 0xbf) {
    n = t <= 0x9f ? t & 0x0f : t & 0x1f
    head = (n << 6) | (1 << 3) | (t <= 0x9f ? ARRAY : STR)
  } else if (t === 0xc4 || t === 0xd9) {
    if (pos + 2 > end) throw truncated(pos + 1, 1)
    n = b[pos + 1] as number
    head = (n << 6) | (2 << 3) | (t === 0xc4 ? BIN : STR)
  } else {
    if (t === 0xc0) return (1 << 3) | NIL
    return headOfOtherForm(b, pos, end, t)
  }
  if (n > end - pos - ((head >> 3) & 7)) throw truncated(pos + ((head >> 3) & 7), n)
  return head
}

/** {@link headAt} for the type bytes it does not decode itself. */
function headOfOtherForm(b: Uint8Array, pos: number, end: number, t: number): number {
  let cls: number
  let size: number
  let n: number
  switch (t) {
    case 0xc2:
    case 0xc3:
      return (1 << 3) | BOOL
    case 0xc5:
    case 0xda:
    case 0xdc:
      cls = t === 0xc5 ? BIN : t === 0xda ? STR : ARRAY
      size = 3
      if (pos + size > end) throw truncated(pos + 1, 2)
      n = ((b[pos + 1] as number) << 8) | (b[pos + 2] as number)
      break
    case 0xc6:
    case 0xdb:
    case 0xdd:
      cls = t === 0xc6 ? BIN : t === 0xdb ? STR : ARRAY
      size = 5
      if (pos + size > end) throw truncated(pos + 1, 4)
      n = readU32(b, pos + 1)
      break
    case 0xc1:
      throw malformed(pos, 'reserved byte 0xc1')
    default:
      throw malformed(pos, t <= 0x8f || t >= 0xde ? 'maps are not used' : 'extension types are not used')
  }
  if (n > end - pos - size) throw truncated(pos + size, n)
  return (n << 6) | (size << 3) | cls
}

const scratch = new DataView(new ArrayBuffer(8))
const SAFE_64 = 2n ** 53n

/**
 * The value msgpackr decodes from the number whose type byte is at `at` (its bytes already checked to be
 * there): a number, or for 64-bit integers beyond 2^53 in magnitude a bigint (its `int64AsType: 'auto'`).
 */
function numberAt(b: Uint8Array, at: number): number | bigint {
  const t = b[at] as number
  const pos = at + 1
  if (t < 0x80) return t
  if (t >= 0xe0) return t - 0x100
  switch (t) {
    case 0xcc:
      return b[pos] as number
    case 0xcd:
      return ((b[pos] as number) << 8) | (b[pos + 1] as number)
    case 0xce:
      return readU32(b, pos)
    case 0xd0:
      return ((b[pos] as number) << 24) >> 24
    case 0xd1:
      return ((((b[pos] as number) << 8) | (b[pos + 1] as number)) << 16) >> 16
    case 0xd2:
      return (
        ((b[pos] as number) << 24) |
        ((b[pos + 1] as number) << 16) |
        ((b[pos + 2] as number) << 8) |
        (b[pos + 3] as number)
      )
  }
  const n = t === 0xca ? 4 : 8
  for (let i = 0; i < n; i++) scratch.setUint8(i, b[pos + i] as number)
  if (t === 0xca) return scratch.getFloat32(0)
  if (t === 0xcb) return scratch.getFloat64(0)
  const v = t === 0xcf ? scratch.getBigUint64(0) : scratch.getBigInt64(0)
  return v >= -SAFE_64 && v <= SAFE_64 ? Number(v) : v
}

/*
 * The arrays the scan is inside, outermost first, except the innermost one, which the scan keeps in local
 * variables: each one's node (a list or a struct; a union is entered as its variant's struct once its code
 * is read), the index of the element being read and the element count.
 */
const frameNode = new Int32Array(MAX_SHAPE_DEPTH)
const frameIndex = new Int32Array(MAX_SHAPE_DEPTH)
const frameCount = new Int32Array(MAX_SHAPE_DEPTH)

/**
 * Throws `problem` at the value being read, its path prefixed with the arrays the scan is inside (`depth`
 * of them, the innermost being node `frame` at element `index`).
 */
function refuse(depth: number, frame: number, index: number, problem: SchemaViolation | string): never {
  if (depth > 0) {
    frameNode[depth - 1] = frame
    frameIndex[depth - 1] = index
  }
  const violation = typeof problem === 'string' ? new SchemaViolation(problem) : problem
  const path: (string | number)[] = []
  for (let d = 0; d < depth; d++) {
    const shape = SHAPES[frameNode[d] as number] as WireShape
    const i = frameIndex[d] as number
    path.push(shape.layout === LIST ? i : (shape.names[i] as string))
  }
  violation.path.unshift(...path)
  throw violation
}

/** The schema's own explanation of why it refuses `standIn` (a stand-in for the wire value). */
function reasonOf(schema: AnySchema, standIn: unknown): SchemaViolation | string {
  try {
    schema.fromWire(standIn)
  } catch (err) {
    if (err instanceof SchemaViolation) return err
  }
  return 'unexpected wire value'
}

/**
 * True when a value of class `found` (not an array: arrays are checked by the scan itself) and length `n`
 * fits `slot`: its class, or `nil` where that is allowed; a bin's length within its bounds and multiple, a
 * str's within its maximum.
 */
function scalarFits(slot: table.Slot, found: number, n: number): boolean {
  if (found !== (slot & 7)) return found === NIL && (slot & SLOT_NIL_OK) !== 0
  if (found === BIN) {
    const exact = slot >>> SLOT_EXACT_SHIFT
    if (exact !== 0) return n === exact - 1
    const at = ((slot >> 4) & SLOT_NODE_MASK) * NODE_STRIDE
    const multiple = NODES[at + NODE_EXTRA] as number
    return (
      n >= (NODES[at + NODE_MIN] as number) &&
      n <= (NODES[at + NODE_MAX] as number) &&
      // a division costs more than the rest of the check, and most bins have no multiple
      (multiple === 1 || n % multiple === 0)
    )
  }
  return found !== STR || n <= (NODES[((slot >> 4) & SLOT_NODE_MASK) * NODE_STRIDE + NODE_MAX] as number)
}

/**
 * Refuses the value at `pos` (class `found`, payload of `n` bytes at `payload`) for not fitting `slot`,
 * with the reason its schema gives (see {@link refuse} for the path).
 */
function refuseValue(
  b: Uint8Array,
  payload: number,
  found: number,
  n: number,
  slot: table.Slot,
  depth: number,
  frame: number,
  index: number,
): never {
  const node = (slot >> 4) & SLOT_NODE_MASK
  const schema = (SHAPES[node] as WireShape).schema
  if (found === (slot & 7)) {
    if (found === STR)
      refuse(depth, frame, index, byteLengthReason(NODES[node * NODE_STRIDE + NODE_MAX] as number, n))
    // a bin out of bounds: the schema words it, given a view of the bytes
    refuse(depth, frame, index, reasonOf(schema, b.subarray(payload, payload + n)))
  }
  const layout = NODES[frame * NODE_STRIDE + NODE_LAYOUT] as number
  if (found === NIL && depth > 0 && (layout === STRUCT || layout === FLAT_STRUCT)) {
    refuse(depth, frame, index, MISSING_FIELD)
  }
  // the wrong class: no schema accepts undefined, and each says what it expects
  refuse(depth, frame, index, reasonOf(schema, undefined))
}

/** Where the element that {@link flatListEnd} or {@link scalarListEnd} refused starts. */
let flatFailedAt = 0

/** What the main walk gets for a list that no tight loop checks. */
const NOT_FLAT = -0x8000_0000

/**
 * The position after the scalar at `pos` when it fits `slot` (see {@link scalarFits}), otherwise -1. The
 * forms a field of its class nearly always takes are recognised from the type byte the slot leads it to
 * expect, without decoding a header; any other form is decoded and checked in full.
 */
function scalarEnd(b: Uint8Array, pos: number, end: number, slot: table.Slot): number {
  if (pos < end) {
    const t = b[pos] as number
    const expected = slot & 7
    if (expected === NUMBER) {
      if (t < 0x80 || t >= 0xe0) return pos + 1
      // float32/64, uint8-64, int8-64: 1, 2, 4 or 8 bytes, as the low two bits of the type byte say
      if (t >= 0xca && t <= 0xd3) {
        const next = pos + 2 + (1 << (t & 3)) - 1
        if (next <= end) return next
      }
    } else if (expected === BIN && t === 0xc4 && pos + 2 <= end) {
      const n = b[pos + 1] as number
      const exact = slot >>> SLOT_EXACT_SHIFT
      if ((exact === 0 ? scalarFits(slot, BIN, n) : n === exact - 1) && pos + 2 + n <= end) return pos + 2 + n
    }
  }
  return otherScalarEnd(b, pos, end, slot)
}

/** {@link scalarEnd} for the forms it does not recognise at a glance. */
function otherScalarEnd(b: Uint8Array, pos: number, end: number, slot: table.Slot): number {
  const head = headAt(b, pos, end)
  const length = head >> 6
  return scalarFits(slot, head & 7, length) ? pos + ((head >> 3) & 7) + length : -1
}

/**
 * The position after `count` scalars of slot `slot`, the first of them at `pos`; or, when one does not fit,
 * `~k` for the element `k` concerned (its position in {@link flatFailedAt}).
 */
function scalarListEnd(b: Uint8Array, pos: number, end: number, slot: table.Slot, count: number): number {
  let next = pos
  for (let k = 0; k < count; k++) {
    const after = scalarEnd(b, next, end, slot)
    if (after < 0) {
      flatFailedAt = next
      return ~k
    }
    next = after
  }
  return next
}

/** The position after the list of scalars at `pos` when it fits `slot` (a list's), otherwise -1. */
function listOfScalarsEnd(b: Uint8Array, pos: number, end: number, slot: table.Slot): number {
  const head = headAt(b, pos, end)
  const n = head >> 6
  if ((head & 7) !== ARRAY) return scalarFits(slot, head & 7, n) ? pos + ((head >> 3) & 7) + n : -1
  const at = ((slot >> 4) & SLOT_NODE_MASK) * NODE_STRIDE
  if (n < (NODES[at + NODE_MIN] as number) || n > (NODES[at + NODE_MAX] as number)) return -1
  const element = NODES[at + NODE_EXTRA] as number
  let next = pos + ((head >> 3) & 7)
  for (let k = 0; k < n && next >= 0; k++) next = scalarEnd(b, next, end, element)
  return next
}

/**
 * The position after `count` structs of scalars and lists of scalars (node `node`), the first of them at
 * `pos`; or, when one does not fit its shape, `~k` for the element `k` concerned (its position in
 * {@link flatFailedAt}).
 */
function flatListEnd(b: Uint8Array, pos: number, end: number, node: number, count: number): number {
  const at = node * NODE_STRIDE
  const n = NODES[at + NODE_MAX] as number
  const fields = NODES[at + NODE_EXTRA] as number
  // the header such a struct nearly always has: a fixarray of its field count
  const fixarray = n < 16 ? 0x90 | n : -1
  let next = pos
  for (let k = 0; k < count; k++) {
    const start = next
    let fits = true
    if (next < end && b[next] === fixarray) {
      next += 1
    } else {
      const head = headAt(b, next, end)
      fits = (head & 7) === ARRAY && head >> 6 === n
      next += (head >> 3) & 7
    }
    for (let i = 0; fits && i < n; i++) {
      const slot = FIELD_SLOTS[fields + i] as number
      next = (slot & 7) === ARRAY ? listOfScalarsEnd(b, next, end, slot) : scalarEnd(b, next, end, slot)
      fits = next >= 0
    }
    if (!fits) {
      flatFailedAt = start
      return ~k
    }
  }
  return next
}

/**
 * Walks the data value at `start` against `root` (a slot of the shape table) without building anything:
 * every value has the class its schema needs, every array its number of fields or a length within its
 * bounds, every bin and str a length within its bounds, every union a known variant code; `nil` only where
 * a field is optional. Returns the position after the value; throws a SchemaViolation with the path of the
 * first value out of shape, or a CodecError (ERR_TRUNCATED, ERR_MALFORMED) for bytes that are not
 * chainwire msgpack.
 */
function checkData(b: Uint8Array, start: number, end: number, root: table.Slot): number {
  let pos = start
  let slot = root
  // the innermost array the scan is in (none while depth is 0): its node, layout, child, position
  let depth = 0
  let frame = 0
  let frameLayout = 0
  let frameChild = 0
  let index = 0
  let count = 0
  for (;;) {
    const after = (slot & 7) === ARRAY ? -1 : scalarEnd(b, pos, end, slot)
    const head = after < 0 ? headAt(b, pos, end) : 0
    const found = head & 7
    let n = head >> 6
    const payload = pos + ((head >> 3) & 7)
    if (after >= 0) {
      pos = after
    } else if (found !== ARRAY || (slot & 7) !== ARRAY) {
      // a scalar out of shape, an array where a scalar goes, or nil for an optional struct
      if (!scalarFits(slot, found, n)) refuseValue(b, payload, found, n, slot, depth, frame, index)
      pos = payload + n
    } else {
      let node = (slot >> 4) & SLOT_NODE_MASK
      let at = node * NODE_STRIDE
      let layout = NODES[at + NODE_LAYOUT] as number
      pos = payload
      if (layout === UNION) {
        const schema = (SHAPES[node] as WireShape).schema
        if (n === 0) refuse(depth, frame, index, reasonOf(schema, []))
        const codeHead = headAt(b, pos, end)
        const code = (codeHead & 7) === NUMBER ? numberAt(b, pos) : undefined
        const variant = typeof code === 'number' ? VARIANTS[node]?.get(code) : undefined
        if (variant === undefined) refuse(depth, frame, index, reasonOf(schema, [code]))
        pos += ((codeHead >> 3) & 7) + (codeHead >> 6)
        node = variant
        at = node * NODE_STRIDE
        // entered as an ordinary struct, its array header being the union's
        layout = STRUCT
        n -= 1
      }
      if (n < (NODES[at + NODE_MIN] as number) || n > (NODES[at + NODE_MAX] as number)) {
        const min = NODES[at + NODE_MIN] as number
        const max = NODES[at + NODE_MAX] as number
        refuse(depth, frame, index, layout === LIST ? lengthReason(min, max, n) : fieldCountReason(max))
      }
      // a struct of scalars, or a list of them (headers, transactions, inventory entries), is checked in
      // a tight loop without frames; where it finds a problem, the general walk below takes over from the
      // element concerned, to refuse it with its path
      let first = 0
      if (layout === FLAT_STRUCT) {
        const flatEnd = flatListEnd(b, pos - ((head >> 3) & 7), end, node, 1)
        if (flatEnd >= 0) {
          pos = flatEnd
          n = 0
        }
      } else if (layout === LIST && n > 0) {
        const element = NODES[at + NODE_EXTRA] as number
        const elementNode = (element >> 4) & SLOT_NODE_MASK
        const flatEnd =
          (element & 7) !== ARRAY
            ? scalarListEnd(b, pos, end, element, n)
            : NODES[elementNode * NODE_STRIDE + NODE_LAYOUT] === FLAT_STRUCT
              ? flatListEnd(b, pos, end, elementNode, n)
              : NOT_FLAT
        if (flatEnd >= 0) {
          pos = flatEnd
          n = 0
        } else if (flatEnd !== NOT_FLAT) {
          first = ~flatEnd
          pos = flatFailedAt
        }
      }
      if (n > 0) {
        if (depth > 0) {
          frameNode[depth - 1] = frame
          frameIndex[depth - 1] = index
          frameCount[depth - 1] = count
        }
        depth++
        frame = node
        frameLayout = layout
        frameChild = NODES[at + NODE_EXTRA] as number
        index = first
        count = n
        slot = layout === LIST ? frameChild : (FIELD_SLOTS[frameChild] as number)
        continue
      }
    }
    // on to the next element of the innermost array that has one left
    for (;;) {
      if (depth === 0) return pos
      if (++index < count) {
        slot = frameLayout === LIST ? frameChild : (FIELD_SLOTS[frameChild + index] as number)
        break
      }
      if (--depth > 0) {
        frame = frameNode[depth - 1] as number
        index = frameIndex[depth - 1] as number
        count = frameCount[depth - 1] as number
        const at = frame * NODE_STRIDE
        frameLayout = NODES[at + NODE_LAYOUT] as number
        frameChild = NODES[at + NODE_EXTRA] as number
      }
    }
  }
}

/**
 * Checks, without allocating, that `b` is exactly one envelope `[code, id | nil, data]` of a known type
 * whose data has the shape of that type's schema (see `WireShape`), and returns the type's catalog entry.
 * It runs before msgpackr sees peer bytes, for two reasons:
 *
 * - msgpackr's decoder honours record definitions and its built-in extensions (Error, RegExp, Set, typed
 *   arrays, bundled strings, big integers) whatever its options say: a few megabytes of record
 *   definitions cost hundreds of milliseconds of CPU. Maps, extensions and the reserved byte are refused
 *   outright.
 * - msgpackr builds whatever the bytes declare before the schema can look at it: 4 MB of empty arrays is
 *   4 million arrays (about a second of CPU, and more memory than a small heap has). With the shape checked
 *   first, a message can only ever make the decoder build the values a valid message of its type could
 *   contain, and nesting is bounded by the schema.
 *
 * The first problem in byte order decides the error: `ERR_TRUNCATED` or `ERR_MALFORMED` for bytes that are
 * not chainwire msgpack, `ERR_SCHEMA` (with the path of the value) for a value out of shape,
 * `ERR_UNKNOWN_TYPE` for a type code not in the catalog (its data is not looked at),
 * `ERR_MESSAGE_TOO_LARGE` for an envelope larger than its type allows. `b` is at most
 * `LIMITS.maxMessageSize` bytes (decode checks it first).
 */
export function checkEnvelope(b: Uint8Array): CompiledEntry {
  const end = b.length
  if (end > MAX_MESSAGE_SIZE) throw tooLarge('message', end, MAX_MESSAGE_SIZE)
  let pos: number
  let code: number | bigint
  if (end > 2 && b[0] === 0x93 && (b[1] as number) < 0x80) {
    // how chainwire writes every envelope: a fixarray of 3, then the type code as a positive fixint
    code = b[1] as number
    pos = 2
  } else {
    const envelope = headAt(b, 0, end)
    if ((envelope & 7) !== ARRAY || envelope >> 6 !== 3) {
      throw new CodecError('ERR_SCHEMA', 'an envelope is an array [type, id, data]', { path: '' })
    }
    pos = (envelope >> 3) & 7
    const typeHead = headAt(b, pos, end)
    if ((typeHead & 7) !== NUMBER) {
      throw new CodecError('ERR_SCHEMA', 'an envelope type is an integer code', { path: 'type' })
    }
    code = numberAt(b, pos)
    pos += ((typeHead >> 3) & 7) + (typeHead >> 6)
  }
  const entry =
    typeof code === 'number' && Number.isInteger(code) && code >= 0 && code < 128 ? ENTRIES[code] : undefined
  if (entry === undefined) {
    throw new CodecError('ERR_UNKNOWN_TYPE', `unknown message type code ${code}`, {
      code: typeof code === 'bigint' ? code.toString() : code,
    })
  }
  if (end > entry.maxSize) throw tooLarge(entry.type, end, entry.maxSize)
  if (pos < end && b[pos] === 0xc0) {
    pos += 1
  } else {
    const idHead = headAt(b, pos, end)
    if ((idHead & 7) === NUMBER) checkId(entry.type, numberAt(b, pos))
    else if ((idHead & 7) !== NIL) throw badId(entry.type)
    pos += ((idHead >> 3) & 7) + (idHead >> 6)
  }
  try {
    pos = checkData(b, pos, end, ROOTS[entry.code] as number)
  } catch (err) {
    throw schemaError(entry.type, err)
  }
  if (pos !== end) throw malformed(pos, `${end - pos} bytes after the value`)
  return entry
}

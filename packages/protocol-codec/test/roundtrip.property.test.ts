import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decode, encode, encodeFrame, FrameDecoder, fromJSON, jsonCodec, MESSAGE_TYPES, toJSON } from '../src'
import { blockHeader, invItem, transaction } from '../src/catalog/chain'
import { headerFastPath, invItemFastPath, transactionFastPath } from '../src/catalog/fast'
import { LIMITS } from '../src/limits'
import { type AnySchema, optional, type Schema, SchemaViolation, struct } from '../src/schema'
import { arbitraryFor, messageArbitrary } from './helpers/arbitraries'

describe.each(MESSAGE_TYPES)('%s round-trips for any valid data', (type) => {
  it('through msgpack, JSON and a frame', () => {
    fc.assert(
      fc.property(messageArbitrary(type), (msg) => {
        const bytes = encode(msg)
        expect(decode(bytes)).toStrictEqual(msg)
        expect(fromJSON(toJSON(msg))).toStrictEqual(msg)
        expect(jsonCodec.decode(jsonCodec.encode(msg))).toStrictEqual(msg)
        const [payload] = new FrameDecoder().push(encodeFrame(msg))
        expect(Buffer.compare(payload as Uint8Array, bytes)).toBe(0)
      }),
      { numRuns: 60 },
    )
  })
})

/** The generic struct over the same fields as `schema`, without its fast path. */
function genericOf<T>(schema: Schema<T>): Schema<T> {
  const d = schema.desc
  if (d.kind !== 'struct') throw new Error('not a struct')
  const fields = Object.fromEntries(d.fields.map((f) => [f.name, f.optional ? optional(f.schema) : f.schema]))
  return struct(fields as never) as unknown as Schema<T>
}

function outcome(fn: () => unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: fn() }
  } catch (err) {
    if (!(err instanceof SchemaViolation)) throw err
    return { ok: false }
  }
}

/** Values that break one field in every way a peer or a caller could. */
const weird = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    -1,
    -0,
    1.5,
    Number.NaN,
    2 ** 32,
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    '',
    'x',
    true,
  ),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.uint8Array({ maxLength: 70 }),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.string({ maxLength: 5 }),
)

describe.each([
  ['blockHeader', blockHeader, headerFastPath()],
  ['transaction', transaction, transactionFastPath(LIMITS.maxTxDataBytes)],
  ['invItem', invItem, invItemFastPath()],
] as const)('fast path of %s', (_, schema, fast) => {
  const generic = genericOf(schema as AnySchema)
  const fields = (schema.desc.kind === 'struct' ? schema.desc.fields : []).map((f) => f.name)
  const valid = arbitraryFor(schema as AnySchema) as fc.Arbitrary<Record<string, unknown>>

  it('agrees with the generic struct on valid values', () => {
    fc.assert(
      fc.property(valid, (v) => {
        const wire = fast.toWire(v)
        expect(wire).toStrictEqual(generic.toWire(v))
        expect(fast.fromWire(wire)).toStrictEqual(generic.fromWire(wire))
      }),
      { numRuns: 300 },
    )
  })

  it('accepts and refuses exactly what the generic struct does', () => {
    fc.assert(
      fc.property(valid, fc.constantFrom(...fields), weird, fc.boolean(), (v, field, value, onWire) => {
        if (onWire) {
          const wire = [...(generic.toWire(v) as unknown[])]
          wire[fields.indexOf(field)] = value
          const slow = outcome(() => generic.fromWire(wire))
          const quick = fast.fromWire(wire)
          expect(quick !== undefined).toBe(slow.ok)
          if (slow.ok) expect(quick).toStrictEqual(slow.value)
        } else {
          const api = { ...v, [field]: value }
          const slow = outcome(() => generic.toWire(api))
          const quick = fast.toWire(api)
          expect(quick !== undefined).toBe(slow.ok)
          if (slow.ok) expect(quick).toStrictEqual(slow.value)
        }
      }),
      { numRuns: 2_000 },
    )
    for (const bad of [null, undefined, 5, 'x', [], new Uint8Array(3)]) {
      expect(fast.toWire(bad)).toBeUndefined()
      expect(fast.fromWire(bad)).toBeUndefined()
    }
  })
})

import fc from 'fast-check'
import { Unpackr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import {
  CATALOG,
  CodecError,
  decode,
  encode,
  encodeFrame,
  framePayload,
  fromJSON,
  jsonCodec,
  MESSAGE_TYPES,
  type Message,
  MessageFrameDecoder,
  toJSON,
} from '../src'
import { entryOfCode } from '../src/catalog/catalog'
import { checkId } from '../src/codec/envelope'
import { messageArbitrary } from './helpers/arbitraries'
import { anyFormOf, rawEnvelope, wireOf } from './helpers/raw'
import { ALL_SAMPLES } from './helpers/samples'

/*
 * DESIGN.md §6: any bytes from a peer end in a valid message or a typed error; never another exception,
 * never unbounded memory. These properties feed the decoders 130,000+ inputs per run: random bytes, valid
 * encodings of every type mutated in many ways, their wire trees mutated in shape, the same messages in
 * every standard msgpack form, random and deeply nested JSON, and frame streams cut at random places.
 */

function expectOnlyCodecErrors(fn: () => void): void {
  try {
    fn()
  } catch (err) {
    if (!CodecError.isInstance(err)) throw err
  }
}

/** A decoded message must be stable: re-encoding and decoding it gives it back. */
function checkStable(msg: Message): void {
  expect(decode(encode(msg))).toStrictEqual(msg)
}

const corpus: Uint8Array[] = [
  ...ALL_SAMPLES.map((m) => encode(m)),
  ...MESSAGE_TYPES.flatMap((t) => fc.sample(messageArbitrary(t), 4).map((m) => encode(m))),
]
const interesting = [
  0x00, 0x7f, 0x80, 0x90, 0x9f, 0xc0, 0xc1, 0xc4, 0xc6, 0xcf, 0xd3, 0xd4, 0xdb, 0xdc, 0xdd, 0xde, 0xff,
]

type Mutation = (b: Uint8Array) => Uint8Array
const at = (b: Uint8Array, p: number): number => (b.length === 0 ? 0 : p % b.length)
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat(7)).map(
    ([p, bit]): Mutation =>
      (b) => {
        const c = b.slice()
        if (c.length > 0) c[at(c, p)] = (c[at(c, p)] as number) ^ (1 << bit)
        return c
      },
  ),
  fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...interesting), fc.nat(255))).map(
    ([p, v]): Mutation =>
      (b) => {
        const c = b.slice()
        if (c.length > 0) c[at(c, p)] = v
        return c
      },
  ),
  fc.nat().map(
    (p): Mutation =>
      (b) =>
        b.slice(0, at(b, p)),
  ),
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map(
    (extra): Mutation =>
      (b) =>
        Uint8Array.of(...b, ...extra),
  ),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(
    ([p, ins]): Mutation =>
      (b) => {
        const i = at(b, p)
        return Uint8Array.of(...b.subarray(0, i), ...ins, ...b.subarray(i))
      },
  ),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 })).map(
    ([p, n]): Mutation =>
      (b) => {
        const i = at(b, p)
        return Uint8Array.of(...b.subarray(0, i), ...b.subarray(i + n))
      },
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 32 })).map(
    ([p, q, n]): Mutation =>
      (b) => {
        const i = at(b, p)
        return Uint8Array.of(...b.subarray(0, at(b, q)), ...b.subarray(i, i + n), ...b.subarray(at(b, q)))
      },
  ),
)

describe('decode never throws anything but a CodecError', () => {
  it('on 40,000 random byte strings, bare and behind a plausible envelope header', () => {
    const header = fc.tuple(
      fc.constantFrom(...corpus.map((c) => c[1] as number), 0x7f),
      fc.constantFrom(0xc0, 0x01, 0xcc),
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.option(header), (bytes, h) => {
        const input = h === null ? bytes : Uint8Array.of(0x93, h[0], h[1], ...bytes)
        expectOnlyCodecErrors(() => checkStable(decode(input)))
      }),
      { numRuns: 40_000 },
    )
  })

  it('on 60,000 mutations of valid encodings of every message type', () => {
    fc.assert(
      fc.property(
        fc.nat(corpus.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (i, muts) => {
          const input = muts.reduce((b, m) => m(b), corpus[i] as Uint8Array)
          expectOnlyCodecErrors(() => checkStable(decode(input)))
        },
      ),
      { numRuns: 60_000 },
    )
  })
})

/** Any value the msgpack writer can write: what another encoder could put anywhere in a message. */
const { junk } = fc.letrec((tie) => ({
  junk: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 2 ** 53, 1.5, -0),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.string({ maxLength: 8 }),
    fc.uint8Array({ maxLength: 70 }),
    fc.constantFrom(new Uint8Array(32), new Uint8Array(64), new Uint8Array(6)),
    fc.array(tie('junk'), { maxLength: 5 }),
  ),
}))

/** The arrays of a wire tree, each with its parent chain (the tree itself included). */
function arraysOf(tree: unknown, out: unknown[][] = []): unknown[][] {
  if (Array.isArray(tree)) {
    out.push(tree)
    for (const v of tree) arraysOf(v, out)
  }
  return out
}

type TreeEdit = (arrays: unknown[][]) => void
const treeEdit: fc.Arbitrary<TreeEdit> = fc
  .tuple(fc.nat(), fc.nat(), fc.constantFrom('replace', 'delete', 'insert', 'duplicate', 'nil', 'wrap'), junk)
  .map(([a, i, op, value]) => (arrays: unknown[][]) => {
    const target = arrays[a % arrays.length] as unknown[]
    const at = target.length === 0 ? 0 : i % target.length
    if (target.length === 0) target.push(value)
    else if (op === 'replace') target[at] = value
    else if (op === 'delete') target.splice(at, 1)
    else if (op === 'insert') target.splice(at, 0, value)
    else if (op === 'duplicate') target.splice(at, 0, target[at])
    else if (op === 'nil') target[at] = null
    else if (op === 'wrap') target[at] = [target[at]]
  })

const reference = new Unpackr({ useRecords: false, int64AsType: 'auto' as 'bigint', copyBuffers: false })

/**
 * What decoding gave before the shape check existed: msgpackr builds everything, then the id and the schema
 * look at it. The shape check must never change the outcome, only refuse earlier.
 */
function referenceDecode(bytes: Uint8Array): { ok: true; message: unknown } | { ok: false } {
  try {
    const [code, id, data] = reference.unpack(bytes) as [number, unknown, unknown]
    const entry = entryOfCode(code)
    if (entry === undefined) return { ok: false }
    const checked = checkId(entry.type, id)
    const value = entry.schema.fromWire(data)
    return {
      ok: true,
      message:
        checked === undefined
          ? { type: entry.type, data: value }
          : { type: entry.type, id: checked, data: value },
    }
  } catch {
    return { ok: false }
  }
}

const messageArbitraries = new Map(MESSAGE_TYPES.map((type) => [type, messageArbitrary(type)]))
const anyMessage = fc
  .constantFrom(...MESSAGE_TYPES)
  .chain((type) => messageArbitraries.get(type) as fc.Arbitrary<Message>)

describe('the shape check agrees with the schema', () => {
  it('on 20,000 wire trees of every type mutated in shape (elements replaced, removed, added, nil, wrapped)', () => {
    fc.assert(
      fc.property(anyMessage, fc.array(treeEdit, { minLength: 1, maxLength: 3 }), (msg, edits) => {
        const wire = wireOf(msg)
        const arrays = arraysOf(wire)
        if (arrays.length > 0) for (const edit of edits) edit(arrays)
        const bytes = rawEnvelope(msg.type, msg.id ?? null, arrays.length > 0 ? wire : edits.length)
        const expected = referenceDecode(bytes)
        let decoded: Message | undefined
        try {
          decoded = decode(bytes)
        } catch (err) {
          if (!CodecError.isInstance(err)) throw err
        }
        expect(decoded !== undefined).toBe(expected.ok)
        if (decoded !== undefined && expected.ok) expect(decoded).toStrictEqual(expected.message)
      }),
      { numRuns: 20_000 },
    )
  })

  it('on 3,000 valid messages written in any standard msgpack form (wider integers, floats, long headers)', () => {
    fc.assert(
      fc.property(anyMessage, fc.infiniteStream(fc.nat(7)), (msg, picks) => {
        const choose = (): number => picks.next().value as number
        const bytes = Uint8Array.from(
          anyFormOf([CATALOG[msg.type].code, msg.id ?? null, wireOf(msg)], choose),
        )
        expect(decode(bytes)).toStrictEqual(msg)
      }),
      { numRuns: 3_000 },
    )
  })
})

describe('the JSON view never throws anything but a CodecError', () => {
  it('on 6,000 random JSON values and mutated envelopes', () => {
    const jsonSamples = ALL_SAMPLES.map((m) => toJSON(m))
    const mutatedEnvelope = fc
      .tuple(
        fc.constantFrom(...jsonSamples),
        fc.constantFrom('type', 'id', 'data', 'from', 'timestamp', 'x'),
        fc.jsonValue(),
      )
      .map(([j, key, value]) => ({ ...j, [key]: value }))
    const mutatedData = fc
      .tuple(fc.constantFrom(...jsonSamples), fc.string({ maxLength: 12 }), fc.jsonValue())
      .map(([j, key, value]) => ({ ...j, data: { ...(j.data as object), [key]: value } }))
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutatedEnvelope, mutatedData), (json) => {
        expectOnlyCodecErrors(() => checkStable(fromJSON(json)))
        expectOnlyCodecErrors(() => checkStable(jsonCodec.decode(JSON.stringify(json))))
      }),
      { numRuns: 6_000 },
    )
  })

  it('on 2,000 values nested up to 40 deep anywhere in an envelope, without running out of stack', () => {
    const nested = fc
      .tuple(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.constantFrom('array', 'object'), { maxLength: 40 }))
      .map(([inner, layers]) => layers.reduce<unknown>((v, l) => (l === 'array' ? [v] : { a: v }), inner))
    const sample = fc.constantFrom(...ALL_SAMPLES.map((m) => toJSON(m)))
    const placed = fc
      .tuple(sample, fc.constantFrom('type', 'id', 'from', 'data', 'x'), nested)
      .map(([j, key, value]) => ({ ...j, [key]: value }))
    fc.assert(
      fc.property(fc.oneof(nested, placed), (json) => {
        for (const read of [() => fromJSON(json), () => jsonCodec.decode(JSON.stringify(json))]) {
          try {
            checkStable(read())
          } catch (err) {
            if (!CodecError.isInstance(err)) throw err
            expect((err as CodecError).cause).not.toBeInstanceOf(RangeError)
          }
        }
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('MessageFrameDecoder', () => {
  const frames = ALL_SAMPLES.map((m) => encodeFrame(m))

  it('on 8,000 streams of valid, garbage and oversized frames cut at random places', () => {
    const frame = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...frames) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => framePayload(b)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) },
    )
    fc.assert(
      fc.property(
        fc.array(frame, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom(64, 1_000, 4_000_000),
        (parts, cuts, maxMessageSize) => {
          const stream = Uint8Array.from(parts.flatMap((p) => [...p]))
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
          const d = new MessageFrameDecoder({ maxMessageSize })
          let start = 0
          expectOnlyCodecErrors(() => {
            for (const end of [...points, stream.length]) {
              for (const r of d.push(stream.subarray(start, end))) {
                if (r.ok) checkStable(r.message)
                else expect(CodecError.isInstance(r.error)).toBe(true)
                expect(r.size).toBeLessThanOrEqual(maxMessageSize)
              }
              expect(d.bufferedBytes).toBeLessThanOrEqual(maxMessageSize + 4)
              start = end
            }
            d.end()
          })
        },
      ),
      { numRuns: 8_000 },
    )
  })
})

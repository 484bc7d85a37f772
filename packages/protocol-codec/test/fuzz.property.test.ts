import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
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
import { messageArbitrary } from './helpers/arbitraries'
import { ALL_SAMPLES } from './helpers/samples'

/*
 * DESIGN.md §6: any bytes from a peer end in a valid message or a typed error; never another exception,
 * never unbounded memory. These properties feed the decoders 110,000+ inputs per run: random bytes, valid
 * encodings of every type mutated in many ways, random JSON, and frame streams cut at random places.
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

import { Packr, Unpackr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import {
  CATALOG,
  CodecError,
  type CodecErrorCode,
  decode,
  encode,
  fromJSON,
  jsonCodec,
  type Message,
  toJSON,
} from '../src'
import { rawEnvelope, wireOf } from './helpers/raw'
import { ALL_SAMPLES, SAMPLES } from './helpers/samples'

function failure(fn: () => unknown): CodecError {
  try {
    fn()
  } catch (err) {
    if (!CodecError.isInstance(err)) throw err
    return err as CodecError
  }
  throw new Error('expected a CodecError')
}

const codeOf = (bytes: Uint8Array | unknown): CodecErrorCode =>
  failure(() => decode(bytes as Uint8Array)).code

describe('decode refuses bad bytes with typed errors', () => {
  it('rejects non-bytes input', () => {
    for (const bad of [null, undefined, 'abc', 42, new ArrayBuffer(4), [0x93, 2, 0xc0, 0x91, 1]]) {
      expect(codeOf(bad)).toBe('ERR_MALFORMED')
    }
  })

  it('reports every strict prefix of every sample as truncated', () => {
    for (const msg of ALL_SAMPLES) {
      const bytes = encode(msg)
      const step = Math.max(1, Math.floor(bytes.length / 300))
      for (let n = 0; n < bytes.length; n += step) expect(codeOf(bytes.subarray(0, n))).toBe('ERR_TRUNCATED')
    }
  })

  it('rejects trailing bytes after the envelope', () => {
    const bytes = encode({ type: 'ping', data: { nonce: 1 } })
    expect(codeOf(Uint8Array.of(...bytes, 0x00))).toBe('ERR_MALFORMED')
  })

  it('rejects maps anywhere, so __proto__ keys never reach an object', () => {
    expect(codeOf(Uint8Array.of(0x80))).toBe('ERR_MALFORMED')
    // [2, nil, {"__proto__": {"polluted": 1}}]
    const proto = Uint8Array.of(
      0x93,
      0x02,
      0xc0,
      0x81,
      0xa9,
      ...Buffer.from('__proto__'),
      0x81,
      0xa8,
      ...Buffer.from('polluted'),
      0x01,
    )
    expect(codeOf(proto)).toBe('ERR_MALFORMED')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(codeOf(Uint8Array.of(0x93, 0x02, 0xc0, 0xde, 0x00, 0x00))).toBe('ERR_MALFORMED')
  })

  it('rejects msgpack extensions and msgpackr records, including a record-definition bomb, quickly', () => {
    // timestamp extension where the nonce goes
    expect(codeOf(Uint8Array.of(0x93, 0x02, 0xc0, 0x91, 0xd6, 0xff, 0, 0, 0, 1))).toBe('ERR_MALFORMED')
    // msgpackr record definition (fixext1 'r')
    expect(codeOf(Uint8Array.of(0x93, 0x02, 0xc0, 0x91, 0xd4, 0x72, 0x40))).toBe('ERR_MALFORMED')
    // bundled strings, structured-clone ids, Error and RegExp extensions
    for (const type of [0x62, 0x69, 0x70, 0x65, 0x78, 0x73, 0x74, 0x42]) {
      expect(codeOf(Uint8Array.of(0x93, 0x02, 0xc0, 0xc7, 0x01, type, 0x00))).toBe('ERR_MALFORMED')
    }
    // msgpackr would compile a record reader for every definition: ~350 ms of CPU for these 3.2 MB
    const unit = [
      0xd4, 0x72, 0x40, 0x91, 0xa1, 97, 0x01, 0x40, 0x01, 0x40, 0x01, 0x40, 0x01, 0x40, 0x01, 0x01,
    ]
    const bomb = new Uint8Array(8 + 200_000 * unit.length)
    bomb.set([0x93, CATALOG.relay.code, 0xc0, 0xdd, 0x00, 0x0f, 0x42, 0x40])
    for (let i = 0; i < 200_000; i++) bomb.set(unit, 8 + i * unit.length)
    const started = performance.now()
    // a relay's data is an array of its 7 fields, not of a million values
    const err = failure(() => decode(bomb))
    expect([err.code, err.details.path]).toEqual(['ERR_SCHEMA', 'data'])
    // the same definitions where the relay's first field goes (its data is an array of 7 fields)
    expect(codeOf(Uint8Array.of(0x93, CATALOG.relay.code, 0xc0, 0x97, ...unit))).toBe('ERR_MALFORMED')
    expect(performance.now() - started).toBeLessThan(50)
  })

  it('rejects the reserved byte 0xc1', () => {
    expect(codeOf(Uint8Array.of(0x93, 0x02, 0xc0, 0x91, 0xc1))).toBe('ERR_MALFORMED')
  })

  it('rejects nesting the schema does not have, at the first level too deep', () => {
    const deep = new Uint8Array(1_000_000).fill(0x91)
    deep.set([0x93, CATALOG.new_block.code, 0xc0])
    const err = failure(() => decode(deep))
    // data is [block], but a block is [header, transactions], not a one-element array
    expect([err.code, err.details.path]).toEqual(['ERR_SCHEMA', 'data.block'])
    // where an array is expected, the schema's depth is the limit: a header field is not an array
    const wire = wireOf(SAMPLES.new_block[0] as Message) as [[unknown[], unknown[]]]
    wire[0][0][0] = [[[[[1]]]]]
    expect(failure(() => decode(rawEnvelope('new_block', null, wire))).details.path).toBe(
      'data.block.header.version',
    )
  })

  it('rejects huge declared lengths before allocating', () => {
    const started = performance.now()
    // array32 of 2^32 - 1 elements, bin32 and str32 of 4 GB, in a few bytes
    expect(codeOf(Uint8Array.of(0x93, 0x20, 0xc0, 0x91, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x00))).toBe(
      'ERR_TRUNCATED',
    )
    expect(codeOf(Uint8Array.of(0x93, 0x12, 0xc0, 0x91, 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00))).toBe(
      'ERR_TRUNCATED',
    )
    expect(codeOf(Uint8Array.of(0x93, 0x04, 0xc0, 0x92, 0x01, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x00))).toBe(
      'ERR_TRUNCATED',
    )
    expect(codeOf(Uint8Array.of(0x93, 0x01, 0xc0, 0xdc, 0xff, 0xff))).toBe('ERR_TRUNCATED')
    expect(performance.now() - started).toBeLessThan(20)
  })

  it('rejects unknown type codes with ERR_UNKNOWN_TYPE, and non-integer codes with ERR_SCHEMA', () => {
    expect(codeOf(Uint8Array.of(0x93, 0x7f, 0xc0, 0x90))).toBe('ERR_UNKNOWN_TYPE')
    expect(failure(() => decode(Uint8Array.of(0x93, 0x7f, 0xc0, 0x90))).details.code).toBe(127)
    expect(codeOf(Uint8Array.of(0x93, 0xcc, 0xc8, 0xc0, 0x90))).toBe('ERR_UNKNOWN_TYPE')
    expect(codeOf(Uint8Array.of(0x93, 0xff, 0xc0, 0x90))).toBe('ERR_UNKNOWN_TYPE')
    expect(codeOf(Uint8Array.of(0x93, 0xa1, 0x61, 0xc0, 0x90))).toBe('ERR_SCHEMA')
    expect(codeOf(Uint8Array.of(0x93, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0x90))).toBe(
      'ERR_UNKNOWN_TYPE',
    )
  })

  it('rejects envelopes of the wrong shape', () => {
    expect(codeOf(Uint8Array.of(0x92, 0x02, 0x90))).toBe('ERR_SCHEMA')
    expect(codeOf(Uint8Array.of(0x94, 0x02, 0xc0, 0x91, 0x01, 0x01))).toBe('ERR_SCHEMA')
    expect(codeOf(Uint8Array.of(0x2a))).toBe('ERR_SCHEMA')
    expect(codeOf(Uint8Array.of(0xc0))).toBe('ERR_SCHEMA')
  })

  it('rejects data of the wrong shape with the failing path', () => {
    const cases: [Uint8Array, string][] = [
      [rawEnvelope('ping', null, []), 'data'],
      [rawEnvelope('ping', null, [1, 2]), 'data'],
      [rawEnvelope('ping', null, [-1]), 'data.nonce'],
      [rawEnvelope('ping', null, [1.5]), 'data.nonce'],
      [rawEnvelope('ping', null, [2n ** 60n]), 'data.nonce'],
      [rawEnvelope('ping', null, ['1']), 'data.nonce'],
      [rawEnvelope('ping', null, [null]), 'data.nonce'],
      [rawEnvelope('find_node', 1, ['abc']), 'data.target'],
      [rawEnvelope('find_node', 1, [new Uint8Array(31)]), 'data.target'],
      [rawEnvelope('disconnect', null, [99, null]), 'data.reason'],
      [rawEnvelope('disconnect', null, ['banned', null]), 'data.reason'],
      [rawEnvelope('get_blocks', 1, [7, 1, 2]), 'data[0]'],
      [rawEnvelope('get_blocks', 1, []), 'data'],
      [
        rawEnvelope('network_status', null, [1, new Uint8Array(32), Uint8Array.of(0, 1), 1, true, 1]),
        'data.totalWork',
      ],
      [
        rawEnvelope('network_status', null, [1, new Uint8Array(32), new Uint8Array(33), 1, true, 1]),
        'data.totalWork',
      ],
      [
        rawEnvelope('network_status', null, [1, new Uint8Array(32), new Uint8Array(0), 1, 1, 1]),
        'data.syncing',
      ],
    ]
    for (const [bytes, path] of cases) {
      const err = failure(() => decode(bytes))
      expect(err.code).toBe('ERR_SCHEMA')
      expect(err.details.path, path).toBe(path)
      expect(err.details.type).toBeDefined()
    }
  })

  it('reports nested paths inside big messages', () => {
    const block = SAMPLES.new_block[0] as Extract<Message, { type: 'new_block' }>
    const wire = wireOf(block) as [[unknown, unknown[][]]]
    const txs = wire[0][1]
    ;(txs[7] as unknown[])[1] = new Uint8Array(3)
    const err = failure(() => decode(rawEnvelope('new_block', null, wire)))
    expect(err.details.path).toBe('data.block.transactions[7].from')
  })

  it('accepts non-canonical but valid msgpack from other encoders (interoperability)', () => {
    const packr = new Packr({ useRecords: false, variableMapSize: true })
    for (const msg of ALL_SAMPLES) {
      const wire = [CATALOG[msg.type].code, msg.id ?? null, wireOf(msg)]
      const other = new Uint8Array(packr.pack(wire))
      expect(decode(other)).toStrictEqual(msg)
    }
  })

  it('writes plain msgpack that a stock msgpackr reads back to the same wire values', () => {
    const unpackr = new Unpackr({ useRecords: false, int64AsType: 'bigint' })
    for (const msg of ALL_SAMPLES) {
      const [code, id, data] = unpackr.unpack(encode(msg)) as [number, number | null, unknown]
      expect(code).toBe(CATALOG[msg.type].code)
      expect(id).toBe(msg.id ?? null)
      expect(Buffer.compare(rawEnvelope(msg.type, id, data), encode(msg))).toBe(0)
    }
  })

  it('decodes from a view into a larger buffer without touching the rest', () => {
    const bytes = encode(SAMPLES.hello[0] as Message)
    const big = new Uint8Array(bytes.length + 20).fill(0xee)
    big.set(bytes, 10)
    const view = big.subarray(10, 10 + bytes.length)
    const copy = big.slice()
    expect(decode(view)).toStrictEqual(SAMPLES.hello[0])
    expect(big).toEqual(copy)
    expect(Object.keys(view)).toHaveLength(bytes.length)
  })

  it('tolerates invalid UTF-8 in strings (decoded with replacement characters)', () => {
    const bytes = rawEnvelope('disconnect', null, ['x', null])
    const withString = Uint8Array.of(0x93, 0x04, 0xc0, 0x92, 0x01, 0xa2, 0xc3, 0x28)
    expect(bytes.length).toBeGreaterThan(0)
    const msg = decode(withString) as Extract<Message, { type: 'disconnect' }>
    expect(msg.data.reason).toBe('protocol_error')
    expect(typeof msg.data.message).toBe('string')
  })
})

describe('JSON view refuses bad input with typed errors', () => {
  it('rejects text that is not JSON, too long, or not an envelope', () => {
    expect(failure(() => jsonCodec.decode('{nope')).code).toBe('ERR_MALFORMED')
    expect(failure(() => jsonCodec.decode(42 as unknown as string)).code).toBe('ERR_MALFORMED')
    expect(failure(() => jsonCodec.decode('"x"'.padEnd(100, ' '), { maxLength: 10 })).code).toBe(
      'ERR_MESSAGE_TOO_LARGE',
    )
    expect(failure(() => jsonCodec.decode('[1,2]')).code).toBe('ERR_SCHEMA')
    expect(failure(() => jsonCodec.decode('{"type":"nope","data":{}}')).code).toBe('ERR_UNKNOWN_TYPE')
  })

  it('rejects unknown keys, including __proto__, without polluting prototypes', () => {
    const text = '{"type":"ping","data":{"nonce":1,"__proto__":{"polluted":true}}}'
    const err = failure(() => jsonCodec.decode(text))
    expect(err.code).toBe('ERR_SCHEMA')
    expect(err.details.path).toBe('data.__proto__')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(failure(() => fromJSON({ type: 'ping', data: { nonce: 1 }, extra: 1 })).details.path).toBe('extra')
  })

  it('rejects bad hex, bad decimal strings and wrong types', () => {
    const cases: [unknown, string][] = [
      [{ type: 'find_node', id: 1, data: { target: 'zz'.repeat(32) } }, 'data.target'],
      [{ type: 'find_node', id: 1, data: { target: 'abc' } }, 'data.target'],
      [{ type: 'find_node', id: 1, data: { target: 'ab'.repeat(31) } }, 'data.target'],
      [{ type: 'find_node', id: 1, data: { target: 'ab'.repeat(5_000) } }, 'data.target'],
      [
        {
          type: 'compact_block',
          data: { ...(toJSON(SAMPLES.compact_block[0] as Message).data as object), nonce: '-1' },
        },
        'data.nonce',
      ],
      [
        {
          type: 'network_status',
          data: {
            bestHeight: 1,
            bestHash: '00'.repeat(32),
            totalWork: '0x10',
            peerCount: 1,
            syncing: true,
            mempoolSize: 0,
          },
        },
        'data.totalWork',
      ],
      [
        {
          type: 'network_status',
          data: {
            bestHeight: 1,
            bestHash: '00'.repeat(32),
            totalWork: '01',
            peerCount: 1,
            syncing: true,
            mempoolSize: 0,
          },
        },
        'data.totalWork',
      ],
      [{ type: 'ping', data: { nonce: '1' } }, 'data.nonce'],
      [{ type: 'ping', id: -4, data: { nonce: 1 } }, 'id'],
      [{ type: 'ping', data: { nonce: 1 }, timestamp: -1 }, 'meta'],
    ]
    for (const [json, path] of cases) {
      const err = failure(() => fromJSON(json))
      expect(err.code, JSON.stringify(json).slice(0, 80)).toBe('ERR_SCHEMA')
      expect(String(err.details.path).startsWith(path), `${err.details.path} vs ${path}`).toBe(true)
    }
  })
})

describe('hostile inputs outside the bytes', () => {
  it('decode of a view over a detached buffer is a CodecError', () => {
    const buffer = new ArrayBuffer(8)
    const view = new Uint8Array(buffer)
    structuredClone(buffer, { transfer: [buffer] })
    expect(CodecError.isInstance(failure(() => decode(view)))).toBe(true)
  })

  it('encode and toJSON turn throwing getters into CodecErrors', () => {
    const hostile = {
      get type(): string {
        throw new Error('boom')
      },
      data: {},
    } as unknown as Message
    expect(failure(() => encode(hostile)).code).toBe('ERR_SCHEMA')
    expect(failure(() => toJSON(hostile)).code).toBe('ERR_SCHEMA')
    const proxy = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap')
        },
      },
    ) as Message
    expect(failure(() => encode(proxy)).code).toBe('ERR_SCHEMA')
    expect(failure(() => fromJSON(proxy)).code).toBe('ERR_SCHEMA')
  })
})

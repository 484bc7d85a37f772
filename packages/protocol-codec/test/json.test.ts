import { describe, expect, it } from 'vitest'
import { CodecError, encode, fromJSON, jsonCodec, type Message, readJsonEnvelope, toJSON } from '../src'
import { SAMPLES } from './helpers/samples'

function failure(fn: () => unknown): CodecError {
  try {
    fn()
  } catch (err) {
    if (!CodecError.isInstance(err)) throw err
    return err as CodecError
  }
  throw new Error('expected a CodecError')
}

describe('JSON view', () => {
  it('renders names, hex bytes, decimal bigints, enum names and omits absent fields', () => {
    const json = toJSON(SAMPLES.new_transaction[0] as Message)
    expect(json).toStrictEqual({
      type: 'new_transaction',
      data: {
        transaction: {
          version: 1,
          from: expect.stringMatching(/^[0-9a-f]{64}$/),
          to: expect.stringMatching(/^[0-9a-f]{64}$/),
          amount: '43000000',
          fee: '292',
          nonce: 42,
          data: '',
          signature: expect.stringMatching(/^[0-9a-f]{128}$/),
        },
      },
    })
    const hello = toJSON(SAMPLES.hello[0] as Message).data as Record<string, unknown>
    expect(hello.totalWork).toBe(0x5_3c6f_1e2d_4b8a_9f00_1122_3344n.toString())
    expect(hello.roles).toEqual(['full', 'validator'])
    expect(toJSON(SAMPLES.disconnect[1] as Message)).toStrictEqual({
      type: 'disconnect',
      data: { reason: 'shutdown' },
    })
    expect(toJSON(SAMPLES.get_blocks[0] as Message).data).toStrictEqual({ by: 'range', from: 100, count: 16 })
  })

  it('adds from, to and timestamp annotations and reads them back', () => {
    const msg = SAMPLES.ping[0] as Message
    const meta = { from: 'cwpeer-a', to: 'cwpeer-b', timestamp: 1_700_000_000_000 }
    const json = toJSON(msg, meta)
    expect(json).toStrictEqual({ type: 'ping', id: 1, ...meta, data: { nonce: 42 } })
    expect(readJsonEnvelope(json)).toStrictEqual({ message: msg, meta })
    expect(jsonCodec.decodeWithMeta(jsonCodec.encode(msg, meta))).toStrictEqual({ message: msg, meta })
    expect(fromJSON(json)).toStrictEqual(msg)
    expect(failure(() => toJSON(msg, { from: 'a\nb' })).details.path).toBe('meta')
  })

  it('accepts uppercase hex and emits lowercase', () => {
    const json = toJSON(SAMPLES.find_node[0] as Message) as { data: { target: string } }
    const upper = { ...json, data: { target: json.data.target.toUpperCase() } }
    expect(toJSON(fromJSON(upper))).toStrictEqual(json)
  })

  it('validates like the msgpack codec', () => {
    expect(failure(() => toJSON({ type: 'nope', data: {} } as unknown as Message)).code).toBe(
      'ERR_UNKNOWN_TYPE',
    )
    expect(failure(() => toJSON(null as unknown as Message)).code).toBe('ERR_SCHEMA')
    expect(failure(() => toJSON({ type: 'ping', data: { nonce: -1 } })).details.path).toBe('data.nonce')
    expect(failure(() => fromJSON({ type: 'ping' })).details.path).toBe('data')
    expect(failure(() => fromJSON({ type: 'ping', data: {} })).details.path).toBe('data.nonce')
  })
})

/** `depth` arrays, one inside the next, built without recursion. */
function nestedArrays(depth: number): unknown[] {
  let value: unknown[] = []
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

describe('JSON view nesting', () => {
  it('refuses text nested deeper than any message before parsing it', () => {
    const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`
    for (const text of [
      `{"type":"ping","data":${deep(200_000)}}`,
      `{"type":${deep(200_000)},"data":{}}`,
      `{"type":"ping","data":{"nonce":1},"extra":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`,
      `{"type":"ping","data":{"nonce":${deep(20)}}}`,
    ]) {
      const err = failure(() => jsonCodec.decode(text))
      expect(err.code).toBe('ERR_SCHEMA')
      expect(err.details.reason).toMatch(/^nested deeper than \d+$/)
      expect(err.cause).toBeUndefined()
    }
  })

  it('does not count brackets inside strings, escaped quotes included', () => {
    const message = '\\" [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ {{{{{{{{{{{{{{{{{{{{ \\\\'
    const text = `{"type":"disconnect","data":{"reason":"shutdown","message":"${message}"}}`
    expect(jsonCodec.decode(text)).toStrictEqual({
      type: 'disconnect',
      data: { reason: 'shutdown', message: JSON.parse(`"${message}"`) },
    })
  })

  it('reads the deepest messages of the catalog', () => {
    for (const msg of [...SAMPLES.blocks, ...SAMPLES.compact_block, ...SAMPLES.relay_status] as Message[]) {
      expect(jsonCodec.decode(jsonCodec.encode(msg))).toStrictEqual(msg)
    }
  })

  it('refuses deeply nested values anywhere in a parsed envelope by its rules, not by running out of stack', () => {
    const deep = nestedArrays(200_000)
    const ping = { type: 'ping', data: { nonce: 1 } }
    for (const json of [
      deep,
      { type: deep, data: {} },
      { ...ping, id: deep },
      { ...ping, from: deep },
      { ...ping, timestamp: deep },
      { type: 'ping', data: deep },
      { type: 'ping', data: { nonce: deep } },
      { type: 'hello', data: { ...(toJSON(SAMPLES.hello[0] as Message).data as object), roles: deep } },
      { type: 'get_blocks', data: { by: deep } },
      { type: 'blocks', data: { blocks: [deep] } },
    ]) {
      const err = failure(() => readJsonEnvelope(json))
      expect(['ERR_SCHEMA', 'ERR_UNKNOWN_TYPE']).toContain(err.code)
      expect(err.cause, String(err.details.path)).toBeUndefined()
    }
    // the same for messages a caller renders
    for (const fn of [
      () => toJSON({ type: deep } as unknown as Message),
      () => encode({ type: deep } as never),
    ]) {
      const err = failure(fn)
      expect([err.code, err.cause]).toEqual(['ERR_UNKNOWN_TYPE', undefined])
    }
  })
})

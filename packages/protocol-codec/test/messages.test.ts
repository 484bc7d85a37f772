import { describe, expect, it } from 'vitest'
import {
  CATALOG,
  decode,
  encode,
  encodeFrame,
  FrameDecoder,
  fromJSON,
  jsonCodec,
  MESSAGE_TYPES,
  type Message,
  toJSON,
} from '../src'
import { SAMPLES } from './helpers/samples'

describe.each(MESSAGE_TYPES)('%s', (type) => {
  const samples = SAMPLES[type] as Message[]

  it('has samples', () => {
    expect(samples.length).toBeGreaterThan(0)
  })

  it.each(samples.map((m, i) => [i, m] as const))('sample %i round-trips through msgpack', (_, msg) => {
    const bytes = encode(msg)
    expect(bytes).toBeInstanceOf(Uint8Array)
    expect(bytes.length).toBeLessThanOrEqual(CATALOG[type].maxSize)
    expect(bytes[0]).toBe(0x93)
    expect(bytes[1]).toBe(CATALOG[type].code)
    expect(decode(bytes)).toStrictEqual(msg)
  })

  it.each(samples.map((m, i) => [i, m] as const))('sample %i round-trips through JSON', (_, msg) => {
    const json = toJSON(msg)
    expect(json.type).toBe(type)
    expect(fromJSON(json)).toStrictEqual(msg)
    expect(jsonCodec.decode(jsonCodec.encode(msg))).toStrictEqual(msg)
  })

  it.each(samples.map((m, i) => [i, m] as const))('sample %i round-trips through a frame', (_, msg) => {
    const frame = encodeFrame(msg)
    const length = new DataView(frame.buffer, frame.byteOffset).getUint32(0)
    expect(length).toBe(frame.length - 4)
    const payloads = new FrameDecoder().push(frame)
    expect(payloads).toHaveLength(1)
    expect(decode(payloads[0] as Uint8Array)).toStrictEqual(msg)
  })
})

describe('decoded values', () => {
  it('binary fields are plain Uint8Arrays, also when the input is a Buffer', () => {
    const msg = SAMPLES.new_transaction[0] as Message
    const fromBuffer = decode(Buffer.from(encode(msg)))
    const tx = (fromBuffer as { data: { transaction: { from: Uint8Array } } }).data.transaction
    expect(Object.getPrototypeOf(tx.from)).toBe(Uint8Array.prototype)
  })

  it('u64 fields are bigints whatever their size, and numbers stay numbers', () => {
    const msg = structuredClone(SAMPLES.new_transaction[0]) as Extract<Message, { type: 'new_transaction' }>
    for (const amount of [0n, 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n]) {
      msg.data.transaction.amount = amount
      const back = decode(encode(msg)) as typeof msg
      expect(back.data.transaction.amount).toBe(amount)
      expect(typeof back.data.transaction.nonce).toBe('number')
    }
  })

  it('writes the shortest integers: a ping with id is 5 bytes', () => {
    expect([...encode({ type: 'ping', id: 7, data: { nonce: 42 } })]).toEqual([0x93, 0x02, 0x07, 0x91, 0x2a])
    expect([...encode({ type: 'ping', data: { nonce: 300 } })]).toEqual([
      0x93, 0x02, 0xc0, 0x91, 0xcd, 0x01, 0x2c,
    ])
  })

  it('omits the id when absent and keeps 0 and the u32 maximum', () => {
    for (const id of [0, 0xffff_ffff]) {
      expect(decode(encode({ type: 'ping', id, data: { nonce: 1 } }))).toStrictEqual({
        type: 'ping',
        id,
        data: { nonce: 1 },
      })
    }
    expect('id' in decode(encode({ type: 'ping', data: { nonce: 1 } }))).toBe(false)
  })

  it('encode ignores unknown properties and treats null optional fields as absent', () => {
    const msg = {
      type: 'disconnect',
      data: { reason: 'timeout', message: null, extra: 'ignored' },
    } as unknown as Message
    expect(decode(encode(msg))).toStrictEqual({ type: 'disconnect', data: { reason: 'timeout' } })
  })

  it('totalWork uses minimal big-endian bytes on the wire', () => {
    const hello = structuredClone(SAMPLES.hello[0]) as Extract<Message, { type: 'hello' }>
    for (const work of [0n, 1n, 255n, 256n, 2n ** 255n, 2n ** 256n - 1n]) {
      hello.data.totalWork = work
      expect((decode(encode(hello)) as typeof hello).data.totalWork).toBe(work)
    }
  })
})

describe('non-canonical numbers', () => {
  it('reads -0 (a JSON -0 or a msgpack float -0.0) as 0, so decoded messages re-encode identically', () => {
    const fromJson = fromJSON({ type: 'ping', id: -0, data: { nonce: -0 } })
    expect(Object.is(fromJson.id, 0)).toBe(true)
    expect(Object.is((fromJson.data as { nonce: number }).nonce, 0)).toBe(true)
    // [ping, -0.0, [-0.0]] with float64 negative zeros
    const negZero = [0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0]
    const msg = decode(Uint8Array.of(0x93, 0x02, ...negZero, 0x91, ...negZero))
    expect(msg).toStrictEqual({ type: 'ping', id: 0, data: { nonce: 0 } })
    const header = { ...(SAMPLES.headers[0]?.data.headers[0] as object), version: -0, nonce: -0 }
    const decoded = decode(encode({ type: 'headers', id: 1, data: { headers: [header as never] } }))
    expect(decode(encode(decoded))).toStrictEqual(decoded)
  })
})

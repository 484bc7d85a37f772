import { CATALOG, type Message, type MessageType } from '../../src'
import { entryOfType } from '../../src/catalog/catalog'
import { MsgpackWriter } from '../../src/codec/writer'
import type { AnySchema } from '../../src/schema'

/** The wire form of a message's data (positional arrays), as the encoder would write it. */
export function wireOf(msg: Message): unknown {
  return (entryOfType(msg.type) as { schema: AnySchema }).schema.toWire(msg.data)
}

/** Writes any envelope `[code, id, data]` as msgpack without validating it, to feed decode() bad data. */
export function rawEnvelope(type: MessageType | number, id: unknown, data: unknown): Uint8Array {
  const w = new MsgpackWriter()
  w.begin(0, 64_000_000)
  w.writeArrayHeader(3)
  w.write(typeof type === 'number' ? type : CATALOG[type].code)
  w.write(id ?? null)
  w.write(data)
  return w.finish()
}

/** Writes any value as msgpack without validating it. */
export function rawValue(value: unknown): Uint8Array {
  const w = new MsgpackWriter()
  w.begin(0, 64_000_000)
  w.write(value)
  return w.finish()
}

/**
 * A wire value in any of its standard msgpack forms: `choose(n)` picks one of the `n` forms a value has
 * (integers in any wider integer or float form, strings, bins and arrays with any length header). Decoders
 * must read them all alike, since other msgpack libraries write them.
 */
export function anyFormOf(value: unknown, choose: (n: number) => number): number[] {
  const be = (v: bigint | number, bytes: number): number[] => {
    const out: number[] = []
    let x = BigInt.asUintN(bytes * 8, BigInt(v))
    for (let i = 0; i < bytes; i++) {
      out.unshift(Number(x & 0xffn))
      x >>= 8n
    }
    return out
  }
  const float64 = (v: number): number[] => [0xcb, ...Buffer.from(new Float64Array([v]).buffer).reverse()]
  const pick = <T>(forms: T[]): T => forms[choose(forms.length) % forms.length] as T
  const sized = (n: number, fix: number | undefined, codes: [number, number, number]): number[] =>
    pick(
      [
        fix === undefined || n > 0x1f ? undefined : [fix | n],
        n < 0x100 ? [codes[0], n] : undefined,
        n < 0x10000 ? [codes[1], ...be(n, 2)] : undefined,
        [codes[2], ...be(n, 4)],
      ].filter((f): f is number[] => f !== undefined),
    )
  if (value === null) return [0xc0]
  if (typeof value === 'boolean') return [value ? 0xc3 : 0xc2]
  if (typeof value === 'bigint') return value < 0n ? [0xd3, ...be(value, 8)] : [0xcf, ...be(value, 8)]
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Object.is(value, -0)) return float64(value)
    const forms: number[][] = [float64(value)]
    if (value >= 0 && value < 0x80) forms.push([value])
    if (value < 0 && value >= -32) forms.push([value & 0xff])
    if (value >= 0) {
      if (value < 0x100) forms.push([0xcc, value])
      if (value < 0x10000) forms.push([0xcd, ...be(value, 2)])
      if (value < 2 ** 32) forms.push([0xce, ...be(value, 4)])
      forms.push([0xcf, ...be(value, 8)])
    }
    if (value >= -0x80 && value < 0x80) forms.push([0xd0, ...be(value, 1)])
    if (value >= -0x8000 && value < 0x8000) forms.push([0xd1, ...be(value, 2)])
    if (value >= -(2 ** 31) && value < 2 ** 31) forms.push([0xd2, ...be(value, 4)])
    forms.push([0xd3, ...be(value, 8)])
    return pick(forms)
  }
  if (typeof value === 'string') {
    const utf8 = [...Buffer.from(value, 'utf8')]
    return [...sized(utf8.length, 0xa0, [0xd9, 0xda, 0xdb]), ...utf8]
  }
  if (value instanceof Uint8Array) return [...sized(value.length, undefined, [0xc4, 0xc5, 0xc6]), ...value]
  if (Array.isArray(value)) {
    const header =
      value.length < 16 && choose(2) === 0
        ? [0x90 | value.length]
        : pick([
            [0xdc, ...be(value.length, 2)],
            [0xdd, ...be(value.length, 4)],
          ])
    return [...header, ...value.flatMap((v) => anyFormOf(v, choose))]
  }
  throw new Error(`no msgpack form for ${typeof value}`)
}

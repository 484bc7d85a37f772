import { encode, type Message, type MessageType, type Transaction } from '../../src'
import { entryOfType } from '../../src/catalog/catalog'
import type { AnySchema, Desc } from '../../src/schema'
import { rawEnvelope, wireOf } from './raw'
import { bytesOf } from './samples'

/**
 * The values of a hostile list: each the smallest msgpack of its kind, so a message of a few megabytes
 * declares millions of them (the allocation bombs of DESIGN.md §6).
 */
export const JUNK: Readonly<Record<string, readonly number[]>> = {
  'empty arrays': [0x90],
  'empty bins': [0xc4, 0x00],
  'tiny strings': [0xa1, 0x61],
  'nested empty maps': [0x81, 0xa0, 0x80],
  nils: [0xc0],
  'arrays of an empty array': [0x91, 0x90],
  // one array inside the next, down to the end of the message
  'deep nesting': [0x91],
}

/** `unit` repeated into `bytes` from `start` to the end (by doubling copies, so megabytes are quick). */
function repeat(bytes: Uint8Array, start: number, unit: readonly number[]): void {
  bytes.set(unit, start)
  let filled = unit.length
  const room = bytes.length - start
  while (filled < room) {
    const n = Math.min(filled, room - filled)
    bytes.copyWithin(start + filled, start, start + n)
    filled += n
  }
}

/**
 * An array32 of as many `unit`s as fit in `size` bytes: `[unit, unit, ...]`. For the deep-nesting unit the
 * array holds one array, which holds one array, and so on.
 */
export function junkList(unit: readonly number[], size: number): Uint8Array {
  const count = Math.floor((size - 5) / unit.length)
  const out = new Uint8Array(5 + count * unit.length)
  const declared = unit.length === 1 && unit[0] === 0x91 ? 1 : count
  out.set([0xdd, declared >>> 24, (declared >>> 16) & 0xff, (declared >>> 8) & 0xff, declared & 0xff])
  repeat(out, 5, unit)
  if (unit.length === 1 && unit[0] === 0x91) out[out.length - 1] = 0x90
  return out
}

/** A field path into a message's data: field names and list indexes. */
export type WirePath = readonly (string | number)[]

/**
 * The paths of every list in the data of `msg` (its first element stands for the others), the data itself
 * included as the empty path: where a hostile list can be put in a message of its type.
 */
export function listPaths(msg: Message): WirePath[] {
  const out: WirePath[] = [[]]
  const walk = (schema: AnySchema, value: unknown, path: WirePath): void => {
    const d: Desc = schema.desc
    if (value === undefined || value === null) return
    if (d.kind === 'array') {
      out.push(path)
      const first = (value as unknown[])[0]
      if (first !== undefined) walk(d.of, first, [...path, 0])
    } else if (d.kind === 'struct') {
      for (const f of d.fields) walk(f.schema, (value as Record<string, unknown>)[f.name], [...path, f.name])
    } else if (d.kind === 'union') {
      const v = value as Record<string, unknown>
      const variant = d.variants.find((x) => x.name === v[d.tag])
      if (variant !== undefined) walk(variant.schema, v, path)
    }
  }
  walk((entryOfType(msg.type) as { schema: AnySchema }).schema, msg.data, [])
  return out
}

/** Position of wire field `key` of the value at `path` (struct fields by name; a union's after its code). */
function wireIndex(schema: AnySchema, key: string | number): [number, AnySchema] {
  const d = schema.desc
  if (d.kind === 'array') return [key as number, d.of]
  if (d.kind === 'struct') {
    const i = d.fields.findIndex((f) => f.name === key)
    return [i, (d.fields[i] as { schema: AnySchema }).schema]
  }
  throw new Error(`no field ${String(key)} in a ${d.kind}`)
}

const SENTINEL = bytesOf(16, 4242)

/**
 * The envelope of `msg` with the value at `path` of its data replaced by the msgpack bytes `value` (any
 * bytes, written verbatim), so hostile lists can sit anywhere a list goes.
 */
export function envelopeWith(msg: Message, path: WirePath, value: Uint8Array): Uint8Array {
  const entry = entryOfType(msg.type) as { schema: AnySchema }
  let wire = wireOf(msg)
  if (path.length === 0) {
    wire = SENTINEL
  } else {
    let schema = entry.schema
    let parent = wire as unknown[]
    for (const [n, key] of path.entries()) {
      // a union's fields follow its variant code
      const d = schema.desc
      const variant = d.kind === 'union' ? d.variants.find((v) => v.code === parent[0]) : undefined
      const [i, inner] = wireIndex(variant?.schema ?? schema, key)
      const at = variant === undefined ? i : i + 1
      if (n === path.length - 1) parent[at] = SENTINEL
      else parent = parent[at] as unknown[]
      schema = inner
    }
  }
  const bytes = Buffer.from(rawEnvelope(msg.type, msg.id ?? null, wire))
  const at = bytes.indexOf(Buffer.from([0xc4, SENTINEL.length, ...SENTINEL]))
  if (at < 0) throw new Error('sentinel not found')
  return Buffer.concat([bytes.subarray(0, at), value, bytes.subarray(at + 2 + SENTINEL.length)])
}

/** The envelope of message type `type` whose data is a hostile list `size` bytes long in all. */
export function junkEnvelope(type: MessageType, unit: readonly number[], size: number): Uint8Array {
  const code = (entryOfType(type) as { code: number }).code
  return Buffer.concat([Uint8Array.of(0x93, code, 0xc0), junkList(unit, size - 3)])
}

/** A valid `new_block` of `txs` minimal transactions (141 to 145 bytes each): 25,000 make 3.5 MB. */
export function minimalBlock(txs: number): Uint8Array {
  const tx = (i: number): Transaction => ({
    version: 1,
    from: bytesOf(32, i + 1),
    to: bytesOf(32, i + 2),
    amount: BigInt(i % 100),
    fee: 1n,
    nonce: i,
    data: new Uint8Array(0),
    signature: bytesOf(64, i + 3),
  })
  const header = {
    version: 1,
    height: 7,
    prevHash: bytesOf(32, 1),
    merkleRoot: bytesOf(32, 2),
    timestamp: 1_700_000_000_000,
    bits: 0x1d00ffff,
    nonce: 42,
  }
  return encode({
    type: 'new_block',
    data: { block: { header, transactions: Array.from({ length: txs }, (_, i) => tx(i)) } },
  })
}

/** CPU time (user + system, ms) of the fastest of `runs` calls of `fn`. */
export function cpuMs(fn: () => void, runs = 3): number {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage()
    fn()
    const used = process.cpuUsage(start)
    best = Math.min(best, (used.user + used.system) / 1000)
  }
  return best
}

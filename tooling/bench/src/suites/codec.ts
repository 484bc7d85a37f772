import {
  type Block,
  type BlockHeader,
  decode,
  encode,
  type InvItem,
  type Message,
  type MessageOf,
  type Transaction,
} from '@chainwire/protocol-codec'
import { ChainData } from '../codec/chain-data'
import { benchHostile } from '../codec/hostile'
import { compare } from '../measure'
import type { Suite, SuiteContext } from '../types'

/*
 * The msgpack codec of @chainwire/protocol-codec against the JSON the original protocols used, in the same
 * run: `JSON.stringify` / `JSON.parse` of the same message objects, with binary fields written as hex
 * strings (and 64-bit amounts as decimal strings) on encode and converted back on decode. The JSON side is
 * hand-written per message shape and does no validation, so it is the fastest JSON baseline there is; the
 * codec validates every field and limit in both directions.
 */

const chain = new ChainData(2024)
const randomBytes = (n: number): Uint8Array => chain.bytes(n)
const header = (height: number, prevHash: Uint8Array): BlockHeader => chain.header(height, prevHash)
/** One transaction in five carries a short memo. */
const transaction = (i: number): Transaction => chain.transaction(i % 5 === 0 ? 20 + chain.int(60) : 0)

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (s: string): Uint8Array => Buffer.from(s, 'hex')

interface JsonHeader {
  version: number
  height: number
  prevHash: string
  merkleRoot: string
  timestamp: number
  bits: number
  nonce: number
}

interface JsonTx {
  version: number
  from: string
  to: string
  amount: string
  fee: string
  nonce: number
  data: string
  signature: string
}

const headerToJson = (h: BlockHeader): JsonHeader => ({
  version: h.version,
  height: h.height,
  prevHash: hex(h.prevHash),
  merkleRoot: hex(h.merkleRoot),
  timestamp: h.timestamp,
  bits: h.bits,
  nonce: h.nonce,
})
const headerFromJson = (h: JsonHeader): BlockHeader => ({
  version: h.version,
  height: h.height,
  prevHash: unhex(h.prevHash),
  merkleRoot: unhex(h.merkleRoot),
  timestamp: h.timestamp,
  bits: h.bits,
  nonce: h.nonce,
})
const txToJson = (t: Transaction): JsonTx => ({
  version: t.version,
  from: hex(t.from),
  to: hex(t.to),
  amount: t.amount.toString(),
  fee: t.fee.toString(),
  nonce: t.nonce,
  data: hex(t.data),
  signature: hex(t.signature),
})
const txFromJson = (t: JsonTx): Transaction => ({
  version: t.version,
  from: unhex(t.from),
  to: unhex(t.to),
  amount: BigInt(t.amount),
  fee: BigInt(t.fee),
  nonce: t.nonce,
  data: unhex(t.data),
  signature: unhex(t.signature),
})

/** One benchmark case: a message, and its JSON encoding and decoding as a JSON protocol would write them. */
interface Case {
  name: string
  message: Message
  toJson(m: Message): string
  fromJson(text: string): Message
}

function cases(): Case[] {
  const ping: MessageOf<'ping'> = { type: 'ping', id: 17, data: { nonce: 3_141_592_653 } }

  const items: InvItem[] = Array.from({ length: 1_000 }, (_, i) => ({
    kind: i % 10 === 0 ? 'block' : 'tx',
    hash: randomBytes(32),
  }))
  const inv: MessageOf<'inv'> = { type: 'inv', data: { items } }

  const headers: BlockHeader[] = []
  let prev = randomBytes(32)
  for (let h = 800_000; h < 802_000; h++) {
    headers.push(header(h, prev))
    prev = randomBytes(32)
  }
  const headersMsg: MessageOf<'headers'> = { type: 'headers', id: 42, data: { headers } }

  const block: Block = {
    header: header(802_000, prev),
    transactions: Array.from({ length: 2_000 }, (_, i) => transaction(i)),
  }
  const blockMsg: MessageOf<'new_block'> = { type: 'new_block', data: { block } }

  return [
    {
      name: 'ping',
      message: ping,
      toJson: (m) => JSON.stringify(m),
      fromJson: (s) => JSON.parse(s) as Message,
    },
    {
      name: 'inv (1,000 hashes)',
      message: inv,
      toJson: (m) => {
        const d = (m as MessageOf<'inv'>).data
        return JSON.stringify({
          type: m.type,
          data: { items: d.items.map((x) => ({ kind: x.kind, hash: hex(x.hash) })) },
        })
      },
      fromJson: (s) => {
        const j = JSON.parse(s) as { type: 'inv'; data: { items: { kind: InvItem['kind']; hash: string }[] } }
        return {
          type: j.type,
          data: { items: j.data.items.map((x) => ({ kind: x.kind, hash: unhex(x.hash) })) },
        }
      },
    },
    {
      name: 'headers (2,000)',
      message: headersMsg,
      toJson: (m) => {
        const h = m as MessageOf<'headers'>
        return JSON.stringify({ type: h.type, id: h.id, data: { headers: h.data.headers.map(headerToJson) } })
      },
      fromJson: (s) => {
        const j = JSON.parse(s) as { type: 'headers'; id: number; data: { headers: JsonHeader[] } }
        return { type: j.type, id: j.id, data: { headers: j.data.headers.map(headerFromJson) } }
      },
    },
    {
      name: 'block (2,000 txs)',
      message: blockMsg,
      toJson: (m) => {
        const b = (m as MessageOf<'new_block'>).data.block
        return JSON.stringify({
          type: m.type,
          data: { block: { header: headerToJson(b.header), transactions: b.transactions.map(txToJson) } },
        })
      },
      fromJson: (s) => {
        const j = JSON.parse(s) as {
          type: 'new_block'
          data: { block: { header: JsonHeader; transactions: JsonTx[] } }
        }
        const b = j.data.block
        return {
          type: j.type,
          data: { block: { header: headerFromJson(b.header), transactions: b.transactions.map(txFromJson) } },
        }
      },
    },
  ]
}

/** Both sides must decode to the same message before anything is timed. */
function checkEquivalent(c: Case): void {
  const ours = encode(decode(encode(c.message)))
  const viaJson = encode(c.fromJson(c.toJson(c.message)))
  if (Buffer.compare(ours, viaJson) !== 0 || Buffer.compare(ours, encode(c.message)) !== 0) {
    throw new Error(`codec bench: ${c.name}: msgpack and JSON round trips disagree`)
  }
}

const suite: Suite = {
  name: 'codec',
  description:
    'msgpack envelope (encode + decode, fully validated) vs JSON.stringify/JSON.parse with hex binary fields; ' +
    'hostile envelopes refused vs a valid block of the same size decoded; same run',
  async run(ctx: SuiteContext): Promise<void> {
    // `pnpm bench codec [messages] [hostile]`: both parts unless one is named
    const only = ctx.args.filter((a) => a === 'messages' || a === 'hostile')
    if (only.length === 0 || only.includes('messages')) benchMessages(ctx)
    if (only.length === 0 || only.includes('hostile')) benchHostile(ctx)
  },
}

/** Each message case: round trip, size, encode and decode against JSON + hex. */
function benchMessages(ctx: SuiteContext): void {
  const baseline = 'JSON + hex'
  for (const c of cases()) {
    checkEquivalent(c)
    const bytes = encode(c.message)
    const text = c.toJson(c.message)

    const rt = compare(
      () => decode(encode(c.message)),
      () => c.fromJson(c.toJson(c.message)),
    )
    ctx.report({
      suite: 'codec',
      case: c.name,
      metric: 'round trip',
      value: rt.candidate,
      unit: 'ops/s',
      baseline,
      baselineValue: rt.baseline,
      ratio: rt.ratio,
    })

    const jsonBytes = Buffer.byteLength(text)
    ctx.report({
      suite: 'codec',
      case: c.name,
      metric: 'encoded size',
      value: bytes.length,
      unit: 'bytes',
      baseline,
      baselineValue: jsonBytes,
      ratio: jsonBytes / bytes.length,
    })

    const enc = compare(
      () => encode(c.message),
      () => c.toJson(c.message),
      3,
    )
    ctx.report({
      suite: 'codec',
      case: c.name,
      metric: 'encode',
      value: enc.candidate,
      unit: 'ops/s',
      baseline,
      baselineValue: enc.baseline,
      ratio: enc.ratio,
    })

    const dec = compare(
      () => decode(bytes),
      () => c.fromJson(text),
      3,
    )
    ctx.report({
      suite: 'codec',
      case: c.name,
      metric: 'decode',
      value: dec.candidate,
      unit: 'ops/s',
      baseline,
      baselineValue: dec.baseline,
      ratio: dec.ratio,
    })
  }
}

export default suite

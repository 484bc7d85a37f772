#!/usr/bin/env node
// The protocol demo of the Quick start: builds a sample block message, sends it through the wire format
// (msgpack envelope in a length-prefixed frame, split into small network chunks), decodes it back and prints
// the JSON view that logs, tools and the HTTP API use. Runs against the built @chainwire/protocol-codec.
import { createHash } from 'node:crypto'
import { encode, encodeFrame, jsonCodec, MessageFrameDecoder } from '@chainwire/protocol-codec'

const bytes = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)
const transactions = Array.from({ length: 3 }, (_, i) => ({
  version: 1,
  from: bytes(32, 1 + i),
  to: bytes(32, 50 + i),
  amount: 1_000_000n * BigInt(i + 1),
  fee: 1_000n,
  nonce: i,
  data: new Uint8Array(0),
  signature: bytes(64, 100 + i),
}))
const merkleRoot = createHash('sha256')
  .update(Buffer.concat(transactions.map((t) => Buffer.from(t.signature))))
  .digest()
const block = {
  type: 'new_block',
  data: {
    block: {
      header: {
        version: 1,
        height: 1,
        prevHash: new Uint8Array(32),
        merkleRoot: new Uint8Array(merkleRoot),
        timestamp: Date.UTC(2026, 0, 1),
        bits: 0x1f00ffff,
        nonce: 42,
      },
      transactions,
    },
  },
}

const envelope = encode(block)
const frame = encodeFrame(block)
const decoder = new MessageFrameDecoder({ maxMessageSize: 4_000_000 })
const received = []
for (let i = 0; i < frame.length; i += 100) received.push(...decoder.push(frame.subarray(i, i + 100)))
const [first] = received
if (received.length !== 1 || !first.ok) {
  console.error('demo failed: the frame did not decode', received)
  process.exit(1)
}
const json = jsonCodec.encode(first.message, {
  from: 'demo-miner',
  to: 'demo-peer',
  timestamp: Date.UTC(2026, 0, 1),
})
const jsonBytes = Buffer.byteLength(json)

console.log('chainwire protocol demo: a new_block with 3 transactions\n')
console.log(
  `msgpack envelope: ${envelope.length} bytes (frame ${frame.length} bytes with its 4-byte length prefix)`,
)
console.log(`JSON view:        ${jsonBytes} bytes`)
console.log(`decoded from ${Math.ceil(frame.length / 100)} chunks of 100 bytes: ${first.message.type}\n`)
console.log(JSON.stringify(JSON.parse(json), null, 2))

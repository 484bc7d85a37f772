import { createHash } from 'node:crypto'
import type { Block, Message, Transaction } from '@chainwire/protocol-codec'

/** What a flooded message is, for the metrics: workload blocks and transactions, or an adversary's spam. */
export type PayloadKind = 'block' | 'transaction' | 'spam'

/** Bytes of transaction data per filler transaction (the protocol's limit). */
const TX_DATA = 65_536
const FILLER = new Uint8Array(TX_DATA)
const ZERO32 = new Uint8Array(32)
const ZERO64 = new Uint8Array(64)

/**
 * The 32-byte tag a flooded message carries (as a block's merkle root or a transaction's recipient), binding
 * its id and payload size: a receiver recomputes it to reject a tampered copy.
 */
export function payloadTag(id: number, payloadBytes: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`netsim:${id}:${payloadBytes}`).digest())
}

function filler(bytes: number, nonce: number, tag: Uint8Array): Transaction {
  return {
    version: 1,
    from: ZERO32,
    to: tag,
    amount: 0n,
    fee: 0n,
    nonce,
    data: FILLER.subarray(0, bytes),
    signature: ZERO64,
  }
}

/**
 * Builds the message a node floods: a `new_block` whose transactions carry `payloadBytes` of data (a block
 * 'mined' by the node), or a `new_transaction` with that much data. The id goes in the header's height (or
 * the transaction's nonce); `timestampMs` is the publisher's clock.
 */
export function buildPayload(
  type: 'block' | 'transaction',
  id: number,
  payloadBytes: number,
  timestampMs: number,
): Message {
  const tag = payloadTag(id, payloadBytes)
  if (type === 'transaction')
    return { type: 'new_transaction', data: { transaction: filler(payloadBytes, id, tag) } }
  const transactions: Transaction[] = []
  let left = payloadBytes
  do {
    const n = Math.min(left, TX_DATA)
    transactions.push(filler(n, transactions.length, ZERO32))
    left -= n
  } while (left > 0)
  const block: Block = {
    header: {
      version: 1,
      height: id,
      prevHash: ZERO32,
      merkleRoot: tag,
      timestamp: timestampMs,
      bits: 0,
      nonce: id,
    },
    transactions,
  }
  return { type: 'new_block', data: { block } }
}

/** A flooded message as a receiver reads it: its id, and whether its tag matches its content. */
export interface PayloadInfo {
  readonly id: number
  readonly valid: boolean
}

/** Reads a received `new_block` / `new_transaction` built by {@link buildPayload}. */
export function readPayload(message: Message): PayloadInfo | undefined {
  if (message.type === 'new_transaction') {
    const tx = message.data.transaction
    return { id: tx.nonce, valid: sameBytes(tx.to, payloadTag(tx.nonce, tx.data.byteLength)) }
  }
  if (message.type === 'new_block') {
    const b = message.data.block
    let bytes = 0
    for (const tx of b.transactions) bytes += tx.data.byteLength
    return { id: b.header.height, valid: sameBytes(b.header.merkleRoot, payloadTag(b.header.height, bytes)) }
  }
  return undefined
}

/** A copy of a flooded message with its tag corrupted: what a lying node relays. */
export function tamper(message: Message): Message {
  const flip = (tag: Uint8Array): Uint8Array => {
    const copy = new Uint8Array(tag)
    copy[0] = (copy[0] as number) ^ 0xff
    return copy
  }
  if (message.type === 'new_transaction') {
    const tx = message.data.transaction
    return { type: 'new_transaction', data: { transaction: { ...tx, to: flip(tx.to) } } }
  }
  if (message.type === 'new_block') {
    const b = message.data.block
    return {
      type: 'new_block',
      data: { block: { ...b, header: { ...b.header, merkleRoot: flip(b.header.merkleRoot) } } },
    }
  }
  return message
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

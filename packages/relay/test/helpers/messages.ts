import type { PeerId } from '@chainwire/interface'
import type { Block, Message, MessageOf, RelayData, Transaction } from '@chainwire/protocol-codec'

const ZERO32 = new Uint8Array(32)
const ZERO64 = new Uint8Array(64)

/** A transaction whose nonce makes it unique; `dataBytes` of payload. */
export function tx(nonce: number, dataBytes = 100): Transaction {
  return {
    version: 1,
    from: ZERO32,
    to: new Uint8Array(32).fill(nonce % 256),
    amount: BigInt(nonce),
    fee: 1n,
    nonce,
    data: new Uint8Array(dataBytes).fill(7),
    signature: ZERO64,
  }
}

/** A `new_transaction` message. */
export function txMessage(nonce: number, dataBytes = 100): MessageOf<'new_transaction'> {
  return { type: 'new_transaction', data: { transaction: tx(nonce, dataBytes) } }
}

/** A `new_block` at `height` carrying about `bytes` of transaction data; `timestamp` defaults to now-ish. */
export function blockMessage(
  height: number,
  bytes = 2_000,
  timestamp = 1_700_000_000_000,
): MessageOf<'new_block'> {
  const transactions: Transaction[] = []
  for (let left = bytes, i = 0; left > 0 || i === 0; i++) {
    const n = Math.min(left, 60_000)
    transactions.push(tx(height * 1_000 + i, n))
    left -= n
  }
  const block: Block = {
    header: {
      version: 1,
      height,
      prevHash: ZERO32,
      merkleRoot: new Uint8Array(32).fill(height % 256),
      timestamp,
      bits: 0,
      nonce: height,
    },
    transactions,
  }
  return { type: 'new_block', data: { block } }
}

/** A `consensus_vote` from validator key `validator`. */
export function voteMessage(height: number, validator: Uint8Array): MessageOf<'consensus_vote'> {
  return {
    type: 'consensus_vote',
    data: { height, round: 0, step: 'prevote', validator, signature: ZERO64 },
  }
}

/** A relay envelope. */
export function envelope(data: Partial<RelayData> & { origin: PeerId; payload: Uint8Array }): Message {
  return { type: 'relay', data: { hops: 0, ttl: 3, ...data } }
}

/** Subscribes a peer to topics (what its relay sends after connecting). */
export function subscribe(...topics: string[]): Message {
  return { type: 'subscribe', data: { topics: topics.map((topic) => ({ topic, subscribed: true })) } }
}

/** A fake 32-byte id. */
export function fakeId(n: number): Uint8Array {
  const id = new Uint8Array(32)
  new DataView(id.buffer).setUint32(0, n)
  id[31] = 0xaa
  return id
}

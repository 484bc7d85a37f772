import { CATALOG, CodecError, decode, encode, type Message } from '@chainwire/protocol-codec'
import { compareCpu } from '../measure'
import type { SuiteContext } from '../types'
import { ChainData } from './chain-data'

/*
 * The CPU time a hostile envelope costs to refuse, against decoding a valid block of the same size, in the
 * same run (ratio > 1: refusing it is cheaper than decoding a valid block of its size). The allocation bombs of 4 MB
 * (before the shape check, 4 MB of empty arrays cost 10-14 times a valid block), and the worst envelopes
 * found that pass the shape check: valid in shape to the end, refused by the schema at their last value,
 * so everything before it is decoded as for a valid message.
 */

const chain = new ChainData(77)
const header = chain.header(802_000, chain.bytes(32))

/** A valid `new_block` of about `size` bytes (as many transactions as fit, memos once the count is full). */
function validBlock(size: number): Uint8Array {
  const perTx = 152
  const count = Math.min(25_000, Math.max(1, Math.floor((size - 100) / perTx)))
  const data = Math.max(0, Math.floor((size - 100) / count) - perTx)
  // nonces below 128 take one byte, so the last one can be found from the end
  const transactions = Array.from({ length: count }, (_, i) => chain.transaction(data, i % 128))
  return encode({ type: 'new_block', data: { block: { header, transactions } } })
}

/** `[new_block, nil, [unit, unit, ...]]`, `size` bytes in all: the allocation bomb of the issue. */
function junkBlock(unit: readonly number[], size: number): Uint8Array {
  const count = Math.floor((size - 8) / unit.length)
  const out = new Uint8Array(8 + count * unit.length)
  out.set([0x93, CATALOG.new_block.code, 0xc0, 0xdd, count >>> 24, (count >>> 16) & 255, (count >>> 8) & 255])
  out[7] = count & 255
  for (let at = 8; at < out.length; at += unit.length) out.set(unit, at)
  return out
}

/** A valid block whose last transaction's nonce (its fifth-last field) is -1: refused at its last value. */
function blockWithLastNonceNegative(size: number): Uint8Array {
  const bytes = validBlock(size)
  // the last transaction ends with nonce (one byte), data (bin8 of 0 bytes) and signature (bin8 of 64)
  bytes[bytes.length - 1 - 66 - 2] = 0xff
  return bytes
}

/** 1,000 peers with 8 addresses of 290 bytes each, the very last address not an address. */
function peersWithLastAddressInvalid(): Uint8Array {
  const base32 = 'abcdefghijklmnopqrstuvwxyz234567'
  const peerId = (i: number): string =>
    `cw${Array.from({ length: 51 }, (_, k) => base32[(i * 7 + k) % 32]).join('')}a`
  const msg: Message = {
    type: 'peers',
    id: 1,
    data: {
      peers: Array.from({ length: 1_000 }, (_, i) => ({
        peerId: peerId(i),
        addrs: Array.from({ length: 8 }, (_, k) => `wss://node${i}-${k}.example.org:443/${'p'.repeat(250)}`),
        roles: ['full', 'light', 'bootstrap', 'validator'],
        lastSeen: 1_700_000_000_000,
      })),
    },
  }
  const bytes = encode(msg)
  // the last address ends 9 bytes (lastSeen) + 5 bytes (four role codes and their array header) before
  // the end; a space in its path makes it no address
  bytes[bytes.length - 9 - 5 - 10] = 0x20
  return bytes
}

/** 25,000 indexes of a compact block's transactions (the most the type takes). */
function blockTxsRequest(): Uint8Array {
  const indexes = Array.from({ length: 25_000 }, (_, i) => i)
  return encode({ type: 'get_block_txs', id: 1, data: { blockHash: chain.bytes(32), indexes } })
}

/** {@link blockTxsRequest} with its last index out of order. */
function blockTxsRequestOutOfOrder(): Uint8Array {
  const bytes = blockTxsRequest()
  bytes[bytes.length - 1] = 0
  return bytes
}

interface HostileCase {
  name: string
  bytes: Uint8Array
  /**
   * Where the decoder must refuse it (checked before timing, so a misplaced patch cannot go unseen), or
   * `undefined` for a valid message measured as the hostile one's point of comparison.
   */
  path: string | undefined
}

function hostileCases(): HostileCase[] {
  const size = 4_000_000
  return [
    { name: '4 MB of empty arrays (new_block)', bytes: junkBlock([0x90], size), path: 'data' },
    { name: '4 MB of empty byte strings (new_block)', bytes: junkBlock([0xc4, 0x00], size), path: 'data' },
    { name: '4 MB of nested arrays (new_block)', bytes: junkBlock([0x91], size), path: 'data' },
    {
      name: 'block of 24,999 txs, last nonce -1',
      bytes: blockWithLastNonceNegative(3_800_000),
      path: 'data.block.transactions[24998].nonce',
    },
    {
      name: 'peers (1,000 x 8 long addresses), last invalid',
      bytes: peersWithLastAddressInvalid(),
      path: 'data.peers[999].addrs[7]',
    },
    {
      name: 'get_block_txs (25,000 indexes), last out of order',
      bytes: blockTxsRequestOutOfOrder(),
      path: 'data.indexes[24999]',
    },
    // the same message valid costs as much: what makes it dear is 25,000 small integers, not hostility
    { name: 'get_block_txs (25,000 indexes), valid', bytes: blockTxsRequest(), path: undefined },
  ]
}

/** Decodes `bytes` and returns where they were refused (`undefined` when they decoded). */
function refuse(bytes: Uint8Array): unknown {
  try {
    decode(bytes)
  } catch (err) {
    if (CodecError.isInstance(err)) return (err as CodecError).details.path
    throw err
  }
  return undefined
}

/** Reports, for each hostile envelope, the CPU time of a refusal against a valid-block decode of its size. */
export function benchHostile(ctx: SuiteContext): void {
  for (const c of hostileCases()) {
    const path = refuse(c.bytes)
    if (path !== c.path) throw new Error(`codec bench: ${c.name} refused at ${String(path)}, not ${c.path}`)
    const valid = validBlock(c.bytes.length)
    decode(valid)
    const r = compareCpu(
      () => refuse(c.bytes),
      () => decode(valid),
      7,
    )
    ctx.report({
      suite: 'codec',
      case: `${c.name}, ${c.bytes.length.toLocaleString('en-US')} B`,
      metric: c.path === undefined ? 'CPU time to decode' : 'CPU time to refuse',
      value: r.candidate,
      unit: 'ms',
      baseline: `valid block, ${valid.length.toLocaleString('en-US')} B`,
      baselineValue: r.baseline,
      ratio: r.ratio,
    })
  }
}

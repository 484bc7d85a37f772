/** JSON rendering for the API: bytes as lowercase hex, bigints as decimal strings (the codec's JSON view rules). */

import type { Block, Transaction } from '@chainwire/protocol-codec'
import { toJSON } from '@chainwire/protocol-codec'

/** A value with bytes and bigints made JSON-safe, recursively (bounded depth). */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (depth > 32) return null
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map((v) => jsonSafe(v, depth + 1))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'function') out[k] = jsonSafe(v, depth + 1)
    return out
  }
  return value
}

/** A block in the codec's JSON view. */
export function blockJson(block: Block): unknown {
  return (toJSON({ type: 'new_block', data: { block } }).data as { block: unknown }).block
}

/** A transaction in the codec's JSON view. */
export function transactionJson(transaction: Transaction): unknown {
  return (toJSON({ type: 'new_transaction', data: { transaction } }).data as { transaction: unknown })
    .transaction
}

import type { Block, CompactBlockData, Transaction } from '@chainwire/protocol-codec'
import { equalBytes } from '../bytes'
import { readShortId, SHORT_ID_BYTES, shortId, shortIdKey } from './short-id'

/** A compact block being rebuilt: its slots, and which ones still lack a transaction. */
export interface PartialBlock {
  readonly header: CompactBlockData['header']
  readonly key: Uint8Array
  /** One entry per transaction of the block, in block order. */
  readonly slots: (Transaction | undefined)[]
  /** The short id expected in each slot (undefined for prefilled slots). */
  readonly shortIds: (number | undefined)[]
  /** Indexes still missing, ascending. */
  readonly missing: number[]
}

/** What the first reconstruction pass gives. */
export type Reconstruction =
  | { readonly kind: 'complete'; readonly block: Block }
  | { readonly kind: 'partial'; readonly partial: PartialBlock }
  /** Two transactions of the block share a short id: only the full block will do (BIP 152). */
  | { readonly kind: 'collision' }

/**
 * Rebuilds a compact block from its prefilled transactions and the transactions we hold (mempool and the
 * recent-transaction cache), by short id. A short id that matches two different transactions of ours is left
 * missing and asked for (it cannot be told which one the block has; the same transaction offered by both
 * sources is one match); two equal short ids inside the block make it unrebuildable.
 */
export function reconstruct(
  compact: CompactBlockData,
  headerHash: Uint8Array,
  candidates: Iterable<[Uint8Array, () => Transaction | undefined]>,
): Reconstruction {
  const count = compact.shortIds.length / SHORT_ID_BYTES + compact.prefilled.length
  const key = shortIdKey(headerHash, compact.nonce)
  const slots: (Transaction | undefined)[] = new Array(count).fill(undefined)
  const ids: (number | undefined)[] = new Array(count).fill(undefined)
  for (const p of compact.prefilled) slots[p.index] = p.transaction
  const slotOf = new Map<number, number>()
  let next = 0
  for (let i = 0; i < count; i++) {
    if (slots[i] !== undefined) continue
    const id = readShortId(compact.shortIds, next * SHORT_ID_BYTES)
    next++
    if (slotOf.has(id)) return { kind: 'collision' }
    slotOf.set(id, i)
    ids[i] = id
  }
  const ambiguous = new Set<number>()
  const filledBy: (Uint8Array | undefined)[] = new Array(count).fill(undefined)
  for (const [hash, get] of candidates) {
    const slot = slotOf.get(shortId(key, hash))
    if (slot === undefined || ambiguous.has(slot)) continue
    const other = filledBy[slot]
    if (other !== undefined) {
      if (equalBytes(other, hash)) continue // the same transaction from two sources (mempool, recent cache)
      slots[slot] = undefined
      ambiguous.add(slot)
      continue
    }
    const tx = get()
    if (tx === undefined) continue
    slots[slot] = tx
    filledBy[slot] = hash
  }
  const missing: number[] = []
  for (let i = 0; i < count; i++) if (slots[i] === undefined) missing.push(i)
  if (missing.length === 0) {
    return { kind: 'complete', block: { header: compact.header, transactions: slots as Transaction[] } }
  }
  return { kind: 'partial', partial: { header: compact.header, key, slots, shortIds: ids, missing } }
}

/**
 * Fills the missing slots with a `block_txs` answer. Returns the block, or undefined when the answer does
 * not fit: a wrong count, or a transaction whose short id is not the one of its slot (the peer's fault).
 */
export function complete(
  partial: PartialBlock,
  transactions: readonly Transaction[],
  hashTransaction: (tx: Transaction) => Uint8Array,
): Block | undefined {
  if (transactions.length !== partial.missing.length) return undefined
  const slots = [...partial.slots]
  for (const [i, index] of partial.missing.entries()) {
    const tx = transactions[i] as Transaction
    if (shortId(partial.key, hashTransaction(tx)) !== partial.shortIds[index]) return undefined
    slots[index] = tx
  }
  return { header: partial.header, transactions: slots as Transaction[] }
}

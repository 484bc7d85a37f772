import type { Block } from '@chainwire/protocol-codec'
import { equalBytes, toHex } from '../bytes'
import { fail } from '../errors'
import { HEADER_BYTES } from '../header/header'
import { merkleRoot } from '../merkle'
import type { Network } from '../network/network'
import { checkTransaction, checkTransactionShape } from '../tx/checks'
import { isCoinbase, transactionHash, transactionSize } from '../tx/tx'

/** What the context-free block checks learnt, reused by connection. */
export interface CheckedBlock {
  /** The transaction hashes, in block order (the merkle leaves). */
  txHashes: Uint8Array[]
  /** 96 header bytes plus the canonical bytes of every transaction. */
  size: number
}

/**
 * Whether a block's transactions hash to its header's merkle root without the CVE-2012-2459 mutation: the
 * body belongs to the header. A body that fails this was changed in transit (or rebuilt wrongly from short
 * ids), which says nothing about the header.
 */
export function merkleRootMatches(block: Block): boolean {
  try {
    const { root, mutated } = merkleRoot(block.transactions.map(transactionHash))
    return !mutated && equalBytes(root, block.header.merkleRoot)
  } catch {
    return false // a transaction that does not serialise
  }
}

/**
 * The context-free checks of a block body against its header (the header itself is checked by
 * `checkHeader`): at least the coinbase and at most the network's transaction count and size, every
 * transaction well-formed, the merkle root, no CVE-2012-2459 mutation, no duplicate transaction, exactly
 * one coinbase and it first, with the height as its nonce. Signatures and state come later.
 * Order matters: `ERR_BAD_TX`, `ERR_BAD_MERKLE_ROOT` and `ERR_MUTATED_BLOCK` mean "this body is not the
 * header's" and do not make the header invalid; what is found after the root matched does.
 */
export function checkBlockBody(block: Block, network: Network): CheckedBlock {
  const txs = block.transactions
  if (!Array.isArray(txs) || txs.length === 0) fail('ERR_EMPTY_BLOCK', 'a block needs a coinbase')
  if (txs.length > network.maxBlockTransactions) {
    fail('ERR_BLOCK_TOO_LARGE', 'too many transactions', {
      count: txs.length,
      max: network.maxBlockTransactions,
    })
  }
  let size = HEADER_BYTES
  const txHashes: Uint8Array[] = new Array(txs.length)
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i] as (typeof txs)[number]
    try {
      checkTransactionShape(tx)
    } catch (err) {
      fail('ERR_BAD_TX', 'malformed transaction in block', { index: i, cause: err })
    }
    size += transactionSize(tx)
    txHashes[i] = transactionHash(tx)
  }
  const { root, mutated } = merkleRoot(txHashes)
  if (!equalBytes(root, block.header.merkleRoot)) fail('ERR_BAD_MERKLE_ROOT', 'merkle root mismatch')
  if (mutated) fail('ERR_MUTATED_BLOCK', 'transaction list mutated to the same merkle root (CVE-2012-2459)')
  if (size > network.maxBlockBytes)
    fail('ERR_BLOCK_TOO_LARGE', 'block too large', { size, max: network.maxBlockBytes })
  const seen = new Set<string>()
  for (const h of txHashes) {
    const k = toHex(h)
    if (seen.has(k)) fail('ERR_DUPLICATE_TX', 'a transaction appears twice', { hash: k })
    seen.add(k)
  }
  const coinbase = txs[0] as (typeof txs)[number]
  if (!isCoinbase(coinbase) || coinbase.fee !== 0n || coinbase.nonce !== block.header.height) {
    fail('ERR_BAD_COINBASE', 'the first transaction must be a coinbase with fee 0 and the height as nonce')
  }
  if (coinbase.data.length > network.maxCoinbaseDataBytes) fail('ERR_BAD_COINBASE', 'coinbase data too large')
  for (let i = 1; i < txs.length; i++) {
    const tx = txs[i] as (typeof txs)[number]
    if (isCoinbase(tx)) fail('ERR_BAD_COINBASE', 'only the first transaction may be a coinbase', { index: i })
    try {
      checkTransaction(tx)
    } catch (err) {
      fail('ERR_BAD_COINBASE', 'a transfer from the coinbase key', { index: i, cause: err })
    }
  }
  return { txHashes, size }
}

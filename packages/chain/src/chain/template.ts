import type { BlockHeader } from '@chainwire/protocol-codec'
import { HEADER_VERSION } from '../header/checks'
import { HEADER_BYTES } from '../header/header'
import type { Mempool } from '../mempool/mempool'
import { merkleRoot } from '../merkle'
import type { Network } from '../network/network'
import { createCoinbase, transactionHash, transactionSize } from '../tx/tx'
import type { BlockIndex } from './block-index'
import type { BlockTemplate } from './types'

/**
 * A block to mine on the active tip paying `minerKey`: the highest fee rate transactions that fit, the
 * coinbase with reward plus fees, the retarget's bits and a timestamp of max(now, median-time-past + 1).
 */
export function buildTemplate(
  index: BlockIndex,
  mempool: Mempool,
  network: Network,
  now: number,
  minerKey: Uint8Array,
  coinbaseData: Uint8Array,
): BlockTemplate {
  const parent = index.tip
  const height = parent.height + 1
  // Room for the coinbase at its largest amount (the u64 amount has a fixed size in the canonical form).
  const room =
    network.maxBlockBytes - HEADER_BYTES - transactionSize(createCoinbase(height, minerKey, 0n, coinbaseData))
  const picked = mempool.select(room, network.maxBlockTransactions - 1)
  let fees = 0n
  for (const e of picked) fees += e.tx.fee
  const coinbase = createCoinbase(height, minerKey, network.blockReward + fees, coinbaseData)
  const transactions = [coinbase, ...picked.map((e) => e.tx)]
  const header: BlockHeader = {
    version: HEADER_VERSION,
    height,
    prevHash: parent.hash,
    merkleRoot: merkleRoot(transactions.map(transactionHash)).root,
    timestamp: Math.max(now, index.medianTimePast(parent) + 1),
    bits: index.expectedBits(parent),
    nonce: 0,
  }
  return { header, transactions, fees }
}

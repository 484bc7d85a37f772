import type { Block } from '@chainwire/protocol-codec'
import type { FullChain } from '../chain/chain'
import type { Miner } from './miner'

/**
 * Mines one block on the chain's tip paying `minerKey`: takes a block template (mempool transactions by
 * fee rate, coinbase with reward plus fees), solves it in the miner's worker thread, and returns the block.
 * Submit it with `chain.acceptBlock`. A template whose nonces run out is rebuilt (a later timestamp).
 */
export async function mineBlock(
  chain: FullChain,
  miner: Miner,
  minerKey: Uint8Array,
  options: { signal?: AbortSignal; coinbaseData?: Uint8Array } = {},
): Promise<Block> {
  for (;;) {
    const template = await chain.blockTemplate(minerKey, { coinbaseData: options.coinbaseData })
    const header = await miner.solve(template.header, { signal: options.signal })
    if (header !== undefined) return { header, transactions: template.transactions }
  }
}

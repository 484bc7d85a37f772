/* Internal modules the tests reach (not part of the public API). */
import type { Block } from '@chainwire/protocol-codec'
import type { Network } from '../src/index'
import type { Account } from '../src/state/account'
import { applyBlock } from '../src/state/apply'

export { bigIntToBytes32 } from '../src/bytes'
export { type BlockEntry, BlockIndex } from '../src/chain/block-index'
export type { Account } from '../src/state/account'
export { HeaderFlags } from '../src/store/store'

/** Applies a block to a plain map state (what a replay from genesis does). */
export function applyBlockForTest(block: Block, state: Map<string, Account>, network: Network): void {
  applyBlock(
    block,
    {
      get: (hex) => state.get(hex),
      set: (hex, _key, account) => {
        if (account === undefined) state.delete(hex)
        else state.set(hex, account)
      },
    },
    network,
  )
}

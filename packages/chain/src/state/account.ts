import type { Block } from '@chainwire/protocol-codec'
import { toHex } from '../bytes'

/** An account's state: its balance and the nonce its next transaction must carry. */
export interface Account {
  balance: bigint
  nonce: number
}

/** The state of an account that never received or sent anything. */
export const EMPTY_ACCOUNT: Readonly<Account> = Object.freeze({ balance: 0n, nonce: 0 })

/**
 * The account keys a block touches (senders and recipients, coinbase recipient included), as hex, in
 * first-appearance order: what its state change and undo data cover, what the mempool re-checks after the
 * block, and what a compact block filter (BIP 158) over account keys would hold.
 */
export function blockAccountKeys(block: Block): string[] {
  const seen = new Set<string>()
  for (const tx of block.transactions) {
    seen.add(toHex(tx.from))
    seen.add(toHex(tx.to))
  }
  return [...seen]
}

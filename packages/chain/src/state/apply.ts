import type { Block } from '@chainwire/protocol-codec'
import { toHex } from '../bytes'
import { fail } from '../errors'
import type { Network } from '../network/network'
import type { UndoEntry } from '../store/store'
import { type Account, EMPTY_ACCOUNT } from './account'

const U64_MAX = 2n ** 64n - 1n

/** Account reads and writes during one block (or one reorg): an overlay over the committed state. */
export interface StateAccess {
  /** The account, `undefined` if it does not exist (the caller loaded every key the block touches). */
  get(hex: string): Account | undefined
  set(hex: string, key: Uint8Array, account: Account | undefined): void
}

/**
 * Applies a block whose body passed the context-free checks and signatures to the state: every transfer in
 * order (nonce equal to the sender's, balance covering amount plus fee, no balance past 2^64 - 1), then the
 * coinbase, which may pay at most the block reward plus the fees. Returns the undo data (each touched
 * account as it was before). Throws a `ChainError` on the first failure, with `state` partly changed: the
 * caller discards the overlay.
 */
export function applyBlock(block: Block, state: StateAccess, network: Network): UndoEntry[] {
  const undo = new Map<string, UndoEntry>()
  const touch = (hex: string, key: Uint8Array): Account => {
    const current = state.get(hex)
    if (!undo.has(hex)) undo.set(hex, { key, previous: current })
    return current ?? EMPTY_ACCOUNT
  }
  const txs = block.transactions
  let fees = 0n
  for (let i = 1; i < txs.length; i++) {
    const tx = txs[i] as (typeof txs)[number]
    const fromHex = toHex(tx.from)
    const sender = touch(fromHex, tx.from)
    if (tx.nonce < sender.nonce)
      fail('ERR_NONCE_USED', 'nonce already used', { index: i, nonce: tx.nonce, next: sender.nonce })
    if (tx.nonce > sender.nonce)
      fail('ERR_NONCE_GAP', 'nonce gap', { index: i, nonce: tx.nonce, next: sender.nonce })
    const cost = tx.amount + tx.fee
    if (cost > sender.balance)
      fail('ERR_INSUFFICIENT_FUNDS', 'overspend', { index: i, balance: sender.balance, cost })
    state.set(fromHex, tx.from, { balance: sender.balance - cost, nonce: sender.nonce + 1 })
    credit(state, touch, tx.to, tx.amount, i)
    fees += tx.fee
  }
  const coinbase = txs[0] as (typeof txs)[number]
  if (coinbase.amount > network.blockReward + fees) {
    fail('ERR_BAD_COINBASE', 'coinbase pays more than reward plus fees', {
      amount: coinbase.amount,
      allowed: network.blockReward + fees,
    })
  }
  credit(state, touch, coinbase.to, coinbase.amount, 0)
  return [...undo.values()]
}

function credit(
  state: StateAccess,
  touch: (hex: string, key: Uint8Array) => Account,
  to: Uint8Array,
  amount: bigint,
  index: number,
): void {
  const hex = toHex(to)
  const account = touch(hex, to)
  const balance = account.balance + amount
  if (balance > U64_MAX) fail('ERR_AMOUNT_OVERFLOW', 'balance above 2^64 - 1', { index })
  state.set(hex, to, { balance, nonce: account.nonce })
}

/** Reverts a block's state change from its undo data. */
export function revertBlock(undo: readonly UndoEntry[], state: StateAccess): void {
  for (const e of undo) state.set(toHex(e.key), e.key, e.previous)
}

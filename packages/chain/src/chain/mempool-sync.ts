import type { Block, Transaction } from '@chainwire/protocol-codec'
import { toHex } from '../bytes'
import type { Mempool, MempoolEntry } from '../mempool/mempool'
import { type Account, blockAccountKeys, EMPTY_ACCOUNT } from '../state/account'
import { transactionHash } from '../tx/tx'
import type { MempoolRemovalReason } from './types'

/** What {@link syncMempool} needs from the chain. */
export interface MempoolSyncContext {
  mempool: Mempool
  /** Committed accounts at the new tip. */
  readAccounts(hexes: readonly string[]): Promise<(Account | undefined)[]>
  now: number
  removed(entry: MempoolEntry, reason: MempoolRemovalReason): void
  added(hash: Uint8Array, tx: Transaction): void
}

/**
 * After the active chain changed: senders touched by removed or added blocks are re-checked against their
 * new accounts (mined and stale transactions leave), then transfers of removed blocks that the new branch
 * does not contain go back into the mempool, in nonce order, if still valid (the "replay transactions from
 * orphaned blocks" of the original node).
 */
export async function syncMempool(
  ctx: MempoolSyncContext,
  removedBlocks: readonly Block[],
  addedBlocks: readonly Block[],
): Promise<void> {
  const { mempool } = ctx
  const mined = new Set<string>()
  for (const b of addedBlocks) for (const tx of b.transactions) mined.add(toHex(transactionHash(tx)))
  const touched = new Set<string>()
  for (const b of [...removedBlocks, ...addedBlocks]) for (const k of blockAccountKeys(b)) touched.add(k)
  const senders = [...touched].filter((k) => mempool.hasSender(k))
  const accounts = await ctx.readAccounts(senders)
  senders.forEach((k, i) => {
    for (const e of mempool.revalidateSender(k, accounts[i] ?? EMPTY_ACCOUNT)) {
      ctx.removed(e, mined.has(e.key) ? 'mined' : 'invalid')
    }
  })
  for (const b of [...removedBlocks].reverse()) {
    for (const tx of b.transactions.slice(1)) {
      const hash = transactionHash(tx)
      if (mined.has(toHex(hash))) continue
      const [account] = await ctx.readAccounts([toHex(tx.from)])
      const r = mempool.add(tx, hash, account ?? EMPTY_ACCOUNT, ctx.now)
      // A rejected one is no longer valid on the new branch (or outbid): dropped, as its block was.
      if (r.kind === 'rejected') continue
      for (const e of r.evicted) ctx.removed(e, 'evicted')
      if (r.kind === 'replaced') ctx.removed(r.replaced, 'replaced')
      ctx.added(hash, tx)
    }
  }
}

import { BinaryHeap, type OptionSpec, option } from '@chainwire/interface'
import type { Transaction } from '@chainwire/protocol-codec'
import { toHex } from '../bytes'
import { resolveChainOptions } from '../chain/options'
import type { ChainErrorCode } from '../errors'
import type { Account } from '../state/account'
import { transactionSize } from '../tx/tx'
import { NonceChain } from './nonce-chain'

/** Options of the mempool (`ChainOptions.mempool`). */
export interface MempoolOptions {
  /** Transactions kept at most; past it the lowest fee rate is evicted. @default 50_000 */
  maxCount?: number
  /** Canonical bytes kept at most; past it the lowest fee rate is evicted. @default 33_554_432 (32 MiB) */
  maxBytes?: number
  /** Lowest fee rate accepted, in fee units per canonical byte. @default 1 */
  minFeeRate?: number
  /** A replacement (same sender and nonce) must pay at least this many percent more fee. @default 10 */
  replacementBumpPercent?: number
  /** Pending transactions of one sender at most (a nonce chain). @default 64 */
  maxPerSender?: number
  /** A transaction not mined after this long is dropped (with its sender's later ones). @default 86_400_000 */
  expiryMs?: number
}

/** One transaction in the mempool. */
export interface MempoolEntry {
  readonly tx: Transaction
  readonly hash: Uint8Array
  readonly key: string
  readonly sender: string
  readonly size: number
  /** fee / size. */
  readonly feeRate: number
  /** amount + fee. */
  readonly cost: bigint
  readonly addedAt: number
}

interface SenderQueue {
  account: Account
  /** Pending transactions by nonce: contiguous from `account.nonce`. */
  byNonce: NonceChain<MempoolEntry>
}

interface TailRef {
  entry: MempoolEntry
  seq: number
}

/**
 * What `add` did: a new transaction, one that replaced another (same sender and nonce), or a refusal. A
 * refusal is a value, not an exception: a full pool refuses many transactions under load, and building an
 * error (with its stack) for each would let cheap spam cost real CPU.
 */
export type MempoolAddResult =
  | { kind: 'added'; evicted: MempoolEntry[] }
  | { kind: 'replaced'; replaced: MempoolEntry; evicted: MempoolEntry[] }
  | { kind: 'rejected'; code: MempoolRejection }

/** Why the mempool refused a transaction. */
export type MempoolRejection = Extract<
  ChainErrorCode,
  | 'ERR_NONCE_USED'
  | 'ERR_NONCE_GAP'
  | 'ERR_INSUFFICIENT_FUNDS'
  | 'ERR_FEE_TOO_LOW'
  | 'ERR_REPLACEMENT_UNDERPAID'
  | 'ERR_SENDER_LIMIT'
>

/** The mempool's options: defaults and bounds. */
export const MEMPOOL_OPTIONS: OptionSpec<Required<MempoolOptions>> = {
  maxCount: option.integer(50_000, { min: 1 }),
  maxBytes: option.integer(32 * 1024 * 1024, { min: 0 }),
  minFeeRate: option.number(1, { min: 0 }),
  replacementBumpPercent: option.integer(10, { min: 0 }),
  maxPerSender: option.integer(64, { min: 1 }),
  expiryMs: option.integer(86_400_000, { min: 0 }),
}

/**
 * Pending transactions, bounded in count and bytes: per-sender nonce chains (contiguous from the sender's
 * account nonce, so every transaction in the pool can be mined in nonce order), ordered by fee rate for block
 * templates, the lowest-fee-rate chain end evicted when full, replace-by-fee for a sender's nonce, expiry.
 * It trusts its caller (the chain) for signatures and account snapshots; nothing in it grows past its bounds.
 */
export class Mempool {
  readonly options: Required<MempoolOptions>
  private readonly byHash = new Map<string, MempoolEntry>()
  private readonly senders = new Map<string, SenderQueue>()
  private tails = new BinaryHeap<TailRef>(
    (a, b) => a.entry.feeRate < b.entry.feeRate || (a.entry.feeRate === b.entry.feeRate && a.seq > b.seq),
  )
  private seq = 0
  private totalBytes = 0

  constructor(options: MempoolOptions = {}) {
    this.options = resolveChainOptions(MEMPOOL_OPTIONS, options, 'mempool.')
  }

  get size(): number {
    return this.byHash.size
  }

  get bytes(): number {
    return this.totalBytes
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex)
  }

  get(hashHex: string): MempoolEntry | undefined {
    return this.byHash.get(hashHex)
  }

  /** Every entry, oldest first. */
  entries(): IterableIterator<MempoolEntry> {
    return this.byHash.values()
  }

  /** The sender's next nonce counting its pending transactions, or undefined when it has none pending. */
  pendingNonce(sender: string): number | undefined {
    const q = this.senders.get(sender)
    return q === undefined ? undefined : q.account.nonce + q.byNonce.size
  }

  /** Senders with pending transactions. */
  hasSender(sender: string): boolean {
    return this.senders.has(sender)
  }

  /**
   * Adds a transfer whose signature the caller verified, with its sender's account at the current tip.
   * Refuses (`kind: 'rejected'`) with `ERR_NONCE_USED`, `ERR_NONCE_GAP`, `ERR_INSUFFICIENT_FUNDS`,
   * `ERR_FEE_TOO_LOW`, `ERR_REPLACEMENT_UNDERPAID` or `ERR_SENDER_LIMIT`, leaving the pool unchanged.
   */
  add(tx: Transaction, hash: Uint8Array, account: Account, now: number): MempoolAddResult {
    const o = this.options
    const size = transactionSize(tx)
    if (Number(tx.fee) / size < o.minFeeRate) return { kind: 'rejected', code: 'ERR_FEE_TOO_LOW' }
    const entry: MempoolEntry = {
      tx,
      hash,
      key: toHex(hash),
      sender: toHex(tx.from),
      size,
      feeRate: Number(tx.fee) / size,
      cost: tx.amount + tx.fee,
      addedAt: now,
    }
    const queue = this.senders.get(entry.sender)
    const base = queue?.account ?? account
    const pending = queue?.byNonce.size ?? 0
    if (tx.nonce < base.nonce) return { kind: 'rejected', code: 'ERR_NONCE_USED' }
    if (tx.nonce > base.nonce + pending) return { kind: 'rejected', code: 'ERR_NONCE_GAP' }
    const old = queue?.byNonce.get(tx.nonce)
    if (old !== undefined) {
      const needed = old.tx.fee + (old.tx.fee * BigInt(o.replacementBumpPercent) + 99n) / 100n
      if (tx.fee < needed || entry.feeRate <= old.feeRate) {
        return { kind: 'rejected', code: 'ERR_REPLACEMENT_UNDERPAID' }
      }
    } else if (pending >= o.maxPerSender) {
      return { kind: 'rejected', code: 'ERR_SENDER_LIMIT' }
    }
    let spent = 0n
    for (let n = base.nonce; n < tx.nonce; n++) spent += queue?.byNonce.get(n)?.cost ?? 0n
    if (spent + entry.cost > base.balance) {
      return { kind: 'rejected', code: 'ERR_INSUFFICIENT_FUNDS' }
    }
    const evicted = this.makeRoom(entry, old)
    if (evicted === undefined) return { kind: 'rejected', code: 'ERR_FEE_TOO_LOW' }
    const q = queue ?? { account, byNonce: new NonceChain<MempoolEntry>() }
    if (queue === undefined) this.senders.set(entry.sender, q)
    if (old !== undefined) {
      this.byHash.delete(old.key)
      this.totalBytes -= old.size
    }
    q.byNonce.set(tx.nonce, entry)
    this.byHash.set(entry.key, entry)
    this.totalBytes += size
    if (tx.nonce === q.account.nonce + q.byNonce.size - 1) this.pushTail(entry)
    if (old !== undefined) {
      // A replacement may cost more: later transactions of the sender that no longer fit go.
      evicted.push(...this.trimUnaffordable(q))
      return { kind: 'replaced', replaced: old, evicted }
    }
    return { kind: 'added', evicted }
  }

  /** Evicts lowest-fee-rate chain ends until `entry` fits; undefined (nothing evicted) when it cannot. */
  private makeRoom(entry: MempoolEntry, replacing: MempoolEntry | undefined): MempoolEntry[] | undefined {
    const o = this.options
    const evicted: MempoolEntry[] = []
    const freed = replacing === undefined ? 0 : replacing.size
    const doomed = new Set<MempoolEntry>()
    let count = this.byHash.size + (replacing === undefined ? 1 : 0)
    let bytes = this.totalBytes - freed + entry.size
    const plan: MempoolEntry[] = []
    // Plan first (nothing changes if the new transaction cannot get in), then evict.
    const popped: TailRef[] = []
    while (count > o.maxCount || bytes > o.maxBytes) {
      const ref = this.popLiveTail(doomed)
      if (ref === undefined) {
        for (const r of popped) this.tails.push(r)
        return undefined
      }
      popped.push(ref)
      const victim = ref.entry
      if (victim.sender === entry.sender || victim.feeRate >= entry.feeRate) {
        // Full, and the new fee rate is not above the lowest: put back what was looked at, refuse.
        for (const r of popped) this.tails.push(r)
        return undefined
      }
      doomed.add(victim)
      plan.push(victim)
      count--
      bytes -= victim.size
      // The victim's predecessor becomes its sender's chain end.
      const q = this.senders.get(victim.sender) as SenderQueue
      const prev = q.byNonce.get(victim.tx.nonce - 1)
      if (prev !== undefined) this.tails.push({ entry: prev, seq: ++this.seq })
    }
    for (const victim of plan) {
      this.removeEntry(victim)
      evicted.push(victim)
    }
    return evicted
  }

  private popLiveTail(doomed: ReadonlySet<MempoolEntry>): TailRef | undefined {
    for (let ref = this.tails.pop(); ref !== undefined; ref = this.tails.pop()) {
      const e = ref.entry
      if (doomed.has(e) || this.byHash.get(e.key) !== e) continue
      const q = this.senders.get(e.sender) as SenderQueue
      let tail = q.account.nonce + q.byNonce.size - 1
      while (doomed.has(q.byNonce.get(tail) as MempoolEntry)) tail--
      if (e.tx.nonce === tail) return ref
    }
    return undefined
  }

  private pushTail(entry: MempoolEntry): void {
    this.tails.push({ entry, seq: ++this.seq })
    if (this.tails.size > 2 * this.byHash.size + 1_024) {
      this.tails.retain((r) => {
        const q = this.senders.get(r.entry.sender)
        return (
          this.byHash.get(r.entry.key) === r.entry &&
          q !== undefined &&
          r.entry.tx.nonce === q.account.nonce + q.byNonce.size - 1
        )
      })
    }
  }

  private removeEntry(e: MempoolEntry): void {
    if (this.byHash.get(e.key) !== e) return
    this.byHash.delete(e.key)
    this.totalBytes -= e.size
    const q = this.senders.get(e.sender)
    if (q === undefined) return
    q.byNonce.delete(e.tx.nonce)
    if (q.byNonce.size === 0) this.senders.delete(e.sender)
  }

  /** Removes a transaction and its sender's later ones (which would now have a nonce gap). */
  remove(hashHex: string): MempoolEntry[] {
    const e = this.byHash.get(hashHex)
    if (e === undefined) return []
    const q = this.senders.get(e.sender) as SenderQueue
    const out: MempoolEntry[] = []
    const last = q.account.nonce + q.byNonce.size - 1
    for (let n = last; n >= e.tx.nonce; n--) {
      const x = q.byNonce.get(n)
      if (x === undefined) continue
      this.removeEntry(x)
      out.push(x)
    }
    const tail = q.byNonce.get(e.tx.nonce - 1)
    if (tail !== undefined) this.pushTail(tail)
    return out
  }

  /**
   * Brings a sender's chain in line with its account at the new tip (after a block or a reorg): drops what
   * the block made stale (nonces below the account's), then what no longer follows on or can be paid.
   */
  revalidateSender(sender: string, account: Account): MempoolEntry[] {
    const q = this.senders.get(sender)
    if (q === undefined) return []
    const dropped: MempoolEntry[] = []
    for (const [n, e] of [...q.byNonce]) {
      if (n < account.nonce) {
        this.removeEntry(e)
        dropped.push(e)
      }
    }
    q.account = account
    if (!this.senders.has(sender)) {
      if (q.byNonce.size === 0) return dropped
      this.senders.set(sender, q)
    }
    // Contiguity from the new account nonce.
    let n = account.nonce
    while (q.byNonce.has(n)) n++
    for (const [m, e] of [...q.byNonce]) {
      if (m >= n) {
        this.removeEntry(e)
        dropped.push(e)
      }
    }
    dropped.push(...this.trimUnaffordable(q))
    const tail = q.byNonce.get(account.nonce + q.byNonce.size - 1)
    if (tail !== undefined) this.pushTail(tail)
    return dropped
  }

  private trimUnaffordable(q: SenderQueue): MempoolEntry[] {
    const dropped: MempoolEntry[] = []
    let spent = 0n
    const end = q.account.nonce + q.byNonce.size
    for (let n = q.account.nonce; n < end; n++) {
      const e = q.byNonce.get(n) as MempoolEntry
      spent += e.cost
      if (spent > q.account.balance) {
        for (let m = end - 1; m >= n; m--) {
          const x = q.byNonce.get(m) as MempoolEntry
          this.removeEntry(x)
          dropped.push(x)
        }
        break
      }
    }
    return dropped
  }

  /** Drops transactions older than `expiryMs` (and their senders' later ones). */
  expire(now: number): MempoolEntry[] {
    const out: MempoolEntry[] = []
    for (const e of this.byHash.values()) {
      if (now - e.addedAt < this.options.expiryMs) break
      out.push(...this.remove(e.key))
    }
    return out
  }

  /**
   * Transactions for a block, highest fee rate first among each sender's next transaction (so nonces stay
   * in order), within `maxBytes` of canonical bytes and `maxCount` transactions.
   */
  select(maxBytes: number, maxCount: number): MempoolEntry[] {
    const heads = new BinaryHeap<MempoolEntry>((a, b) => a.feeRate > b.feeRate)
    for (const q of this.senders.values()) {
      const head = q.byNonce.get(q.account.nonce)
      if (head !== undefined) heads.push(head)
    }
    const out: MempoolEntry[] = []
    let bytes = 0
    for (let e = heads.pop(); e !== undefined && out.length < maxCount; e = heads.pop()) {
      if (bytes + e.size > maxBytes) continue
      out.push(e)
      bytes += e.size
      const q = this.senders.get(e.sender) as SenderQueue
      const next = q.byNonce.get(e.tx.nonce + 1)
      if (next !== undefined) heads.push(next)
    }
    return out
  }
}

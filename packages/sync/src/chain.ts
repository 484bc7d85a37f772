import type { Block, BlockHeader, MerkleProof, Transaction } from '@chainwire/protocol-codec'

/** A value, or a promise of it: a chain answers from memory or from its store. */
export type MaybePromise<T> = T | Promise<T>

/** A block (or header) on a chain: its hash, height and the cumulative work of the chain ending at it. */
export interface ChainPoint {
  /** The block hash (32 bytes). */
  readonly hash: Uint8Array
  /** Height; the genesis block is 0. */
  readonly height: number
  /** Total work of the chain from genesis up to and including this block. */
  readonly work: bigint
}

/**
 * Why the chain refused something: a stable code (such as `ERR_BAD_POW`), and whether the peer that sent it
 * misbehaved. `penalty` is false for what an honest peer can send: a block whose parent we lack, a timestamp
 * a little ahead of our clock, a transaction a block has just made stale, a full mempool. sync reports only
 * refusals with `penalty`.
 */
export interface Refusal {
  readonly invalid: string
  readonly penalty: boolean
}

/**
 * What {@link SyncHeaderChain.acceptHeaders} did with a batch of consecutive headers. `accepted` counts the
 * headers stored (or already known) from the start of the batch; when one is refused, `invalid` names its
 * index in the batch, the code, and whether it is the sender's fault; the headers after it are not looked at.
 */
export interface AcceptHeadersResult {
  readonly accepted: number
  readonly invalid?: { readonly index: number; readonly code: string; readonly penalty: boolean }
}

/**
 * What {@link SyncChain.acceptBlock} did with a block: `connected` (it, and maybe blocks after it, joined the
 * best chain), `stored` (valid so far and kept, on a side chain), `duplicate` (already had), or a
 * {@link Refusal} (a block whose parent is unknown is refused without penalty).
 */
export type AcceptBlockResult = 'connected' | 'stored' | 'duplicate' | Refusal

/** What {@link SyncChain.acceptTransaction} did with a transaction. */
export type AcceptTransactionResult = 'accepted' | 'duplicate' | Refusal

/**
 * The result of checking a header against its parent alone ({@link SyncHeaderChain.checkHeaderLink}): its own
 * work, or the stable code of the rule it breaks.
 */
export type HeaderLinkResult = { readonly work: bigint } | { readonly invalid: string }

/** The chain event sync listens to. */
export interface SyncChainEvents {
  /** The best fully validated block changed (after a reorg too). */
  tip: (tip: ChainPoint) => void
}

/**
 * The header part of the ledger as sync sees it: what header-first sync needs, and all a header-only chain
 * (a light client's `HeaderChain` of `@chainwire/chain`) provides. For a header-only chain `tip()` and
 * `bestHeader()` are the same.
 */
export interface SyncHeaderChain {
  /** The best fully validated block. */
  tip(): ChainPoint
  /** The end of the most-work chain of valid headers (at or ahead of {@link SyncHeaderChain.tip}). */
  bestHeader(): ChainPoint
  /**
   * A block locator (at most 101 hashes, newest first: dense near the start, then doubling steps back to
   * genesis) starting at `from` (a known header), or at the best header when absent or unknown.
   */
  locator(from?: Uint8Array): Uint8Array[]
  /** The hash that names a header everywhere (parent links, inventory, locators). */
  headerHash(header: BlockHeader): Uint8Array
  /**
   * Checks `header` against its parent alone (fields, proof of work against its own bits, the parent link and
   * height) and returns its work; `hash` is the header's hash when the caller has it. For following a chain
   * whose work is below the minimum without storing it (headers presync), so it must not store anything.
   */
  checkHeaderLink(
    header: BlockHeader,
    parent: { readonly hash: Uint8Array; readonly height: number },
    hash?: Uint8Array,
  ): HeaderLinkResult
  /**
   * The minimum total work a header chain needs before its headers are stored (Bitcoin's
   * `nMinimumChainWork`); 0 for a test network.
   */
  readonly minimumChainWork: bigint
  /** Whether a header with this hash is known and valid. */
  hasHeader(hash: Uint8Array): boolean
  /** Where a known valid header is (hash, height, cumulative work), or undefined. */
  headerPoint(hash: Uint8Array): ChainPoint | undefined
  /** The hash of the header at `height` on the most-work header chain, or undefined above its end. */
  headerHashAt(height: number): Uint8Array | undefined
  /**
   * Validates and stores consecutive headers (the first one's parent must be known). Headers already known
   * count as accepted.
   */
  acceptHeaders(headers: readonly BlockHeader[]): MaybePromise<AcceptHeadersResult>
  /** Subscribes to the new best block (an EventEmitter fits). */
  on(event: 'tip', listener: SyncChainEvents['tip']): unknown
  /** Unsubscribes from the new best block. */
  off(event: 'tip', listener: SyncChainEvents['tip']): unknown
}

/**
 * The ledger as sync sees it (DESIGN.md §8): declared here, implemented structurally by `@chainwire/chain`'s
 * `FullChain` (its header part also by `HeaderChain`). sync never imports chain; the app passes the chain in.
 * Lookups in memory are synchronous; what may read a store (blocks, proofs) or validate (accept*) may return
 * a promise.
 *
 * Two tips matter: {@link SyncHeaderChain.tip} is the best chain of fully validated blocks,
 * {@link SyncHeaderChain.bestHeader} the most-work chain of valid headers. Header sync moves the second;
 * block download fills the blocks between the two.
 */
export interface SyncChain extends SyncHeaderChain {
  /** The hash that names a transaction (merkle leaves, mempool, short ids). */
  transactionHash(tx: Transaction): Uint8Array
  /** Whether the full block with this hash is stored (validated or on a side chain). */
  hasBlock(hash: Uint8Array): boolean
  /**
   * Headers of the chain we serve (a full chain's active chain) after the first `locator` hash on it (after
   * genesis when none is), up to and including `stop`, at most `max`: the answer to `get_headers`.
   */
  headersAfter(locator: readonly Uint8Array[], stop: Uint8Array | undefined, max: number): BlockHeader[]
  /** A stored block by hash. */
  getBlock(hash: Uint8Array): MaybePromise<Block | undefined>
  /** Up to `count` blocks of the best validated chain from height `from` (fewer past its tip). */
  getBlockRange(from: number, count: number): MaybePromise<Block[]>
  /** Validates and stores a block whose header may or may not be known yet. */
  acceptBlock(block: Block): MaybePromise<AcceptBlockResult>
  /**
   * Whether the block's transactions hash to its header's merkle root: a block that fails this was changed in
   * transit (or rebuilt wrongly from short ids), which says nothing about the header.
   */
  checkMerkleRoot(block: Block): boolean
  /** An inclusion proof of a transaction in a stored block, for light clients. */
  proof(blockHash: Uint8Array, txHash: Uint8Array): MaybePromise<MerkleProof | undefined>
  /**
   * Hashes of the mempool's transactions, at most `max`, in an order that keeps each sender's transactions in
   * nonce order (a peer that adds them in this order has every one accepted).
   */
  mempoolIds(max: number): Uint8Array[]
  /** A mempool transaction by hash. */
  getTransaction(hash: Uint8Array): Transaction | undefined
  /** Whether the mempool holds this transaction. */
  hasTransaction(hash: Uint8Array): boolean
  /** Validates a transaction for the mempool and keeps it when valid. */
  acceptTransaction(tx: Transaction): MaybePromise<AcceptTransactionResult>
}

/**
 * Compact block filters (BIP 157/158) of the chain sync serves: `get_cfheaders`, `get_cfilters` and
 * `get_cfcheckpt` are answered from it when the app passes one (`@chainwire/chain`'s `FullChain` fits).
 * Each method returns undefined for a range it does not serve: a stop block off its best chain, a start
 * above the stop, or more blocks than the limit.
 */
export interface CompactFilterSource {
  /** The filter header before `startHeight` and the filter hash of each block up to `stopHash`. */
  filterHeaders(
    startHeight: number,
    stopHash: Uint8Array,
    max: number,
  ): MaybePromise<{ previousHeader: Uint8Array; hashes: Uint8Array[] } | undefined>
  /** The basic filters of the blocks from `startHeight` up to `stopHash`, in height order. */
  filters(
    startHeight: number,
    stopHash: Uint8Array,
    max: number,
  ): MaybePromise<{ blockHash: Uint8Array; filter: Uint8Array }[] | undefined>
  /** The filter header of every 1,000th block up to `stopHash`. */
  filterCheckpoints(stopHash: Uint8Array): MaybePromise<Uint8Array[] | undefined>
}

import type { Block, BlockHeader, MerkleProof, Transaction } from '@chainwire/protocol-codec'

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
 * What {@link SyncChain.acceptHeaders} did with a batch of consecutive headers. `accepted` counts the headers
 * stored (or already known) from the start of the batch; when one is invalid, `invalid` names its index in
 * the batch and the chain's stable code, and the headers after it are not looked at.
 */
export interface AcceptHeadersResult {
  /** Headers of the batch, from its start, now known to the chain. */
  readonly accepted: number
  /** The first invalid header: its index in the batch and a stable code such as `bad-pow`. */
  readonly invalid?: { readonly index: number; readonly code: string }
}

/**
 * What {@link SyncChain.acceptBlock} did with a block: `connected` (it, and maybe blocks after it, joined the
 * best chain), `stored` (valid so far and kept, on a side chain), `duplicate` (already had), `orphan` (its
 * parent block is unknown: not misbehaviour, sync fetches the parent) or `{ invalid: code }`.
 */
export type AcceptBlockResult = 'connected' | 'stored' | 'duplicate' | 'orphan' | { readonly invalid: string }

/** What {@link SyncChain.acceptTransaction} did with a transaction. */
export type AcceptTransactionResult = 'accepted' | 'duplicate' | { readonly rejected: string }

/**
 * The result of checking a header against its parent alone ({@link SyncChain.checkHeaderLink}): its own work,
 * or the stable code of the rule it breaks.
 */
export type HeaderLinkResult = { readonly work: bigint } | { readonly invalid: string }

/** Payload of the chain's `reorg` event. */
export interface ReorgEvent {
  /** The last block common to the old and new best chains. */
  readonly fork: ChainPoint
  /** The old tip. */
  readonly from: ChainPoint
  /** The new tip. */
  readonly to: ChainPoint
}

/** The chain events sync listens to. */
export interface SyncChainEvents {
  /** The best fully validated block changed. */
  tip: (tip: ChainPoint) => void
  /** The best chain switched branches. */
  reorg: (event: ReorgEvent) => void
}

/**
 * The ledger as sync sees it (DESIGN.md §8): declared here, implemented structurally by `@chainwire/chain`
 * (and by its header-only `HeaderChain` for light clients, which leaves the block members returning
 * nothing). sync never imports chain; the app passes the chain in. Every method is synchronous except
 * {@link SyncChain.acceptBlock}, which may validate asynchronously.
 *
 * Two tips matter: {@link SyncChain.tip} is the best chain of fully validated blocks, {@link
 * SyncChain.headerTip} the most-work chain of valid headers. Header sync moves the second; block download
 * fills the blocks between the two.
 */
export interface SyncChain {
  /** The best fully validated block. */
  tip(): ChainPoint
  /** The end of the most-work chain of valid headers (at or ahead of {@link SyncChain.tip}). */
  headerTip(): ChainPoint
  /**
   * A block locator (at most 101 hashes, newest first: dense near the start, then doubling steps back to
   * genesis) starting at `from` (a known header), or at the header tip when absent.
   */
  locator(from?: Uint8Array): Uint8Array[]
  /** The hash that names a header everywhere (parent links, inventory, locators). */
  hashHeader(header: BlockHeader): Uint8Array
  /** The hash that names a transaction (merkle leaves, mempool, short ids). */
  hashTransaction(tx: Transaction): Uint8Array
  /**
   * Checks `header` against its parent only (proof of work, height and parent link, permitted difficulty
   * change, timestamp rules that need only the parent) and returns its work. Used to check a low-work chain
   * without storing it (headers presync), so it must not store anything.
   */
  checkHeaderLink(header: BlockHeader, parent: BlockHeader): HeaderLinkResult
  /**
   * The minimum total work a header chain needs before its headers are stored (Bitcoin's
   * `nMinimumChainWork`); 0 for a test network.
   */
  readonly minimumChainWork: bigint
  /** Whether a header with this hash is known and valid. */
  hasHeader(hash: Uint8Array): boolean
  /** A known header and where it is, or undefined. */
  getHeader(hash: Uint8Array): { header: BlockHeader; point: ChainPoint } | undefined
  /** The hash of the header at `height` on the most-work header chain, or undefined above its tip. */
  headerHashAt(height: number): Uint8Array | undefined
  /** Whether the full block with this hash is stored (validated or on a side chain). */
  hasBlock(hash: Uint8Array): boolean
  /**
   * Headers of the best header chain after the first `locator` hash it knows (after genesis when none), up
   * to and including `stop`, at most `max`: the answer to `get_headers`.
   */
  headersAfter(locator: readonly Uint8Array[], stop: Uint8Array | undefined, max: number): BlockHeader[]
  /** A stored block by hash. */
  getBlock(hash: Uint8Array): Block | undefined
  /** Up to `count` blocks of the best validated chain from height `from` (fewer past its tip). */
  getBlockRange(from: number, count: number): Block[]
  /**
   * Validates and stores consecutive headers (the first one's parent must be known). Headers already known
   * count as accepted.
   */
  acceptHeaders(headers: readonly BlockHeader[]): AcceptHeadersResult
  /** Validates and stores a block whose header may or may not be known yet. */
  acceptBlock(block: Block): AcceptBlockResult | Promise<AcceptBlockResult>
  /**
   * Whether the block's transactions hash to its header's merkle root: a block that fails this was mutated
   * in transit (or rebuilt wrongly from short ids), which says nothing about the header, so the chain must
   * not mark the header invalid for it.
   */
  checkMerkleRoot(block: Block): boolean
  /** An inclusion proof of a transaction in a stored block, for light clients. */
  proof(blockHash: Uint8Array, txHash: Uint8Array): MerkleProof | undefined
  /** Hashes of the mempool's transactions, best first, at most `max`. */
  mempoolIds(max: number): Uint8Array[]
  /** A mempool transaction by hash. */
  getTransaction(hash: Uint8Array): Transaction | undefined
  /** Whether the mempool holds this transaction. */
  hasTransaction(hash: Uint8Array): boolean
  /** Validates a transaction for the mempool and keeps it when valid. */
  acceptTransaction(tx: Transaction): AcceptTransactionResult
  /** Subscribes to the new best block (an EventEmitter fits). */
  on(event: 'tip', listener: SyncChainEvents['tip']): unknown
  /** Subscribes to reorganisations. */
  on(event: 'reorg', listener: SyncChainEvents['reorg']): unknown
  /** Unsubscribes from the new best block. */
  off(event: 'tip', listener: SyncChainEvents['tip']): unknown
  /** Unsubscribes from reorganisations. */
  off(event: 'reorg', listener: SyncChainEvents['reorg']): unknown
}

import type { Block, BlockHeader, ConsensusVoteData, Transaction } from '@chainwire/protocol-codec'
import type { ChainErrorCode } from '../errors'
import type { Equivocation } from '../finality/votes'

/** The tip of a chain: its hash, height and cumulative work. */
export interface ChainTip {
  hash: Uint8Array
  height: number
  work: bigint
}

/** A final block (precommitted by more than 2/3 of the validator power). */
export interface FinalBlock {
  hash: Uint8Array
  height: number
  /** The precommits that finalised it. */
  votes: ConsensusVoteData[]
}

/**
 * A refusal: the rule that failed, and whether the peer that sent the object misbehaved (`isPenalty` of the
 * code for the object's kind). `penalty` is false for what an honest peer can send: a parent we lack, a
 * clock slightly ahead of ours, a full mempool, a transaction a block has just made stale.
 */
export interface Refusal {
  invalid: ChainErrorCode
  penalty: boolean
}

/**
 * What `acceptHeaders` did: how many headers of the batch, from its start, are now known and valid, and the
 * first failure (its index in the batch, its code, and whether it is the sender's fault).
 */
export interface AcceptHeadersResult {
  accepted: number
  invalid?: { index: number; code: ChainErrorCode; penalty: boolean }
}

/**
 * What `acceptBlock` did: `'connected'` (it is on the active chain now), `'stored'` (valid so far and kept,
 * on a side branch or waiting for its parent's body), `'duplicate'` (already had it), or the refusal
 * (`ERR_UNKNOWN_PARENT`, without penalty, for a block whose parent header is unknown).
 */
export type AcceptBlockResult = 'connected' | 'stored' | 'duplicate' | Refusal

/** What `acceptTransaction` did. */
export type AcceptTransactionResult = 'accepted' | 'duplicate' | Refusal

/** What `acceptVote` did: counted, already had it, made a block final, caught an equivocation, or the failure. */
export type AcceptVoteResult =
  | 'counted'
  | 'duplicate'
  | 'ignored'
  | 'final'
  | 'equivocation'
  | { invalid: ChainErrorCode }

/** A reorganisation: blocks removed from the active chain (tip first) and added (in height order). */
export interface ReorgEvent {
  depth: number
  fork: { hash: Uint8Array; height: number }
  removed: Uint8Array[]
  added: Uint8Array[]
}

/** The events of a full chain (eventemitter3). */
export interface ChainEvents {
  /** The active chain has a new tip. */
  tip: (tip: ChainTip) => void
  /** The active chain switched branches (emitted before `tip`). */
  reorg: (event: ReorgEvent) => void
  /** A block joined the active chain. */
  'block:connected': (event: { hash: Uint8Array; height: number; block: Block }) => void
  /** A block left the active chain in a reorg. */
  'block:disconnected': (event: { hash: Uint8Array; height: number; block: Block }) => void
  /** A header or block was found invalid for good (its hash is remembered). */
  'block:invalid': (event: { hash: Uint8Array; height: number; code: ChainErrorCode }) => void
  /** A block became final. */
  finalized: (event: { hash: Uint8Array; height: number }) => void
  /** A validator precommitted two blocks at one height. */
  equivocation: (evidence: Equivocation) => void
  /** A transaction entered the mempool. */
  'mempool:added': (event: { hash: Uint8Array; tx: Transaction }) => void
  /** A transaction left the mempool: mined, replaced, evicted, expired, or invalid after a block. */
  'mempool:removed': (event: { hash: Uint8Array; reason: MempoolRemovalReason }) => void
}

/** Why a transaction left the mempool. */
export type MempoolRemovalReason = 'mined' | 'replaced' | 'evicted' | 'expired' | 'invalid'

/** A block to mine: the header with nonce 0, and the transactions (coinbase first). */
export interface BlockTemplate {
  header: BlockHeader
  transactions: Transaction[]
  /** Fees of the transactions, included in the coinbase amount. */
  fees: bigint
}

/** Counters of a chain's work since `start()`. */
export interface ChainStats {
  headers: number
  blocksStored: number
  /** Blocks run through contextual validation (state), successfully or not. */
  blocksValidated: number
  reorgs: number
  mempoolSize: number
  mempoolBytes: number
  forkHeaders: number
}

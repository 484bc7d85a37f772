/**
 * @packageDocumentation
 * chainwire's block sync: header-first sync with block locators and low-work header protection (headers
 * presync), parallel block download over a moving window with adaptive stall timeouts, compact blocks
 * (BIP 152), mempool sync, serving headers, blocks, compact blocks, transactions and light-client proofs
 * under per-peer quotas, partition detection and progress events. It reaches the ledger only through the
 * {@link SyncChain} interface it declares; `@chainwire/chain` implements it.
 */

import type { EventEmitter } from 'eventemitter3'
import type { SyncOptions, SyncOptionsInit } from './options'
import { SyncService } from './sync'
import type { SyncComponents, SyncEvents, SyncProgress, SyncState, SyncStats } from './types'

export type {
  AcceptBlockResult,
  AcceptHeadersResult,
  AcceptTransactionResult,
  ChainPoint,
  CompactFilterSource,
  HeaderLinkResult,
  MaybePromise,
  Refusal,
  SyncChain,
  SyncChainEvents,
  SyncHeaderChain,
} from './chain'
export { buildCompactBlock, COMPACT_VERSION } from './compact/compact-blocks'
export {
  complete as completeCompactBlock,
  type PartialBlock,
  type Reconstruction,
  reconstruct as reconstructCompactBlock,
} from './compact/reconstruct'
export { readShortId, SHORT_ID_BYTES, shortId, shortIdKey, writeShortId } from './compact/short-id'
export { SyncError, type SyncErrorCode } from './errors'
export { antiDosThreshold } from './headers/header-sync'
export { HeadersPresync, type PresyncLimits, type PresyncStep } from './headers/presync'
export { type Quota, type ServeQuotas, SYNC_OPTIONS, type SyncOptions, type SyncOptionsInit } from './options'
export { COMPACT_BLOCKS_CAPABILITY, MEMPOOL_SYNC_CAPABILITY } from './peers'
export { PRESYNC_BYTES_PER_HEADER } from './sync'
export type {
  PartitionReason,
  PartitionRecoveredEvent,
  PartitionSuspectedEvent,
  PeerPenalisedEvent,
  PeerSource,
  SyncBehaviour,
  SyncComponents,
  SyncEvents,
  SyncMisbehaviourSink,
  SyncProgress,
  SyncState,
  SyncStats,
} from './types'

/** The hello capabilities a node running sync announces (pass them to `createNetwork`'s `capabilities`). */
export const SYNC_CAPABILITIES: readonly string[] = Object.freeze(['compact-blocks', 'mempool-sync'])

/** A node's block sync: lifecycle, state, progress, counters. */
export interface Sync extends EventEmitter<SyncEvents> {
  /** The resolved options. */
  readonly options: Readonly<SyncOptions>
  /**
   * Registers sync's request handlers on the network (get_headers, get_blocks, block_request,
   * get_block_txs, get_proof, get_transaction, compact_block_request; never get_data, which transaction
   * relay owns), listens to peers, messages and the chain's `tip`,
   * and starts syncing with every peer that shows more work. Idempotent.
   */
  start(): void
  /** Removes every handler, listener and timer and abandons requests in flight. Idempotent. */
  stop(): void
  isStarted(): boolean
  /** Where the sync is (see {@link SyncState}). */
  state(): SyncState
  /** The progress now. */
  progress(): SyncProgress
  /** Counters since start. */
  stats(): Readonly<SyncStats>
  /** Whether a partition is suspected now. */
  partitionSuspected(): boolean
  /** Runs the partition checks now (they also run every `partitionCheckMs`). */
  checkPartition(): void
  /** Bytes presync holds across peers now (commitments and redownload buffers). */
  presyncMemoryBytes(): number
  /** Blocks in flight, blocks waiting for validation, and the current stall timeout. */
  downloadStatus(): { inFlight: number; buffered: number; stallTimeoutMs: number }
}

/**
 * Creates a node's sync over its network and ledger. Nothing runs until `start()`. Throws `SyncError`
 * `ERR_INVALID_OPTIONS` for options out of range.
 */
export function createSync(components: SyncComponents, options: SyncOptionsInit = {}): Sync {
  return new SyncService(components, options)
}

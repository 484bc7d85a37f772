import { type BucketRate, type OptionSpec, option, resolveOptions } from '@chainwire/interface'
import { LIMITS } from '@chainwire/protocol-codec'
import { SyncError } from './errors'

/** A per-peer serving quota: items per second and burst (a token bucket per peer and method). */
export type Quota = BucketRate

/** Per-peer serving quotas, in items served (headers, blocks, transactions, proofs). */
export interface ServeQuotas {
  /** Headers served per peer (`get_headers`). @default { rate: 20_000, burst: 40_000 } */
  headers: Quota
  /** Blocks served per peer (`get_blocks`, `block_request`). @default { rate: 128, burst: 1_024 } */
  blocks: Quota
  /** Compact blocks (`compact_block_request`) and `block_txs` answers per peer. @default { rate: 20, burst: 64 } */
  compact: Quota
  /** Transactions served per peer (`get_transaction`). @default { rate: 5_000, burst: 50_000 } */
  transactions: Quota
  /** Light-client proofs per peer (`get_proof`). @default { rate: 50, burst: 200 } */
  proofs: Quota
  /**
   * Compact block filters per peer, in blocks covered: each filter of `get_cfilters`, each filter hash of
   * `get_cfheaders`, one per `get_cfcheckpt`. @default { rate: 2_000, burst: 8_000 }
   */
  filters: Quota
}

/** Options of {@link createSync}; every field is optional. */
export interface SyncOptions {
  /** Peers asked for headers at the same time. @default 8 */
  maxHeaderSyncPeers: number
  /** Deadline of one `get_headers`. @default 15_000 */
  headersTimeoutMs: number
  /** Headers that do not connect to anything we know tolerated per peer before it is reported. @default 3 */
  maxUnconnectingHeaders: number
  /**
   * Headers presync (low-work protection): one commitment bit is kept per this many headers of a chain whose
   * work is below the minimum. @default 64
   */
  presyncCommitmentPeriod: number
  /**
   * Headers presync: redownloaded headers held until enough commitments after them have matched (about
   * `redownloadBuffer / commitmentPeriod` bits guard them). @default 1_536
   */
  presyncRedownloadBuffer: number
  /** Headers presync: the longest low-work chain followed per peer; longer ones are dropped. @default 16_777_216 */
  presyncMaxHeaders: number

  /** Blocks past the last validated one that may be requested (the moving window). @default 1_024 */
  blockWindow: number
  /** Blocks in flight per peer at most. @default 16 */
  maxBlocksInFlightPerPeer: number
  /** Blocks asked in one `get_blocks`. @default 8 */
  blocksPerRequest: number
  /** Deadline of one `get_blocks`. @default 30_000 */
  blockRequestTimeoutMs: number
  /** Bytes of blocks received out of order and waiting for validation, at most. @default 67_108_864 */
  maxBufferedBlockBytes: number
  /** First stall timeout; doubles at each stall, shrinks again (x0.85 per block) when blocks flow. @default 2_000 */
  stallTimeoutMs: number
  /** Longest stall timeout. @default 64_000 */
  maxStallTimeoutMs: number
  /** A peer that answered a block request with nothing is not asked again for this long. @default 10_000 */
  emptyAnswerCooldownMs: number
  /** How long a peer that lacked a block is not asked for it again. @default 30_000 */
  lacksTtlMs: number
  /** Interval of the download housekeeping (stall check, reassignments). @default 500 */
  tickMs: number

  /** Compact blocks: high-bandwidth peers at most (BIP 152: 3). @default 3 */
  maxHighBandwidthPeers: number
  /** Compact blocks: recently seen transactions kept for reconstruction besides the mempool. @default 1_000 */
  extraTransactions: number
  /** Compact blocks being rebuilt at once (waiting for `block_txs`). @default 16 */
  maxPendingCompactBlocks: number
  /** Deadline of `get_block_txs` and of the full block fallback. @default 10_000 */
  compactTimeoutMs: number
  /** Announce new tips to peers (compact blocks, `inv`). @default true */
  announceBlocks: boolean

  /** Mempool sync: our transaction ids sent to a new peer at most. @default 50_000 */
  mempoolSyncMaxIds: number
  /** Mempool sync: ids per `mempool_sync` message. @default 5_000 */
  mempoolSyncPageSize: number
  /** Mempool sync: ids accepted from one peer per connection at most (more are dropped and counted). @default 50_000 */
  mempoolSyncMaxAnnounced: number
  /**
   * Mempool sync: `get_transaction` requests in flight per peer (each window of this many is handed to the
   * chain in the peer's order). @default 8
   */
  mempoolFetchConcurrency: number
  /**
   * Mempool sync: `get_transaction` requests per second per peer at most, well under a peer's default limit
   * of 500 transaction-class messages per second so relay keeps room. @default 200
   */
  mempoolFetchRate: number

  /** Serving: bytes of blocks in one answer at most (below the 4 MB message limit). @default 3_500_000 */
  maxServeBytes: number
  /** Serving: per-peer quotas. @default see {@link ServeQuotas} */
  quotas: ServeQuotas
  /** Peers whose quotas are remembered at most (least recently active forgotten). @default 1_024 */
  maxQuotaPeers: number

  /** The chain's target time between blocks, for the stale-tip check. @default 600_000 */
  targetBlockTimeMs: number
  /** The tip is stale after this many target block times without a new block (Bitcoin Core: 3). @default 3 */
  staleTipMultiple: number
  /** A peer showing more work than we can reach for this long is evidence of a partition. @default 120_000 */
  unreachableWorkMs: number
  /** Share of peers lost within `peerLossWindowMs` that counts as a sudden loss. @default 0.5 */
  peerLossFraction: number
  /** Window of the peer-loss check. @default 60_000 */
  peerLossWindowMs: number
  /** Fewest peers before a loss is judged (a loss of 1 of 2 is not a partition). @default 4 */
  minPeersForLoss: number
  /** Interval of the partition checks. @default 10_000 */
  partitionCheckMs: number
  /** Extra outbound peers asked from new network groups when a partition is suspected. @default 4 */
  partitionExtraPeers: number

  /** Interval of `progress` events while syncing. @default 1_000 */
  progressIntervalMs: number
}

/** What `createSync` accepts: any subset of {@link SyncOptions}, and any subset of the quotas. */
export type SyncOptionsInit = Partial<Omit<SyncOptions, 'quotas'>> & { quotas?: Partial<ServeQuotas> }

const quota = (rate: number, burst: number) =>
  option.custom<Quota>({ rate, burst }, (v) => {
    const q = v as Quota
    return typeof q === 'object' &&
      q !== null &&
      typeof q.rate === 'number' &&
      q.rate >= 0 &&
      typeof q.burst === 'number' &&
      q.burst >= 1
      ? undefined
      : 'must be { rate >= 0, burst >= 1 }'
  })

/** The options spec: defaults and bounds of every option. */
export const SYNC_OPTIONS: OptionSpec<SyncOptions> = {
  maxHeaderSyncPeers: option.integer(8, { min: 1, max: 128 }),
  headersTimeoutMs: option.integer(15_000, { min: 1 }),
  maxUnconnectingHeaders: option.integer(3, { min: 0 }),
  presyncCommitmentPeriod: option.integer(64, { min: 1 }),
  presyncRedownloadBuffer: option.integer(1_536, { min: 1, max: 1_000_000 }),
  presyncMaxHeaders: option.integer(16_777_216, { min: 1 }),
  blockWindow: option.integer(1_024, { min: 1, max: 100_000 }),
  maxBlocksInFlightPerPeer: option.integer(16, { min: 1, max: 1_024 }),
  blocksPerRequest: option.integer(8, { min: 1, max: LIMITS.maxBlocksPerMessage }),
  blockRequestTimeoutMs: option.integer(30_000, { min: 1 }),
  maxBufferedBlockBytes: option.integer(67_108_864, { min: 1 }),
  stallTimeoutMs: option.integer(2_000, { min: 1 }),
  maxStallTimeoutMs: option.integer(64_000, { min: 1 }),
  emptyAnswerCooldownMs: option.integer(10_000, { min: 0 }),
  lacksTtlMs: option.integer(30_000, { min: 0 }),
  tickMs: option.integer(500, { min: 1 }),
  maxHighBandwidthPeers: option.integer(3, { min: 0, max: 16 }),
  extraTransactions: option.integer(1_000, { min: 1, max: 1_000_000 }),
  maxPendingCompactBlocks: option.integer(16, { min: 1, max: 1_024 }),
  compactTimeoutMs: option.integer(10_000, { min: 1 }),
  announceBlocks: option.boolean(true),
  mempoolSyncMaxIds: option.integer(50_000, { min: 0 }),
  mempoolSyncPageSize: option.integer(5_000, { min: 1, max: LIMITS.maxMempoolSyncHashes }),
  mempoolSyncMaxAnnounced: option.integer(50_000, { min: 0 }),
  mempoolFetchConcurrency: option.integer(8, { min: 1, max: 32 }),
  mempoolFetchRate: option.integer(200, { min: 1 }),
  maxServeBytes: option.integer(3_500_000, { min: 1, max: LIMITS.maxMessageSize }),
  quotas: option.group<ServeQuotas>({
    headers: quota(20_000, 40_000),
    blocks: quota(128, 1_024),
    compact: quota(20, 64),
    transactions: quota(5_000, 50_000),
    proofs: quota(50, 200),
    filters: quota(2_000, 8_000),
  }),
  maxQuotaPeers: option.integer(1_024, { min: 1 }),
  targetBlockTimeMs: option.integer(600_000, { min: 1 }),
  staleTipMultiple: option.number(3, { min: 1 }),
  unreachableWorkMs: option.integer(120_000, { min: 1 }),
  peerLossFraction: option.number(0.5, { min: 0.01, max: 1 }),
  peerLossWindowMs: option.integer(60_000, { min: 1 }),
  minPeersForLoss: option.integer(4, { min: 1 }),
  partitionCheckMs: option.integer(10_000, { min: 1 }),
  partitionExtraPeers: option.integer(4, { min: 0, max: 64 }),
  progressIntervalMs: option.integer(1_000, { min: 1 }),
}

/** Resolves given options against {@link SYNC_OPTIONS}; throws `SyncError` `ERR_INVALID_OPTIONS`. */
export function resolveSyncOptions(given: SyncOptionsInit | undefined): SyncOptions {
  return resolveOptions(SYNC_OPTIONS, given, {
    prefix: '',
    error: (message, details) => new SyncError('ERR_INVALID_OPTIONS', message, details),
  })
}

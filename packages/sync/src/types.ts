import type { Clock, Logger, Metrics, PeerId } from '@chainwire/interface'
import type { Network } from '@chainwire/network'
import type { CompactFilterSource, SyncChain } from './chain'

/**
 * The behaviours sync reports, named as in @chainwire/peer-scoring (whose `PeerScoring` fits
 * {@link SyncMisbehaviourSink} as it is): `bad-block` (an invalid block or header), `invalid-message` (data that
 * breaks the protocol: unlinked headers, wrong transactions in `block_txs`), `unrequested-message` (blocks not
 * asked for), `timeout` (a request not answered, a stalled download), `rate-limit-exceeded` (over a serving
 * quota), `good-block` and `useful-response` (credit for blocks and answers that helped).
 */
export type SyncBehaviour =
  | 'bad-block'
  | 'invalid-message'
  | 'protocol-violation'
  | 'unrequested-message'
  | 'timeout'
  | 'rate-limit-exceeded'
  | 'good-block'
  | 'useful-response'

/** Where sync reports what peers did; @chainwire/peer-scoring's `PeerScoring` fits. */
export interface SyncMisbehaviourSink {
  report(peerId: PeerId, behaviour: SyncBehaviour, options?: { detail?: string }): void
}

/**
 * How sync asks for more peers when it suspects a partition; the app wires it to discovery. sync never
 * reaches discovery otherwise.
 */
export interface PeerSource {
  /** Dials `count` extra outbound peers, none from the network groups listed. */
  requestOutbound(options: { count: number; excludeGroups: readonly string[] }): void | Promise<void>
  /** Reconnects to the bootstrap nodes. */
  reconnectBootstrap(): void | Promise<void>
}

/** What sync uses from its node. */
export interface SyncComponents {
  /** The node's network: sync registers its handlers and listens to its events. */
  network: Network
  /** The ledger. */
  chain: SyncChain
  /**
   * Compact block filters to serve to light clients (`get_cfheaders`, `get_cfilters`, `get_cfcheckpt`);
   * pass the chain when it keeps them. @default none: those requests are not handled
   */
  filters?: CompactFilterSource
  /** @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
  /** @default noopMetrics */
  metrics?: Metrics
  /** Where misbehaviour is reported (a peer-scoring service). @default discards reports */
  misbehaviour?: SyncMisbehaviourSink
  /** More peers when a partition is suspected (wired to discovery). @default none: the event alone */
  peerSource?: PeerSource
  /** Randomness for presync salts and compact block nonces, in [0, 1). @default Math.random */
  random?: () => number
}

/**
 * Where a sync is: `idle` (no peer with more work), `headers` (downloading headers, blocks maybe too),
 * `blocks` (headers done, blocks behind them), `synced` (the block tip is the header tip and no peer shows
 * more work).
 */
export type SyncState = 'idle' | 'headers' | 'blocks' | 'synced'

/** Payload of `progress`: for progress bars. */
export interface SyncProgress {
  readonly state: SyncState
  /** Height of the header tip; `headersTotal` is the best height peers claim (at least the header tip). */
  readonly headersDone: number
  readonly headersTotal: number
  /** Height of the block tip; `blocksTotal` is the header tip's height. */
  readonly blocksDone: number
  readonly blocksTotal: number
  /** Blocks validated per second, over the last progress interval (smoothed). */
  readonly blocksPerSecond: number
  /** Estimated ms until the block tip reaches `blocksTotal` (undefined when the rate is 0). */
  readonly etaMs: number | undefined
}

/** What made sync suspect a partition. */
export type PartitionReason = 'stale-tip' | 'unreachable-work' | 'peer-loss'

/** Payload of `partition:suspected`. */
export interface PartitionSuspectedEvent {
  readonly reasons: readonly PartitionReason[]
  readonly evidence: {
    /** Ms since the tip last changed. */
    readonly tipAgeMs: number
    /** Peers now, and the most within the loss window (or before a loss not yet recovered from). */
    readonly peers: number
    readonly recentMaxPeers: number
    /** Peers showing more work than our header tip, and the best work shown. */
    readonly peersWithMoreWork: readonly PeerId[]
    readonly bestClaimedWork: bigint
    /** Network groups of the current peers. */
    readonly groups: readonly string[]
  }
}

/** Payload of `partition:recovered`. */
export interface PartitionRecoveredEvent {
  /** How long the suspicion lasted. */
  readonly durationMs: number
}

/** Payload of `peer:penalised`: a report sync sent to the misbehaviour sink. */
export interface PeerPenalisedEvent {
  readonly peerId: PeerId
  readonly behaviour: SyncBehaviour
  readonly detail: string
}

/** The events of a {@link Sync}. */
export type SyncEvents = {
  state: (event: { from: SyncState; to: SyncState }) => void
  progress: (progress: SyncProgress) => void
  'peer:penalised': (event: PeerPenalisedEvent) => void
  'partition:suspected': (event: PartitionSuspectedEvent) => void
  'partition:recovered': (event: PartitionRecoveredEvent) => void
}

/** Counters of a sync since start (for tests, status pages and the benches). */
export interface SyncStats {
  headersReceived: number
  headersAccepted: number
  /** Headers checked in presync without being stored. */
  headersPresynced: number
  /** Peers whose low-work chains were dropped without storing a header. */
  presyncAborted: number
  blocksRequested: number
  blocksReceived: number
  blocksConnected: number
  blocksInvalid: number
  /** Block requests answered with nothing. */
  emptyAnswers: number
  stalls: number
  compactReceived: number
  /** Compact blocks rebuilt from the mempool and prefilled transactions alone. */
  compactReconstructed: number
  /** Compact blocks that needed `get_block_txs`. */
  compactRoundTrips: number
  /** Compact blocks that fell back to the full block. */
  compactFallbacks: number
  mempoolIdsReceived: number
  mempoolTxsFetched: number
  served: number
  quotaRefusals: number
  partitionSuspicions: number
}

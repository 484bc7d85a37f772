import type { Clock, Logger, Metrics, PeerId } from '@chainwire/interface'
import type { EventEmitter } from 'eventemitter3'

/**
 * The six factors of a peer's score. Each has a bounded sub-score in [-100, 100] (validator: [0, 100]) and
 * a weight pair; see {@link FactorWeight}.
 */
export type ScoreFactor = 'latency' | 'uptime' | 'blocks' | 'transactions' | 'validator' | 'behaviour'

/**
 * The factors that behaviours move: additive counters, saturating at ±100 and decaying toward 0 each period.
 */
export type CounterFactor = 'blocks' | 'transactions' | 'behaviour'

/**
 * Every behaviour a service can report about a peer. The default effect of each is in
 * {@link DEFAULT_BEHAVIOUR_WEIGHTS}; the README has the table with the reasoning behind each weight.
 */
export type PeerBehaviour =
  | 'good-block'
  | 'first-block-delivery'
  | 'bad-block'
  | 'good-transaction'
  | 'bad-transaction'
  | 'useful-response'
  | 'duplicate-message'
  | 'unrequested-message'
  | 'timeout'
  | 'rate-limit-exceeded'
  | 'invalid-message'
  | 'handshake-failure'
  | 'protocol-violation'

/**
 * What one occurrence of a behaviour adds to each counter factor, in sub-score points (a counter saturates
 * at ±100). Factors not listed are left alone.
 */
export type BehaviourEffect = Readonly<Partial<Record<CounterFactor, number>>>

/**
 * How much a factor counts. A factor's contribution to the total is `reward × sub-score` when the sub-score
 * is zero or positive and `penalty × sub-score` when it is negative: what makes a peer valuable (speed, uptime) and
 * what makes it dangerous (misbehaviour, bad blocks) are weighed separately. With the defaults both columns
 * sum to 1, so the total lies in [-100, 100].
 */
export interface FactorWeight {
  /** Weight applied to a sub-score >= 0. */
  reward: number
  /** Weight applied to a negative sub-score. */
  penalty: number
}

/**
 * Where a peer stands: `trusted` (total >= trusted), `neutral` (neutral <= total < trusted), `low`
 * (banned < total < neutral) or `banned` (total <= banned).
 */
export type PeerScoreState = 'trusted' | 'neutral' | 'low' | 'banned'

/** The score thresholds that separate the {@link PeerScoreState}s; must satisfy banned < neutral < trusted. */
export interface ScoreThresholds {
  /** A total at or above this is `trusted`. @default 75 */
  trusted: number
  /** A total at or above this (and below `trusted`) is `neutral`; below it, `low`. @default 0 */
  neutral: number
  /** A total at or below this is `banned`. @default -50 */
  banned: number
}

/** How round-trip times become the latency sub-score (piecewise linear, see the README). */
export interface LatencyOptions {
  /**
   * Smoothing factor of the exponentially weighted moving average of round-trip times, in (0, 1]: the weight
   * of the newest sample. @default 0.2
   */
  alpha?: number
  /** An average round-trip time at or below this scores +100. @default 100 */
  goodMs?: number
  /** An average round-trip time of exactly this scores 0. @default 500 */
  neutralMs?: number
  /** An average round-trip time at or above this scores -100. @default 2000 */
  badMs?: number
}

/** How connection time and flapping become the uptime sub-score. */
export interface UptimeOptions {
  /**
   * Connected time that earns the full +100 uptime credit. Credit accrues while the peer is connected and
   * decays only while it is disconnected. @default 1_800_000 (30 minutes)
   */
  fullCreditMs?: number
  /** A connection that lasts less than this counts as a flap and is penalised. @default 60_000 */
  shortSessionMs?: number
  /**
   * Points taken from the stability counter (part of the uptime sub-score) for each flap; the counter decays
   * toward 0 like the other counters. @default 20
   */
  shortSessionPenalty?: number
}

/** Options of {@link createPeerScoring}; every field is optional. */
export interface PeerScoringOptions {
  /**
   * Per-factor weight overrides, merged field by field over {@link DEFAULT_FACTOR_WEIGHTS}. Weights are in
   * [0, 1000]; the total lies in [-100 × Σ penalty, 100 × Σ reward].
   * @default DEFAULT_FACTOR_WEIGHTS
   */
  weights?: Partial<Record<ScoreFactor, Partial<FactorWeight>>>
  /**
   * Per-behaviour effect overrides: the effect given for a behaviour replaces its default effect entirely.
   * @default DEFAULT_BEHAVIOUR_WEIGHTS
   */
  behaviourWeights?: Partial<Record<PeerBehaviour, BehaviourEffect>>
  /** Threshold overrides, merged over {@link DEFAULT_THRESHOLDS}. @default { trusted: 75, neutral: 0, banned: -50 } */
  thresholds?: Partial<ScoreThresholds>
  /** Length of one decay period: counters are multiplied by `decayFactor` once per period. @default 60_000 */
  decayPeriodMs?: number
  /**
   * Multiplier applied to every decaying quantity once per period, in [0, 1]: 0.95 per minute is a half-life
   * of about 13.5 minutes; 1 disables decay. @default 0.95
   */
  decayFactor?: number
  /**
   * A decaying sub-score whose magnitude falls below this many points is set to exactly 0, so scores reach
   * neutral in finite time (gossipsub's `decayToZero`). @default 0.01
   */
  decayToZero?: number
  /**
   * When a peer becomes banned its score stops decaying for this long, so a ban lasts at least this long
   * unless good behaviour lifts the score. @default 1_800_000 (30 minutes)
   */
  banDurationMs?: number
  /** Recent events kept per peer for `explain()` and snapshots (oldest dropped first). @default 32 */
  historyLimit?: number
  /**
   * Maximum number of peers tracked. When full, the least recently seen peer is evicted, disconnected peers
   * before connected ones and neutral before low before trusted ones; a banned peer is never evicted before
   * its ban decays. @default 1024
   */
  maxPeers?: number
  /** How round-trip times map to the latency sub-score. */
  latency?: LatencyOptions
  /** How connection time and flapping map to the uptime sub-score. */
  uptime?: UptimeOptions
}

/** What the scorer uses from its host: only a clock is required. */
export interface PeerScoringComponents {
  /** Source of time and of the decay timer. */
  clock: Clock
  /** Receives threshold crossings, evictions and restore summaries. @default noopLogger */
  logger?: Logger
  /** Receives the score distribution, threshold crossings and behaviour counts. @default noopMetrics */
  metrics?: Metrics
}

/** A peer's current score. */
export interface PeerScore {
  /** The weighted total, the sum of the factor contributions (see `explain()`). */
  total: number
  /** Each factor's sub-score, before weighting, in [-100, 100]. */
  factors: Readonly<Record<ScoreFactor, number>>
  /** Where the total stands against the thresholds. */
  state: PeerScoreState
}

/** A peer and its score, as returned by `getTopPeers()`. */
export interface RankedPeer extends PeerScore {
  /** The peer. */
  peerId: PeerId
}

/** What a history entry records: a reported behaviour or a measurement. */
export type ScoreEventKind = PeerBehaviour | 'latency' | 'connected' | 'disconnected' | 'validator'

/** One entry in a peer's bounded recent-event history. */
export interface ScoreEvent {
  /** Clock time of the event, in ms since the epoch. */
  at: number
  /** The behaviour reported, or the measurement taken. */
  kind: ScoreEventKind
  /**
   * Points the event added to each counter it moved (behaviours; a flap's stability penalty appears as
   * `uptime`). Empty for measurements.
   */
  delta: Partial<Record<ScoreFactor, number>>
  /**
   * The measured value: the round-trip time in ms for `latency`, the session length in ms for
   * `disconnected`, 1 or 0 for `validator`.
   */
  value?: number
  /** The reporter's free-text context (at most 256 characters). */
  detail?: string
}

/** One factor's part of a score explanation. */
export interface FactorExplanation {
  /** The factor. */
  factor: ScoreFactor
  /** Its sub-score, in [-100, 100]. */
  subScore: number
  /** The weight applied: the factor's reward weight if the sub-score is >= 0, else its penalty weight. */
  weight: number
  /** `weight × subScore`, quantised to 2^-16 points so that contributions sum exactly to the total. */
  contribution: number
  /** What the sub-score rests on, for operators (for example `ewma 120 ms, freshness 90%`). */
  basis: string
}

/** Why a peer has the score it has: per-factor contributions that sum exactly to the total. */
export interface ScoreExplanation {
  /** The peer. */
  peerId: PeerId
  /** Clock time the explanation was computed at. */
  at: number
  /** The total score; equal to the sum of `factors[i].contribution`. */
  total: number
  /** Where the total stands against the thresholds. */
  state: PeerScoreState
  /** The thresholds in force. */
  thresholds: Readonly<ScoreThresholds>
  /** One entry per factor, in {@link SCORE_FACTORS} order. */
  factors: readonly FactorExplanation[]
  /** Until when the peer's score is frozen by a ban (ms since the epoch), if a ban is in force. */
  bannedUntil?: number
  /** Whether the peer is connected now. */
  connected: boolean
  /** The recent events behind the score, newest first. */
  events: readonly ScoreEvent[]
  /** A plain-text rendering for operators: the factor table, the total and the recent events. */
  toString(): string
}

/** The thresholds a score can cross. */
export type ThresholdName = keyof ScoreThresholds

/** One threshold crossing: emitted once each time a peer's total crosses a threshold in either direction. */
export interface ThresholdCrossing {
  /** The peer. */
  peerId: PeerId
  /** The threshold crossed. */
  threshold: ThresholdName
  /** `up` when the score rose through the threshold, `down` when it fell through it. */
  direction: 'up' | 'down'
  /** The state before the crossing. */
  from: PeerScoreState
  /** The state after the crossing. */
  to: PeerScoreState
  /** The total that caused the crossing. */
  score: number
  /** Clock time of the crossing. */
  at: number
}

/**
 * The events of {@link PeerScoring}. A change that crosses several thresholds at once (neutral straight to
 * banned) emits one `peer:threshold` per threshold, in order, each followed by its specific event if any.
 */
export interface PeerScoringEvents {
  /** Any threshold crossing, in either direction. */
  'peer:threshold': (crossing: ThresholdCrossing) => void
  /** The peer rose through the trusted threshold. */
  'peer:trusted': (crossing: ThresholdCrossing) => void
  /** The peer fell back below the trusted threshold. */
  'peer:untrusted': (crossing: ThresholdCrossing) => void
  /** The peer fell through the banned threshold: disconnect it and refuse it until it recovers. */
  'peer:banned': (crossing: ThresholdCrossing) => void
  /** The peer rose back above the banned threshold. */
  'peer:recovered': (crossing: ThresholdCrossing) => void
}

/** Options of {@link PeerScoring.recordBehavior}. */
export interface RecordBehaviorOptions {
  /** Free-text context kept in the peer's history (truncated to 256 characters). */
  detail?: string
}

/**
 * The narrow read-only view relay and sync take in their components: they ask for a number and a verdict,
 * nothing else.
 */
export interface PeerScoreView {
  /** The peer's total score (0 for a peer never seen). */
  getScore(peerId: PeerId): number
  /** Whether the peer is banned now. */
  isBanned(peerId: PeerId): boolean
}

/** The shape network reports misbehaviour (and good behaviour) through. */
export interface MisbehaviourSink {
  /** Records one occurrence of `behaviour` by `peerId`. */
  report(peerId: PeerId, behaviour: PeerBehaviour, options?: RecordBehaviorOptions): void
}

/** One peer in a {@link PeerScoringSnapshot}. */
export interface PeerSnapshot {
  /** The peer. */
  peerId: PeerId
  /** Clock time the peer was last reported on. */
  lastSeen: number
  /** Round-trip average and how fresh it is (1 = just measured), or null if never measured. */
  latency: { ewmaMs: number; freshness: number } | null
  /** Earned connected time (including the session in progress) and the stability counter. */
  uptime: { creditMs: number; stability: number }
  /** Block propagation counter, in [-100, 100]. */
  blocks: number
  /** Transaction relay counter, in [-100, 100]. */
  transactions: number
  /** Behaviour counter, in [-100, 100]. */
  behaviour: number
  /** Whether the peer is a validator. */
  validator: boolean
  /** End of the ban freeze, or null if the peer was never banned or the freeze is over. */
  bannedUntil: number | null
  /** Recent events, oldest first. */
  history: ScoreEvent[]
}

/**
 * The JSON-serialisable state of a scorer, for apps to persist (for example in peer-store metadata) so scores
 * survive restarts. `restore()` decays it by the whole decay periods that passed since `decayedAt`.
 */
export interface PeerScoringSnapshot {
  /** Format version: {@link SNAPSHOT_VERSION}. */
  version: 1
  /** Clock time the snapshot was taken. */
  takenAt: number
  /** Clock time of the last decay-period boundary applied to the scores. */
  decayedAt: number
  /** The tracked peers, least recently seen first. */
  peers: PeerSnapshot[]
}

/** What `restore()` did. */
export interface RestoreResult {
  /** Peers restored (a snapshot larger than `maxPeers` is cut by the usual eviction order). */
  peers: number
  /** Whole decay periods applied to the snapshot's scores for the time that passed since it was taken. */
  decayPeriods: number
}

/**
 * The peer scoring service. It is usable as soon as it is created (decay is a function of the clock and is
 * caught up on every call); `start()` adds a timer that applies decay every period so threshold events fire
 * even when nothing is reported.
 */
export interface PeerScoring extends EventEmitter<PeerScoringEvents>, MisbehaviourSink {
  /** The read-only view to hand to relay and sync. */
  readonly view: PeerScoreView
  /** Number of peers tracked now (at most `maxPeers`). */
  readonly size: number
  /** Starts the decay timer. Idempotent. */
  start(): void
  /** Stops the decay timer; nothing is left scheduled. Scores stay readable. Idempotent. */
  stop(): void
  /**
   * Records one occurrence of `behavior` by `peerId`, adding its effect ({@link DEFAULT_BEHAVIOUR_WEIGHTS}
   * or the override) to the peer's counters. Throws {@link InvalidArgumentError} for an unknown behaviour.
   */
  recordBehavior(peerId: PeerId, behavior: PeerBehaviour, options?: RecordBehaviorOptions): void
  /** Adds a round-trip time sample (ms) to the peer's latency average. */
  updateLatency(peerId: PeerId, ms: number): void
  /** A connection to the peer opened; uptime credit accrues while at least one is open. */
  peerConnected(peerId: PeerId): void
  /** A connection to the peer closed; a session shorter than `uptime.shortSessionMs` counts as a flap. */
  peerDisconnected(peerId: PeerId): void
  /** Sets whether the peer is a validator (a status, not evidence: it does not decay). */
  setValidator(peerId: PeerId, isValidator: boolean): void
  /** The peer's score (all zeros, in the state of a total of 0, for a peer never seen). */
  getScore(peerId: PeerId): PeerScore
  /** Whether the peer is banned now. */
  isBanned(peerId: PeerId): boolean
  /** The `n` highest-scoring peers that are not banned, best first (ties by peer id). */
  getTopPeers(n: number): RankedPeer[]
  /** Per-factor contributions that sum exactly to the total, with the recent events behind them. */
  explain(peerId: PeerId): ScoreExplanation
  /** Forgets everything about a peer, ban included (an operator's manual reset). True if it was tracked. */
  forget(peerId: PeerId): boolean
  /** The whole state as a JSON-serialisable object. */
  snapshot(): PeerScoringSnapshot
  /**
   * Loads a snapshot (an object or its JSON text), decayed by the whole periods elapsed since it was taken.
   * Snapshot peers replace tracked peers with the same id. Emits no threshold events. Throws
   * {@link SnapshotInvalidError} without changing anything if the snapshot is malformed.
   */
  restore(snapshot: unknown): RestoreResult
}

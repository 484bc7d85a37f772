/**
 * @packageDocumentation
 * Multi-factor peer reputation for chainwire: each peer gets a bounded score built from latency, uptime,
 * block propagation, transaction relay, validator status and behaviour; counters decay toward neutral, the
 * score crosses thresholds (trusted, neutral, banned) exactly once per crossing, every score can be explained
 * factor by factor, and scores survive restarts through `snapshot()` / `restore()`.
 *
 * Network reports misbehaviour through the {@link MisbehaviourSink} shape; relay and sync read scores through
 * the narrow {@link PeerScoreView}. Both are implemented by the {@link PeerScoring} service that
 * {@link createPeerScoring} returns.
 */

import { PeerScoringService } from './peer-scoring'
import type { PeerScoring, PeerScoringComponents, PeerScoringOptions } from './types'

export { DEFAULT_BEHAVIOUR_WEIGHTS, PEER_BEHAVIOURS } from './behaviours'
export {
  InvalidArgumentError,
  InvalidOptionsError,
  type PeerScoringErrorCode,
  SnapshotInvalidError,
} from './errors'
export { DEFAULT_FACTOR_WEIGHTS, SCORE_FACTORS } from './factors/weights'
export { DEFAULT_THRESHOLDS } from './options'
export { SNAPSHOT_VERSION } from './snapshot'
export type {
  BehaviourEffect,
  CounterFactor,
  FactorExplanation,
  FactorWeight,
  LatencyOptions,
  MisbehaviourSink,
  PeerBehaviour,
  PeerScore,
  PeerScoreState,
  PeerScoreView,
  PeerScoring,
  PeerScoringComponents,
  PeerScoringEvents,
  PeerScoringOptions,
  PeerScoringSnapshot,
  PeerSnapshot,
  RankedPeer,
  RecordBehaviorOptions,
  RestoreResult,
  ScoreEvent,
  ScoreEventKind,
  ScoreExplanation,
  ScoreFactor,
  ScoreThresholds,
  ThresholdCrossing,
  ThresholdName,
  UptimeOptions,
} from './types'

/**
 * Creates a peer scoring service. Throws {@link InvalidOptionsError} if an option is out of range.
 *
 * @example
 * ```ts
 * const scoring = createPeerScoring({ clock: systemClock }, { thresholds: { banned: -40 } })
 * scoring.start()
 * scoring.recordBehavior(peerId, 'invalid-message', { detail: 'bad msgpack' })
 * ```
 */
export function createPeerScoring(
  components: PeerScoringComponents,
  options: PeerScoringOptions = {},
): PeerScoring {
  return new PeerScoringService(components, options)
}

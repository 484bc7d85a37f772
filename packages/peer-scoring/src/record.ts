import type { PeerId } from '@chainwire/interface'
import { latencySubScore } from './factors/latency'
import { uptimeCredit, uptimeSubScore } from './factors/uptime'
import { combine } from './factors/weights'
import type { ResolvedOptions } from './options'
import type { PeerScoreState, ScoreEvent, ScoreFactor } from './types'

/** Everything the scorer knows about one peer. All fields are bounded numbers or a bounded history. */
export interface PeerRecord {
  readonly peerId: PeerId
  /** Clock time of the last report about the peer (drives least-recently-seen eviction). */
  lastSeen: number
  /** Moving average of round-trip times, or undefined before the first sample. */
  latencyMs: number | undefined
  /** Weight of the latency average in [0, 1]: 1 after a sample, decaying each period without one. */
  latencyFreshness: number
  /** Connected time banked from finished sessions, capped at `uptime.fullCreditMs`. */
  uptimeCreditMs: number
  /** Flap penalties, in [-100, 0], decaying toward 0. */
  stability: number
  /** Open connections to the peer. */
  connections: number
  /** Start of the current session while `connections > 0`. */
  connectedSince: number | undefined
  /** Block propagation counter, in [-100, 100]. */
  blocks: number
  /** Transaction relay counter, in [-100, 100]. */
  transactions: number
  /** Behaviour counter, in [-100, 100]. */
  behaviour: number
  validator: boolean
  /** End of the ban freeze (no decay until then), or 0. */
  bannedUntil: number
  /** The state last seen by the threshold logic; events fire when it changes. */
  state: PeerScoreState
  /** Recent events, oldest first, at most `historyLimit`. */
  history: ScoreEvent[]
}

/** A record with every factor neutral. */
export function newRecord(peerId: PeerId, now: number, state: PeerScoreState): PeerRecord {
  return {
    peerId,
    lastSeen: now,
    latencyMs: undefined,
    latencyFreshness: 0,
    uptimeCreditMs: 0,
    stability: 0,
    connections: 0,
    connectedSince: undefined,
    blocks: 0,
    transactions: 0,
    behaviour: 0,
    validator: false,
    bannedUntil: 0,
    state,
    history: [],
  }
}

/** The connected-time credit of a record at `now`, including the session in progress. */
export function currentCredit(r: PeerRecord, now: number, o: ResolvedOptions): number {
  return uptimeCredit(r.uptimeCreditMs, r.connectedSince, now, o.uptime.fullCreditMs)
}

/** Each factor's sub-score at `now`, in [-100, 100]. */
export function subScores(r: PeerRecord, now: number, o: ResolvedOptions): Record<ScoreFactor, number> {
  return {
    latency: latencySubScore(r.latencyMs, r.latencyFreshness, o.latency),
    uptime: uptimeSubScore(currentCredit(r, now, o), r.stability, o.uptime.fullCreditMs),
    blocks: r.blocks,
    transactions: r.transactions,
    validator: r.validator ? 100 : 0,
    behaviour: r.behaviour,
  }
}

/** A record's sub-scores, contributions and total at `now`. */
export interface Evaluation {
  subScores: Record<ScoreFactor, number>
  contributions: Record<ScoreFactor, number>
  total: number
}

/** Evaluates a record's score at `now`. */
export function evaluate(r: PeerRecord, now: number, o: ResolvedOptions): Evaluation {
  const s = subScores(r, now, o)
  const { contributions, total } = combine(s, o.weights)
  return { subScores: s, contributions, total }
}

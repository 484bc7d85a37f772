import {
  type Clock,
  isPeerId,
  type Logger,
  noopLogger,
  noopMetrics,
  type PeerId,
  type TimerHandle,
} from '@chainwire/interface'
import { EventEmitter } from 'eventemitter3'
import { isPeerBehaviour } from './behaviours'
import { decayRecord, frozenPeriods, periodsElapsed } from './decay'
import { InvalidArgumentError } from './errors'
import { buildExplanation } from './explain'
import { ewma } from './factors/latency'
import { uptimeCredit } from './factors/uptime'
import { clampSubScore, SCORE_FACTORS } from './factors/weights'
import { appendEvent, boundedDetail } from './history'
import { createScoringMetrics, type ScoringMetrics } from './metrics'
import { type ResolvedOptions, resolveOptions } from './options'
import { type Evaluation, evaluate, newRecord, type PeerRecord } from './record'
import { ScoreStore } from './score-store'
import { encodeRecord, parseSnapshot, recordFromSnapshot, SNAPSHOT_VERSION } from './snapshot'
import { crossingsBetween, stateOf } from './thresholds'
import type {
  CounterFactor,
  PeerBehaviour,
  PeerScore,
  PeerScoreState,
  PeerScoreView,
  PeerScoring,
  PeerScoringComponents,
  PeerScoringEvents,
  PeerScoringOptions,
  PeerScoringSnapshot,
  RankedPeer,
  RecordBehaviorOptions,
  RestoreResult,
  ScoreEvent,
  ScoreExplanation,
  ScoreFactor,
  ThresholdCrossing,
} from './types'

/** The event emitted after `peer:threshold` for each kind of crossing, if any. */
const SPECIFIC_EVENTS = {
  trusted: { up: 'peer:trusted', down: 'peer:untrusted' },
  banned: { up: 'peer:recovered', down: 'peer:banned' },
  neutral: { up: undefined, down: undefined },
} as const

const STATES: readonly PeerScoreState[] = ['trusted', 'neutral', 'low', 'banned']

/**
 * The peer scoring service behind {@link createPeerScoring}. Decay is a function of the injected clock: every
 * call first applies the whole periods elapsed since the last one, and the optional timer does the same each
 * period so threshold events fire even when no one calls.
 */
export class PeerScoringService extends EventEmitter<PeerScoringEvents> implements PeerScoring {
  readonly view: PeerScoreView
  private readonly clock: Clock
  private readonly log: Logger
  private readonly metrics: ScoringMetrics
  private readonly options: ResolvedOptions
  private readonly store: ScoreStore
  private readonly stateCounts: Record<PeerScoreState, number> = { trusted: 0, neutral: 0, low: 0, banned: 0 }
  /** The last decay-period boundary applied to the tracked records. */
  private decayedAt: number
  private timer: TimerHandle | undefined

  constructor(components: PeerScoringComponents, options: PeerScoringOptions) {
    super()
    this.options = resolveOptions(options)
    this.clock = components.clock
    this.log = components.logger ?? noopLogger
    this.metrics = createScoringMetrics(components.metrics ?? noopMetrics)
    this.store = new ScoreStore(this.options.maxPeers)
    this.decayedAt = this.clock.now()
    this.view = Object.freeze({
      getScore: (peerId: PeerId): number => this.getScore(peerId).total,
      isBanned: (peerId: PeerId): boolean => this.isBanned(peerId),
    })
  }

  get size(): number {
    return this.store.size
  }

  start(): void {
    if (this.timer !== undefined) return
    this.catchUp()
    if (this.store.size === 0) this.decayedAt = this.clock.now()
    this.timer = this.clock.setInterval(() => this.tick(), this.options.decayPeriodMs)
  }

  stop(): void {
    if (this.timer === undefined) return
    this.clock.clearInterval(this.timer)
    this.timer = undefined
  }

  report(peerId: PeerId, behaviour: PeerBehaviour, options?: RecordBehaviorOptions): void {
    this.recordBehavior(peerId, behaviour, options)
  }

  recordBehavior(peerId: PeerId, behavior: PeerBehaviour, options: RecordBehaviorOptions = {}): void {
    if (!isPeerBehaviour(behavior)) {
      throw new InvalidArgumentError(`unknown behaviour ${JSON.stringify(String(behavior)).slice(0, 80)}`, {
        argument: 'behavior',
        value: typeof behavior === 'string' ? (behavior as string).slice(0, 64) : typeof behavior,
      })
    }
    const effect = this.options.behaviourWeights[behavior]
    const now = this.catchUp()
    const r = this.track(peerId, now)
    this.metrics.behaviours.inc(1, { behaviour: behavior })
    if (r === undefined) return
    for (const [factor, points] of Object.entries(effect) as [CounterFactor, number][]) {
      r[factor] = clampSubScore(r[factor] + points)
    }
    const event: ScoreEvent = { at: now, kind: behavior, delta: { ...effect } }
    const detail = boundedDetail(options.detail)
    if (detail !== undefined) event.detail = detail
    appendEvent(r.history, event, this.options.historyLimit)
    this.refresh(r, now)
  }

  updateLatency(peerId: PeerId, ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new InvalidArgumentError('latency must be a finite number of milliseconds >= 0', {
        argument: 'ms',
        value: ms,
      })
    }
    const now = this.catchUp()
    const r = this.track(peerId, now)
    if (r === undefined) return
    // A measurement that has faded to nothing restarts the average instead of blending with it.
    r.latencyMs = ewma(r.latencyFreshness === 0 ? undefined : r.latencyMs, ms, this.options.latency.alpha)
    r.latencyFreshness = 1
    appendEvent(r.history, { at: now, kind: 'latency', delta: {}, value: ms }, this.options.historyLimit)
    this.refresh(r, now)
  }

  peerConnected(peerId: PeerId): void {
    const now = this.catchUp()
    const r = this.track(peerId, now)
    if (r === undefined) return
    r.connections++
    if (r.connections === 1) {
      r.connectedSince = now
      appendEvent(r.history, { at: now, kind: 'connected', delta: {} }, this.options.historyLimit)
    }
    this.refresh(r, now)
  }

  peerDisconnected(peerId: PeerId): void {
    const now = this.catchUp()
    const r = this.store.get(peerId)
    if (r === undefined || r.connections === 0) return
    this.store.touch(r, now)
    r.connections--
    if (r.connections > 0) return
    const since = r.connectedSince ?? now
    const session = Math.max(0, now - since)
    r.uptimeCreditMs = uptimeCredit(r.uptimeCreditMs, since, now, this.options.uptime.fullCreditMs)
    r.connectedSince = undefined
    const delta: Partial<Record<ScoreFactor, number>> = {}
    const { shortSessionMs, shortSessionPenalty } = this.options.uptime
    if (session < shortSessionMs && shortSessionPenalty > 0) {
      r.stability = clampSubScore(r.stability - shortSessionPenalty)
      delta.uptime = -shortSessionPenalty
    }
    appendEvent(
      r.history,
      { at: now, kind: 'disconnected', delta, value: session },
      this.options.historyLimit,
    )
    this.refresh(r, now)
  }

  setValidator(peerId: PeerId, isValidator: boolean): void {
    if (typeof isValidator !== 'boolean') {
      throw new InvalidArgumentError('isValidator must be a boolean', {
        argument: 'isValidator',
        value: isValidator,
      })
    }
    const now = this.catchUp()
    const existing = this.store.get(peerId)
    if (existing === undefined && !isValidator) return
    if (existing !== undefined && existing.validator === isValidator) {
      this.store.touch(existing, now)
      return
    }
    const r = this.track(peerId, now)
    if (r === undefined) return
    r.validator = isValidator
    const event: ScoreEvent = { at: now, kind: 'validator', delta: {}, value: isValidator ? 1 : 0 }
    appendEvent(r.history, event, this.options.historyLimit)
    this.refresh(r, now)
  }

  getScore(peerId: PeerId): PeerScore {
    const now = this.catchUp()
    const r = this.store.get(peerId)
    if (r === undefined) return this.unknownScore()
    const e = this.refresh(r, now)
    return { total: e.total, factors: e.subScores, state: r.state }
  }

  isBanned(peerId: PeerId): boolean {
    return this.getScore(peerId).state === 'banned'
  }

  getTopPeers(n: number): RankedPeer[] {
    if (!Number.isInteger(n) || n < 0) {
      throw new InvalidArgumentError('n must be an integer >= 0', { argument: 'n', value: n })
    }
    const now = this.catchUp()
    const ranked: RankedPeer[] = []
    for (const r of [...this.store.values()]) {
      if (!this.isTracked(r)) continue
      const e = this.refresh(r, now)
      if (r.state !== 'banned')
        ranked.push({ peerId: r.peerId, total: e.total, factors: e.subScores, state: r.state })
    }
    ranked.sort((a, b) => b.total - a.total || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
    return ranked.slice(0, n)
  }

  explain(peerId: PeerId): ScoreExplanation {
    const now = this.catchUp()
    const r = this.store.get(peerId)
    const e = r === undefined ? this.unknownEvaluation() : this.refresh(r, now)
    return buildExplanation(peerId, r, e, now, this.options)
  }

  forget(peerId: PeerId): boolean {
    const r = this.store.get(peerId)
    if (r === undefined) return false
    this.store.delete(peerId)
    this.countState(r.state, -1)
    return true
  }

  snapshot(): PeerScoringSnapshot {
    const now = this.catchUp()
    const peers = [...this.store.values()].map((r) => encodeRecord(r, now, this.options))
    return { version: SNAPSHOT_VERSION, takenAt: now, decayedAt: this.decayedAt, peers }
  }

  restore(snapshot: unknown): RestoreResult {
    const parsed = parseSnapshot(snapshot)
    const now = this.catchUp()
    const o = this.options
    const periods = periodsElapsed(parsed.decayedAt, now, o.decayPeriodMs)
    const anchor = parsed.decayedAt + periods * o.decayPeriodMs
    const restored = parsed.peers.map((p) => {
      const r = recordFromSnapshot(p, o)
      decayRecord(r, periods - frozenPeriods(parsed.decayedAt, periods, o.decayPeriodMs, r.bannedUntil), o)
      if (r.bannedUntil <= anchor) r.bannedUntil = 0
      const live = this.store.get(r.peerId)
      if (live !== undefined && live.connections > 0) {
        // The snapshot already banked the connected time up to when it was taken; a new session starts now.
        r.connections = live.connections
        r.connectedSince = now
      }
      r.state = stateOf(evaluate(r, now, o).total, o.thresholds)
      return r
    })
    if (this.store.size === 0 && parsed.decayedAt <= now) this.decayedAt = anchor

    const replaced = new Set(restored.map((r) => r.peerId))
    const merged = [...[...this.store.values()].filter((r) => !replaced.has(r.peerId)), ...restored]
    merged.sort((a, b) => a.lastSeen - b.lastSeen)
    this.store.clear()
    for (const s of STATES) this.stateCounts[s] = 0
    let evicted = 0
    let dropped = 0
    for (const r of merged) {
      const result = this.store.add(r, now)
      if (result.evicted !== undefined) {
        this.countState(result.evicted.state, -1)
        evicted++
      }
      if (result.added) this.countState(r.state, 1)
      else dropped++
    }
    for (const s of STATES) this.metrics.peers.set(this.stateCounts[s], { state: s })
    if (evicted > 0) this.metrics.evictions.inc(evicted)
    if (dropped > 0) this.metrics.untracked.inc(dropped)
    const kept = restored.filter((r) => this.store.get(r.peerId) === r).length
    this.log.info({ peers: kept, decayPeriods: periods, evicted, dropped }, 'peer scores restored')
    return { peers: kept, decayPeriods: periods }
  }

  /** Applies elapsed decay periods, then refreshes every record's state; returns the time it ran at. */
  private catchUp(): number {
    const now = this.clock.now()
    if (this.decayTo(now)) {
      for (const r of [...this.store.values()]) if (this.isTracked(r)) this.refresh(r, now)
    }
    return now
  }

  /** Applies the whole decay periods elapsed up to `now`; true if any were. */
  private decayTo(now: number): boolean {
    const period = this.options.decayPeriodMs
    const periods = periodsElapsed(this.decayedAt, now, period)
    if (periods === 0) return false
    const anchor = this.decayedAt
    this.decayedAt = anchor + periods * period
    for (const r of this.store.values()) {
      decayRecord(r, periods - frozenPeriods(anchor, periods, period, r.bannedUntil), this.options)
      if (r.bannedUntil !== 0 && r.bannedUntil <= this.decayedAt) r.bannedUntil = 0
    }
    return true
  }

  /** The decay timer: decay, re-evaluate every peer (uptime grows between reports) and record the distribution. */
  private tick(): void {
    const now = this.clock.now()
    this.decayTo(now)
    for (const r of [...this.store.values()]) {
      if (this.isTracked(r)) this.metrics.score.observe(this.refresh(r, now).total)
    }
  }

  /** False for a record a listener forgot while a loop over a copy of the table was running. */
  private isTracked(r: PeerRecord): boolean {
    return this.store.get(r.peerId) === r
  }

  /** The record of a peer, created (with eviction if full) when new; undefined if it cannot be tracked. */
  private track(peerId: PeerId, now: number): PeerRecord | undefined {
    if (!isPeerId(peerId)) {
      const given: unknown = peerId
      throw new InvalidArgumentError('peer id must be a peer id in canonical form (isPeerId)', {
        argument: 'peerId',
        value: typeof given === 'string' ? given.slice(0, 64) : typeof given,
      })
    }
    const existing = this.store.get(peerId)
    if (existing !== undefined) {
      this.store.touch(existing, now)
      return existing
    }
    const r = newRecord(peerId, now, stateOf(0, this.options.thresholds))
    const { added, evicted } = this.store.add(r, now)
    if (evicted !== undefined) {
      this.countState(evicted.state, -1)
      this.metrics.evictions.inc()
      this.log.debug(
        { peerId: evicted.peerId, state: evicted.state },
        'evicted peer score to stay within maxPeers',
      )
    }
    if (!added) {
      this.metrics.untracked.inc()
      this.log.warn(
        { peerId, maxPeers: this.options.maxPeers },
        'score table full of banned peers; not tracking peer',
      )
      return undefined
    }
    this.countState(r.state, 1)
    return r
  }

  /**
   * Re-evaluates a record and, if its state changed, emits one crossing per threshold crossed. Entering
   * `banned` starts the ban freeze.
   */
  private refresh(r: PeerRecord, now: number): Evaluation {
    const e = evaluate(r, now, this.options)
    const from = r.state
    const to = stateOf(e.total, this.options.thresholds)
    if (to === from) return e
    if (to === 'banned') r.bannedUntil = Math.max(r.bannedUntil, now + this.options.banDurationMs)
    r.state = to
    this.countState(from, -1)
    this.countState(to, 1)
    for (const step of crossingsBetween(from, to)) {
      const crossing: ThresholdCrossing = { peerId: r.peerId, ...step, score: e.total, at: now }
      this.metrics.crossings.inc(1, { threshold: step.threshold, direction: step.direction })
      const level = step.threshold === 'banned' ? 'info' : 'debug'
      this.log[level](
        { peerId: r.peerId, threshold: step.threshold, direction: step.direction, score: e.total },
        `peer score crossed the ${step.threshold} threshold ${step.direction}`,
      )
      this.emit('peer:threshold', crossing)
      const specific = SPECIFIC_EVENTS[step.threshold][step.direction]
      if (specific !== undefined) this.emit(specific, crossing)
    }
    return e
  }

  private countState(state: PeerScoreState, by: number): void {
    this.stateCounts[state] += by
    this.metrics.peers.set(this.stateCounts[state], { state })
  }

  private unknownEvaluation(): Evaluation {
    const zeros = Object.fromEntries(SCORE_FACTORS.map((f) => [f, 0])) as Record<ScoreFactor, number>
    return { subScores: zeros, contributions: { ...zeros }, total: 0 }
  }

  private unknownScore(): PeerScore {
    return {
      total: 0,
      factors: this.unknownEvaluation().subScores,
      state: stateOf(0, this.options.thresholds),
    }
  }
}

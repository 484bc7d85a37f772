import type { PeerId } from '@chainwire/interface'
import { SCORE_FACTORS, weightFor } from './factors/weights'
import type { ResolvedOptions } from './options'
import { currentCredit, type Evaluation, type PeerRecord } from './record'
import { stateOf } from './thresholds'
import type { FactorExplanation, ScoreEvent, ScoreExplanation, ScoreFactor } from './types'

/**
 * Builds the explanation of a record's score (or of a peer never seen, when `r` is undefined): each factor's
 * sub-score, weight and contribution, exactly the numbers the total was summed from.
 */
export function buildExplanation(
  peerId: PeerId,
  r: PeerRecord | undefined,
  e: Evaluation,
  now: number,
  o: ResolvedOptions,
): ScoreExplanation {
  const factors: FactorExplanation[] = SCORE_FACTORS.map((factor) => ({
    factor,
    subScore: e.subScores[factor],
    weight: weightFor(o.weights[factor], e.subScores[factor]),
    contribution: e.contributions[factor],
    basis: basis(factor, r, now, o),
  }))
  const explanation: ScoreExplanation = {
    peerId,
    at: now,
    total: e.total,
    state: r?.state ?? stateOf(e.total, o.thresholds),
    thresholds: o.thresholds,
    factors,
    connected: (r?.connections ?? 0) > 0,
    events: r === undefined ? [] : [...r.history].reverse().map((ev) => ({ ...ev, delta: { ...ev.delta } })),
    toString: () => renderExplanation(explanation),
  }
  if (r !== undefined && r.bannedUntil > now) explanation.bannedUntil = r.bannedUntil
  return explanation
}

/** Renders an explanation as a fixed-width text table for operators (logs, the node's API and CLI). */
export function renderExplanation(x: ScoreExplanation): string {
  const t = x.thresholds
  const lines = [
    `peer ${x.peerId}: score ${signed(x.total)} (${x.state})${x.connected ? ', connected' : ''} at ${iso(x.at)}`,
    `thresholds: trusted >= ${t.trusted}, neutral >= ${t.neutral}, banned <= ${t.banned}`,
    `${'factor'.padEnd(13)}${'sub-score'.padStart(10)}${'weight'.padStart(8)}${'contribution'.padStart(14)}  basis`,
  ]
  for (const f of x.factors) {
    lines.push(
      `${f.factor.padEnd(13)}${signed(f.subScore).padStart(10)}${trimmed(f.weight).padStart(8)}` +
        `${signed(f.contribution).padStart(14)}  ${f.basis}`,
    )
  }
  lines.push(`${'total'.padEnd(31)}${signed(x.total).padStart(14)}`)
  if (x.bannedUntil !== undefined)
    lines.push(`ban in force until ${iso(x.bannedUntil)} (score frozen until then)`)
  if (x.events.length === 0) {
    lines.push('no recent events')
  } else {
    lines.push('recent events (newest first):')
    for (const ev of x.events)
      lines.push(`  ${iso(ev.at)}  ${ev.kind.padEnd(21)}${describeEvent(ev)}`.trimEnd())
  }
  return lines.join('\n')
}

function basis(factor: ScoreFactor, r: PeerRecord | undefined, now: number, o: ResolvedOptions): string {
  if (r === undefined) return 'never seen'
  switch (factor) {
    case 'latency':
      if (r.latencyMs === undefined) return 'never measured'
      return `average ${Math.round(r.latencyMs)} ms, freshness ${Math.round(r.latencyFreshness * 100)}%`
    case 'uptime': {
      const ms = currentCredit(r, now, o)
      const credit =
        ms === 0 && r.connections === 0
          ? 'no connected time'
          : `connected ${duration(ms)} of ${duration(o.uptime.fullCreditMs)}`
      return r.stability === 0 ? credit : `${credit}, flap penalty ${signed(r.stability)}`
    }
    case 'validator':
      return r.validator ? 'validator' : 'not a validator'
    default: {
      const n = r.history.filter((ev) => ev.delta[factor] !== undefined).length
      return `decaying counter, ${n} recent event${n === 1 ? '' : 's'}`
    }
  }
}

function describeEvent(ev: ScoreEvent): string {
  const parts: string[] = []
  const deltas = Object.entries(ev.delta).map(([factor, points]) => `${factor} ${signed(points, 1)}`)
  if (deltas.length > 0) parts.push(deltas.join(', '))
  if (ev.kind === 'latency' && ev.value !== undefined) parts.push(`${Math.round(ev.value)} ms`)
  if (ev.kind === 'disconnected' && ev.value !== undefined) parts.push(`after ${duration(ev.value)}`)
  if (ev.kind === 'validator') parts.push(ev.value === 1 ? 'is a validator' : 'is not a validator')
  if (ev.detail !== undefined && ev.detail !== '') parts.push(JSON.stringify(ev.detail))
  return parts.join('  ')
}

function signed(x: number, digits = 2): string {
  const text = Math.abs(x).toFixed(digits)
  if (Number(text) === 0) return text
  return x > 0 ? `+${text}` : `-${text}`
}

function trimmed(x: number): string {
  return String(Number(x.toFixed(3)))
}

/** ISO 8601 text of a clock time (raw milliseconds outside the range a Date can hold). */
function iso(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`
  const h = Math.floor(m / 60)
  return `${h} h${m % 60 === 0 ? '' : ` ${m % 60} min`}`
}

import {
  InvalidOptionsError,
  type OptionField,
  type OptionSpec,
  option,
  resolveOptions as resolveSpec,
} from '@chainwire/interface'
import { DEFAULT_BEHAVIOUR_WEIGHTS, PEER_BEHAVIOURS } from './behaviours'
import type { LatencyMapping } from './factors/latency'
import type { UptimeRules } from './factors/uptime'
import { DEFAULT_FACTOR_WEIGHTS, SCORE_FACTORS } from './factors/weights'
import type {
  BehaviourEffect,
  FactorWeight,
  PeerBehaviour,
  PeerScoringOptions,
  ScoreFactor,
  ScoreThresholds,
} from './types'

/** The default thresholds: trusted at 75, neutral at 0, banned at -50. */
export const DEFAULT_THRESHOLDS: Readonly<ScoreThresholds> = Object.freeze({
  trusted: 75,
  neutral: 0,
  banned: -50,
})

/** Every option with its default filled in and checked. */
export interface ResolvedOptions {
  weights: Readonly<Record<ScoreFactor, Readonly<FactorWeight>>>
  behaviourWeights: Readonly<Record<PeerBehaviour, BehaviourEffect>>
  thresholds: Readonly<ScoreThresholds>
  decayPeriodMs: number
  decayFactor: number
  decayToZero: number
  banDurationMs: number
  historyLimit: number
  maxPeers: number
  latency: Readonly<LatencyMapping>
  uptime: Readonly<UptimeRules>
}

const MAX_WEIGHT = 1000
const MAX_MS = Number.MAX_SAFE_INTEGER

/** A factor's weight pair, merged field by field over its default. */
function factorWeight(d: Readonly<FactorWeight>): OptionField<FactorWeight> {
  return option.group<FactorWeight>({
    reward: option.number(d.reward, { min: 0, max: MAX_WEIGHT }),
    penalty: option.number(d.penalty, { min: 0, max: MAX_WEIGHT }),
  })
}

/** Counter points of a behaviour effect: absent means the effect does not move that counter. */
const points = option.custom<number | undefined>(undefined, option.number(0, { min: -200, max: 200 }).check)

/** A behaviour's effect: an override replaces the default effect as a whole (it is not merged). */
function behaviourEffect(d: BehaviourEffect): OptionField<BehaviourEffect> {
  const spec: OptionSpec<Record<keyof BehaviourEffect, number | undefined>> = {
    blocks: points,
    transactions: points,
    behaviour: points,
  }
  return { ...option.group(spec), default: d } as OptionField<BehaviourEffect>
}

/** A latency EWMA weight: in (0, 1]. */
const alpha = option.custom<number>(0.2, (v) => {
  const problem = option.number(0, { min: 0, max: 1 }).check(v)
  return problem ?? (v === 0 ? 'must be greater than 0' : undefined)
})

/** The options of the scorer, as the spec every chainwire package declares its options with. */
const SPEC: OptionSpec<ResolvedOptions> = {
  weights: option.group(
    Object.fromEntries(SCORE_FACTORS.map((f) => [f, factorWeight(DEFAULT_FACTOR_WEIGHTS[f])])) as OptionSpec<
      Record<ScoreFactor, FactorWeight>
    >,
  ),
  behaviourWeights: option.group(
    Object.fromEntries(
      PEER_BEHAVIOURS.map((b) => [b, behaviourEffect(DEFAULT_BEHAVIOUR_WEIGHTS[b])]),
    ) as OptionSpec<Record<PeerBehaviour, BehaviourEffect>>,
  ),
  thresholds: option.group<ScoreThresholds>({
    trusted: option.number(DEFAULT_THRESHOLDS.trusted, { min: -1e6, max: 1e6 }),
    neutral: option.number(DEFAULT_THRESHOLDS.neutral, { min: -1e6, max: 1e6 }),
    banned: option.number(DEFAULT_THRESHOLDS.banned, { min: -1e6, max: 1e6 }),
  }),
  decayPeriodMs: option.number(60_000, { min: 1, max: MAX_MS }),
  decayFactor: option.number(0.95, { min: 0, max: 1 }),
  decayToZero: option.number(0.01, { min: 0, max: 100 }),
  banDurationMs: option.number(1_800_000, { min: 0, max: MAX_MS }),
  historyLimit: option.integer(32, { min: 0, max: 10_000 }),
  maxPeers: option.integer(1024, { min: 1, max: 10_000_000 }),
  latency: option.group<LatencyMapping>({
    alpha,
    goodMs: option.number(100, { min: 0, max: 3_600_000 }),
    neutralMs: option.number(500, { min: 0, max: 3_600_000 }),
    badMs: option.number(2000, { min: 0, max: 3_600_000 }),
  }),
  uptime: option.group<UptimeRules>({
    fullCreditMs: option.number(1_800_000, { min: 1, max: MAX_MS }),
    shortSessionMs: option.number(60_000, { min: 0, max: MAX_MS }),
    shortSessionPenalty: option.number(20, { min: 0, max: 100 }),
  }),
}

/**
 * Fills in defaults and validates with `@chainwire/interface`'s resolver, then checks the orderings between
 * fields (banned < neutral < trusted, goodMs < neutralMs < badMs); throws {@link InvalidOptionsError} naming
 * the first bad option.
 */
export function resolveOptions(options: PeerScoringOptions): ResolvedOptions {
  const r = resolveSpec(SPEC, options)
  const t = r.thresholds
  if (!(t.banned < t.neutral && t.neutral < t.trusted)) {
    fail('thresholds', 'must satisfy banned < neutral < trusted', t)
  }
  const l = r.latency
  if (!(l.goodMs < l.neutralMs && l.neutralMs < l.badMs)) {
    fail('latency', 'must satisfy goodMs < neutralMs < badMs', l)
  }
  const behaviourWeights = {} as Record<PeerBehaviour, BehaviourEffect>
  for (const b of PEER_BEHAVIOURS) behaviourWeights[b] = Object.freeze(definedOnly(r.behaviourWeights[b]))
  const weights = {} as Record<ScoreFactor, Readonly<FactorWeight>>
  for (const f of SCORE_FACTORS) weights[f] = Object.freeze(r.weights[f])
  return Object.freeze({
    ...r,
    weights: Object.freeze(weights),
    behaviourWeights: Object.freeze(behaviourWeights),
    thresholds: Object.freeze(t),
    latency: Object.freeze(l),
    uptime: Object.freeze(r.uptime),
  })
}

/** An effect without the counters it leaves alone (the resolver sets absent ones to `undefined`). */
function definedOnly(effect: BehaviourEffect): BehaviourEffect {
  return Object.fromEntries(Object.entries(effect).filter(([, v]) => v !== undefined))
}

function fail(option: string, problem: string, value: unknown): never {
  throw new InvalidOptionsError(`option ${option} ${problem}`, { option, value, problem })
}

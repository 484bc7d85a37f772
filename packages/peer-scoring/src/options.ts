import { DEFAULT_BEHAVIOUR_WEIGHTS, isPeerBehaviour } from './behaviours'
import { InvalidOptionsError } from './errors'
import type { LatencyMapping } from './factors/latency'
import type { UptimeRules } from './factors/uptime'
import { DEFAULT_FACTOR_WEIGHTS, SCORE_FACTORS } from './factors/weights'
import type {
  BehaviourEffect,
  CounterFactor,
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

const COUNTER_FACTORS: readonly CounterFactor[] = ['blocks', 'transactions', 'behaviour']
const MAX_WEIGHT = 1000

/** Fills in defaults and validates; throws {@link InvalidOptionsError} naming the first bad option. */
export function resolveOptions(options: PeerScoringOptions): ResolvedOptions {
  const weights = {} as Record<ScoreFactor, FactorWeight>
  for (const factor of SCORE_FACTORS) {
    const override = options.weights?.[factor]
    const w = { ...DEFAULT_FACTOR_WEIGHTS[factor], ...definedOnly(override) }
    inRange(`weights.${factor}.reward`, w.reward, 0, MAX_WEIGHT)
    inRange(`weights.${factor}.penalty`, w.penalty, 0, MAX_WEIGHT)
    weights[factor] = Object.freeze(w)
  }
  for (const key of Object.keys(options.weights ?? {})) {
    if (!SCORE_FACTORS.includes(key as ScoreFactor)) fail(`weights.${key}`, 'is not a score factor', key)
  }

  const behaviourWeights = { ...DEFAULT_BEHAVIOUR_WEIGHTS } as Record<PeerBehaviour, BehaviourEffect>
  for (const [name, effect] of Object.entries(options.behaviourWeights ?? {})) {
    if (!isPeerBehaviour(name)) fail(`behaviourWeights.${name}`, 'is not a peer behaviour', name)
    if (typeof effect !== 'object' || effect === null)
      fail(`behaviourWeights.${name}`, 'must be an object', effect)
    const checked: Partial<Record<CounterFactor, number>> = {}
    for (const [factor, delta] of Object.entries(effect)) {
      if (!COUNTER_FACTORS.includes(factor as CounterFactor)) {
        fail(
          `behaviourWeights.${name}.${factor}`,
          'is not a counter factor (blocks, transactions, behaviour)',
          factor,
        )
      }
      inRange(`behaviourWeights.${name}.${factor}`, delta, -200, 200)
      checked[factor as CounterFactor] = delta
    }
    behaviourWeights[name] = Object.freeze(checked)
  }

  const thresholds = { ...DEFAULT_THRESHOLDS, ...definedOnly(options.thresholds) }
  for (const key of ['trusted', 'neutral', 'banned'] as const) {
    inRange(`thresholds.${key}`, thresholds[key], -1e6, 1e6)
  }
  if (!(thresholds.banned < thresholds.neutral && thresholds.neutral < thresholds.trusted)) {
    fail('thresholds', 'must satisfy banned < neutral < trusted', thresholds)
  }

  const latency = {
    alpha: 0.2,
    goodMs: 100,
    neutralMs: 500,
    badMs: 2000,
    ...definedOnly(options.latency),
  }
  inRange('latency.alpha', latency.alpha, 0, 1)
  if (latency.alpha === 0) fail('latency.alpha', 'must be greater than 0', 0)
  inRange('latency.goodMs', latency.goodMs, 0, 3_600_000)
  inRange('latency.neutralMs', latency.neutralMs, 0, 3_600_000)
  inRange('latency.badMs', latency.badMs, 0, 3_600_000)
  if (!(latency.goodMs < latency.neutralMs && latency.neutralMs < latency.badMs)) {
    fail('latency', 'must satisfy goodMs < neutralMs < badMs', latency)
  }

  const uptime = {
    fullCreditMs: 1_800_000,
    shortSessionMs: 60_000,
    shortSessionPenalty: 20,
    ...definedOnly(options.uptime),
  }
  inRange('uptime.fullCreditMs', uptime.fullCreditMs, 1, Number.MAX_SAFE_INTEGER)
  inRange('uptime.shortSessionMs', uptime.shortSessionMs, 0, Number.MAX_SAFE_INTEGER)
  inRange('uptime.shortSessionPenalty', uptime.shortSessionPenalty, 0, 100)

  const resolved: ResolvedOptions = {
    weights: Object.freeze(weights),
    behaviourWeights: Object.freeze(behaviourWeights),
    thresholds: Object.freeze(thresholds),
    decayPeriodMs: options.decayPeriodMs ?? 60_000,
    decayFactor: options.decayFactor ?? 0.95,
    decayToZero: options.decayToZero ?? 0.01,
    banDurationMs: options.banDurationMs ?? 1_800_000,
    historyLimit: options.historyLimit ?? 32,
    maxPeers: options.maxPeers ?? 1024,
    latency: Object.freeze(latency),
    uptime: Object.freeze(uptime),
  }
  inRange('decayPeriodMs', resolved.decayPeriodMs, 1, Number.MAX_SAFE_INTEGER)
  inRange('decayFactor', resolved.decayFactor, 0, 1)
  inRange('decayToZero', resolved.decayToZero, 0, 100)
  inRange('banDurationMs', resolved.banDurationMs, 0, Number.MAX_SAFE_INTEGER)
  integerInRange('historyLimit', resolved.historyLimit, 0, 10_000)
  integerInRange('maxPeers', resolved.maxPeers, 1, 10_000_000)
  return Object.freeze(resolved)
}

/** Drops `undefined` fields so they do not overwrite defaults when spread. */
function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {}
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

function inRange(option: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(option, `must be a finite number in [${min}, ${max}]`, value)
  }
}

function integerInRange(option: string, value: unknown, min: number, max: number): void {
  inRange(option, value, min, max)
  if (!Number.isInteger(value)) fail(option, 'must be an integer', value)
}

function fail(option: string, problem: string, value: unknown): never {
  throw new InvalidOptionsError(`option ${option} ${problem}`, { option, value })
}

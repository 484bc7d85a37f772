import type { PeerScoreState, ScoreThresholds, ThresholdName } from './types'

/** The states from lowest to highest. */
const ORDER: readonly PeerScoreState[] = ['banned', 'low', 'neutral', 'trusted']
/** `BETWEEN[i]` is the threshold between `ORDER[i]` and `ORDER[i + 1]`. */
const BETWEEN: readonly ThresholdName[] = ['banned', 'neutral', 'trusted']

/** The state of a total: trusted >= trusted, neutral >= neutral, banned <= banned, low in between. */
export function stateOf(total: number, t: Readonly<ScoreThresholds>): PeerScoreState {
  if (total >= t.trusted) return 'trusted'
  if (total >= t.neutral) return 'neutral'
  if (total <= t.banned) return 'banned'
  return 'low'
}

/** One step of a state change across one threshold. */
export interface CrossingStep {
  threshold: ThresholdName
  direction: 'up' | 'down'
  from: PeerScoreState
  to: PeerScoreState
}

/** The thresholds crossed going from one state to another, in the order they are crossed. */
export function crossingsBetween(from: PeerScoreState, to: PeerScoreState): CrossingStep[] {
  const a = ORDER.indexOf(from)
  const b = ORDER.indexOf(to)
  const steps: CrossingStep[] = []
  for (let i = a; i < b; i++) {
    steps.push({ threshold: BETWEEN[i]!, direction: 'up', from: ORDER[i]!, to: ORDER[i + 1]! })
  }
  for (let i = a; i > b; i--) {
    steps.push({ threshold: BETWEEN[i - 1]!, direction: 'down', from: ORDER[i]!, to: ORDER[i - 1]! })
  }
  return steps
}

import type { PeerId } from '@chainwire/interface'
import { ManualClock, MemoryMetrics, testPeerId } from '@chainwire/interface/testing'
import {
  createPeerScoring,
  type PeerScoring,
  type PeerScoringEvents,
  type PeerScoringOptions,
  SCORE_FACTORS,
  type ThresholdCrossing,
} from '../src/index'

/** `n` distinct peer ids in canonical form (the scorer tracks only those): `testPeerId(1)` to `testPeerId(n)`. */
export function peerIds(n: number): PeerId[] {
  return Array.from({ length: n }, (_, i) => testPeerId(i + 1))
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE

/** A scorer on a manual clock with in-memory metrics. */
export function setup(options: PeerScoringOptions = {}): {
  clock: ManualClock
  metrics: MemoryMetrics
  scoring: PeerScoring
} {
  const clock = new ManualClock()
  const metrics = new MemoryMetrics()
  const scoring = createPeerScoring({ clock, metrics }, options)
  return { clock, metrics, scoring }
}

/** Records every event the scorer emits, as `name peer threshold direction` lines and raw crossings. */
export function recordEvents(scoring: PeerScoring): { lines: string[]; crossings: ThresholdCrossing[] } {
  const lines: string[] = []
  const crossings: ThresholdCrossing[] = []
  const names: (keyof PeerScoringEvents)[] = [
    'peer:threshold',
    'peer:trusted',
    'peer:untrusted',
    'peer:banned',
    'peer:recovered',
  ]
  for (const name of names) {
    scoring.on(name, (c: ThresholdCrossing) => {
      lines.push(`${name} ${c.peerId} ${c.threshold} ${c.direction} ${c.from}->${c.to}`)
      if (name === 'peer:threshold') crossings.push(c)
    })
  }
  return { lines, crossings }
}

/** The sum of an explanation's contributions, in factor order. */
export function sumOfContributions(scoring: PeerScoring, peerId: string): number {
  return scoring.explain(peerId).factors.reduce((sum, f) => sum + f.contribution, 0)
}

/**
 * Brings a peer to the trusted state with default options in one clean crossing: 30 minutes connected, fast,
 * relaying blocks and transactions (about 70 points, neutral), then validator status (+10, trusted).
 */
export function makeTrusted(scoring: PeerScoring, clock: ManualClock, peerId: string): void {
  scoring.peerConnected(peerId)
  for (let minute = 0; minute < 30; minute++) {
    clock.advance(MINUTE)
    scoring.updateLatency(peerId, 40)
    for (let i = 0; i < 10; i++) scoring.recordBehavior(peerId, 'first-block-delivery')
    for (let i = 0; i < 40; i++) scoring.recordBehavior(peerId, 'good-transaction')
  }
  scoring.setValidator(peerId, true)
}

export { SCORE_FACTORS }

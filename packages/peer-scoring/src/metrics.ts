import type { Counter, Gauge, Histogram, Metrics } from '@chainwire/interface'

/** The metrics the scorer records. */
export interface ScoringMetrics {
  /** Every tracked peer's total, observed once per decay tick: the score distribution. */
  score: Histogram
  /** Threshold crossings, by `threshold` and `direction`. */
  crossings: Counter
  /** Behaviours reported, by `behaviour`. */
  behaviours: Counter
  /** Peers evicted from the bounded table. */
  evictions: Counter
  /** Reports dropped because the table was full of banned peers. */
  untracked: Counter
  /** Tracked peers, by `state`. */
  peers: Gauge
}

/** Declares the scorer's metrics on a registry. */
export function createScoringMetrics(metrics: Metrics): ScoringMetrics {
  return {
    score: metrics.histogram({
      name: 'peer_scoring_score',
      help: 'Total score of each tracked peer, observed once per decay period',
      buckets: [-100, -75, -50, -25, 0, 25, 50, 75, 100],
    }),
    crossings: metrics.counter({
      name: 'peer_scoring_threshold_crossings_total',
      help: 'Peer score threshold crossings',
      labelNames: ['threshold', 'direction'],
    }),
    behaviours: metrics.counter({
      name: 'peer_scoring_behaviours_total',
      help: 'Peer behaviours reported to the scorer',
      labelNames: ['behaviour'],
    }),
    evictions: metrics.counter({
      name: 'peer_scoring_evictions_total',
      help: 'Peers evicted from the bounded score table',
    }),
    untracked: metrics.counter({
      name: 'peer_scoring_untracked_total',
      help: 'Reports about new peers dropped because the score table was full of banned peers',
    }),
    peers: metrics.gauge({
      name: 'peer_scoring_peers',
      help: 'Tracked peers by score state',
      labelNames: ['state'],
    }),
  }
}

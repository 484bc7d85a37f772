import { type Logger, noopLogger } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import {
  createPeerScoring,
  DEFAULT_BEHAVIOUR_WEIGHTS,
  DEFAULT_FACTOR_WEIGHTS,
  DEFAULT_THRESHOLDS,
  InvalidArgumentError,
  InvalidOptionsError,
  type MisbehaviourSink,
  PEER_BEHAVIOURS,
  type PeerScoreView,
  type PeerScoringOptions,
  SCORE_FACTORS,
} from '../src/index'
import { MINUTE, peerIds, setup } from './helpers'

const [X, C, A, B, V, LOW, BANNED, UNKNOWN, NOBODY] = peerIds(9)

describe('defaults', () => {
  it('has weight columns that each sum to 1 and the documented thresholds', () => {
    const sum = (k: 'reward' | 'penalty'): number =>
      SCORE_FACTORS.reduce((s, f) => s + DEFAULT_FACTOR_WEIGHTS[f][k], 0)
    expect(sum('reward')).toBeCloseTo(1, 12)
    expect(sum('penalty')).toBeCloseTo(1, 12)
    expect(DEFAULT_THRESHOLDS).toEqual({ trusted: 75, neutral: 0, banned: -50 })
  })

  it('names every behaviour and gives each an effect', () => {
    expect([...PEER_BEHAVIOURS].sort()).toEqual(
      [
        'bad-block',
        'bad-transaction',
        'duplicate-message',
        'first-block-delivery',
        'good-block',
        'good-transaction',
        'handshake-failure',
        'invalid-message',
        'protocol-violation',
        'rate-limit-exceeded',
        'timeout',
        'unrequested-message',
        'useful-response',
      ].sort(),
    )
    for (const b of PEER_BEHAVIOURS)
      expect(Object.keys(DEFAULT_BEHAVIOUR_WEIGHTS[b]).length).toBeGreaterThan(0)
    expect(Object.isFrozen(DEFAULT_BEHAVIOUR_WEIGHTS['bad-block'])).toBe(true)
    expect(Object.isFrozen(DEFAULT_FACTOR_WEIGHTS.behaviour)).toBe(true)
  })

  it('bans on one bad block, two protocol violations or five invalid messages from a clean start', () => {
    const count = (behaviour: (typeof PEER_BEHAVIOURS)[number]): number => {
      const { scoring } = setup()
      let n = 0
      while (!scoring.isBanned(X)) {
        scoring.recordBehavior(X, behaviour)
        n++
      }
      return n
    }
    expect(count('bad-block')).toBe(1)
    expect(count('protocol-violation')).toBe(2)
    expect(count('handshake-failure')).toBe(4)
    expect(count('invalid-message')).toBe(5)
    expect(count('rate-limit-exceeded')).toBe(10)
  })
  it('lets an established peer survive one bad block and bans it on the second', () => {
    const { clock, scoring } = setup()
    scoring.peerConnected(X)
    clock.advance(30 * MINUTE)
    scoring.updateLatency(X, 50)
    expect(scoring.getScore(X).total).toBe(30)
    scoring.recordBehavior(X, 'bad-block')
    expect(scoring.getScore(X)).toMatchObject({ total: -25, state: 'low' })
    scoring.recordBehavior(X, 'bad-block')
    expect(scoring.getScore(X)).toMatchObject({ total: -50, state: 'banned' })
  })
})

describe('getTopPeers', () => {
  it('orders by total, best first, ties by peer id, without banned peers', () => {
    const { scoring } = setup()
    scoring.recordBehavior(C, 'good-block')
    scoring.recordBehavior(A, 'good-block')
    scoring.recordBehavior(B, 'first-block-delivery')
    scoring.setValidator(V, true)
    scoring.recordBehavior(LOW, 'timeout')
    scoring.recordBehavior(BANNED, 'bad-block')
    const top = scoring.getTopPeers(10)
    // A and C tie at 0.5: the smaller peer id comes first.
    expect(top.map((p) => p.peerId)).toEqual([V, B, ...[A, C].sort(), LOW])
    expect(top.map((p) => p.total)).toEqual([10, 1.25, 0.5, 0.5, -1])
    expect(top[0]).toMatchObject({ state: 'neutral', factors: { validator: 100 } })
    expect(scoring.getTopPeers(2).map((p) => p.peerId)).toEqual([V, B])
    expect(scoring.getTopPeers(0)).toEqual([])
  })

  it('rejects a negative or fractional count', () => {
    const { scoring } = setup()
    for (const n of [-1, 1.5, Number.NaN]) {
      expect(() => scoring.getTopPeers(n)).toThrowError(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      )
    }
  })
})

describe('overriding weights', () => {
  it('merges factor weights field by field over the defaults', () => {
    const { scoring } = setup({ weights: { behaviour: { penalty: 1 }, latency: { reward: 0 } } })
    scoring.updateLatency(A, 50)
    scoring.recordBehavior(A, 'invalid-message')
    const x = scoring.explain(A)
    expect(x.factors.find((f) => f.factor === 'latency')).toMatchObject({
      subScore: 100,
      weight: 0,
      contribution: 0,
    })
    expect(x.factors.find((f) => f.factor === 'behaviour')).toMatchObject({ weight: 1, contribution: -20 })
    scoring.recordBehavior(A, 'useful-response')
    expect(scoring.explain(A).factors.find((f) => f.factor === 'behaviour')?.weight).toBe(1)
    scoring.recordBehavior(B, 'useful-response')
    expect(scoring.explain(B).factors.find((f) => f.factor === 'behaviour')?.weight).toBe(0.2)
    expect(DEFAULT_FACTOR_WEIGHTS.behaviour).toEqual({ reward: 0.2, penalty: 0.5 })
  })

  it('replaces a behaviour effect entirely and leaves the others alone', () => {
    const { scoring } = setup({
      behaviourWeights: { 'bad-block': { blocks: -10 }, 'duplicate-message': {} },
    })
    scoring.recordBehavior(A, 'bad-block')
    expect(scoring.getScore(A).factors).toMatchObject({ blocks: -10, behaviour: 0 })
    scoring.recordBehavior(A, 'duplicate-message')
    expect(scoring.getScore(A).factors.behaviour).toBe(0)
    scoring.recordBehavior(A, 'protocol-violation')
    expect(scoring.getScore(A).factors.behaviour).toBe(-50)
    expect(DEFAULT_BEHAVIOUR_WEIGHTS['bad-block']).toEqual({ blocks: -100, behaviour: -50 })
  })

  it('moves the thresholds', () => {
    const { scoring } = setup({ thresholds: { banned: -20 } })
    scoring.recordBehavior(A, 'protocol-violation')
    expect(scoring.isBanned(A)).toBe(true)
  })
})

describe('factors', () => {
  it('maps latency piecewise linearly around goodMs, neutralMs and badMs', () => {
    const { scoring } = setup({ latency: { alpha: 1 } })
    const at = (ms: number): number => {
      scoring.updateLatency(A, ms)
      return scoring.getScore(A).factors.latency
    }
    expect([at(0), at(100), at(300), at(500), at(1250), at(2000), at(60_000)]).toEqual([
      100, 100, 50, 0, -50, -100, -100,
    ])
  })

  it('averages latency samples (EWMA) and restarts the average once the old one has faded', () => {
    const { clock, scoring } = setup()
    scoring.updateLatency(A, 100)
    scoring.updateLatency(A, 600)
    expect(scoring.explain(A).factors[0]?.basis).toBe('average 200 ms, freshness 100%')
    clock.advance(6 * 60 * MINUTE)
    expect(scoring.getScore(A).factors.latency).toBe(0)
    scoring.updateLatency(A, 1250)
    expect(scoring.getScore(A).factors.latency).toBe(-50)
  })

  it('penalises flapping connections but not long sessions, and counts parallel connections once', () => {
    const { clock, scoring } = setup()
    scoring.peerConnected(A)
    scoring.peerConnected(A)
    clock.advance(10_000)
    scoring.peerDisconnected(A)
    expect(scoring.explain(A).connected).toBe(true)
    scoring.peerDisconnected(A)
    expect(scoring.explain(A).events[0]).toMatchObject({
      kind: 'disconnected',
      delta: { uptime: -20 },
      value: 10_000,
    })
    expect(scoring.getScore(A).factors.uptime).toBeCloseTo((100 * 10_000) / 1_800_000 - 20, 9)
    scoring.peerDisconnected(A) // not connected: ignored
    scoring.peerDisconnected(UNKNOWN)
    expect(scoring.size).toBe(1)

    scoring.peerConnected(B)
    clock.advance(5 * MINUTE)
    scoring.peerDisconnected(B)
    expect(scoring.explain(B).events[0]).toMatchObject({ kind: 'disconnected', delta: {} })
    expect(scoring.getScore(B).factors.uptime).toBeCloseTo((100 * 5) / 30, 9)
  })

  it('sets validator status as a status: no duplicates, nothing tracked for an unknown non-validator', () => {
    const { scoring } = setup()
    scoring.setValidator(A, false)
    expect(scoring.size).toBe(0)
    scoring.setValidator(A, true)
    scoring.setValidator(A, true)
    expect(scoring.explain(A).events).toHaveLength(1)
    expect(scoring.getScore(A)).toMatchObject({ total: 10, factors: { validator: 100 } })
    scoring.setValidator(A, false)
    expect(scoring.getScore(A).total).toBe(0)
  })
})

describe('view and sink', () => {
  it('gives relay and sync a number and a verdict', () => {
    const { scoring } = setup()
    const view: PeerScoreView = scoring.view
    scoring.recordBehavior(A, 'first-block-delivery')
    expect(view.getScore(A)).toBe(1.25)
    expect(view.getScore(NOBODY)).toBe(0)
    expect(view.isBanned(A)).toBe(false)
    const sink: MisbehaviourSink = scoring
    sink.report(A, 'bad-block', { detail: 'from network' })
    expect(view.isBanned(A)).toBe(true)
    expect(scoring.explain(A).events[0]).toMatchObject({ kind: 'bad-block', detail: 'from network' })
    expect(Object.keys(view).sort()).toEqual(['getScore', 'isBanned'])
  })

  it('reads a peer never seen as neutral without tracking it', () => {
    const { scoring } = setup()
    expect(scoring.getScore(NOBODY)).toEqual({
      total: 0,
      factors: { latency: 0, uptime: 0, blocks: 0, transactions: 0, validator: 0, behaviour: 0 },
      state: 'neutral',
    })
    expect(scoring.isBanned(NOBODY)).toBe(false)
    expect(scoring.size).toBe(0)
    expect(scoring.forget(NOBODY)).toBe(false)
  })
})

describe('typed errors', () => {
  it('rejects bad arguments with ERR_INVALID_ARGUMENT', () => {
    const { scoring } = setup()
    const calls: [string, () => void][] = [
      ['unknown behaviour', () => scoring.recordBehavior(A, 'teleport' as 'timeout')],
      ['negative latency', () => scoring.updateLatency(A, -1)],
      ['NaN latency', () => scoring.updateLatency(A, Number.NaN)],
      ['empty peer id', () => scoring.recordBehavior('', 'timeout')],
      ['made-up peer id', () => scoring.recordBehavior('cwa', 'timeout')],
      ['uppercase peer id', () => scoring.recordBehavior(A.toUpperCase(), 'timeout')],
      ['peer id one character short', () => scoring.peerConnected(A.slice(0, -1))],
      ['peer id with a non-canonical last character', () => scoring.peerConnected(`${A.slice(0, -1)}b`)],
      ['huge peer id', () => scoring.peerConnected('x'.repeat(257))],
      ['non-string peer id', () => scoring.updateLatency(42 as unknown as string, 1)],
      ['validator on a bad peer id', () => scoring.setValidator('cwv', true)],
      ['non-boolean validator', () => scoring.setValidator(A, 'yes' as unknown as boolean)],
    ]
    for (const [what, call] of calls) {
      let caught: unknown
      try {
        call()
      } catch (err) {
        caught = err
      }
      expect(InvalidArgumentError.isInstance(caught), what).toBe(true)
      expect((caught as InvalidArgumentError).code, what).toBe('ERR_INVALID_ARGUMENT')
    }
    expect(scoring.size).toBe(0)
  })

  it('rejects out-of-range options with ERR_INVALID_OPTIONS naming the option', () => {
    const bad: [PeerScoringOptions, string][] = [
      [{ decayFactor: 1.5 }, 'decayFactor'],
      [{ decayPeriodMs: 0 }, 'decayPeriodMs'],
      [{ maxPeers: 0 }, 'maxPeers'],
      [{ historyLimit: 2.5 }, 'historyLimit'],
      [{ banDurationMs: -1 }, 'banDurationMs'],
      [{ decayToZero: Number.NaN }, 'decayToZero'],
      [{ thresholds: { banned: 10 } }, 'thresholds'],
      [{ weights: { behaviour: { penalty: -1 } } }, 'weights.behaviour.penalty'],
      [{ weights: { speed: { reward: 1 } } as PeerScoringOptions['weights'] }, 'weights.speed'],
      [
        { behaviourWeights: { 'bad-block': { latency: -1 } } as PeerScoringOptions['behaviourWeights'] },
        'behaviourWeights.bad-block.latency',
      ],
      [
        { behaviourWeights: { teleport: {} } as PeerScoringOptions['behaviourWeights'] },
        'behaviourWeights.teleport',
      ],
      [{ latency: { goodMs: 600 } }, 'latency'],
      [{ latency: { alpha: 0 } }, 'latency.alpha'],
      [{ uptime: { fullCreditMs: 0 } }, 'uptime.fullCreditMs'],
      [{ uptime: { shortSessionPenalty: 101 } }, 'uptime.shortSessionPenalty'],
      [{ latency: 'fast' } as unknown as PeerScoringOptions, 'latency'],
      [{ maxPeers: Number.POSITIVE_INFINITY }, 'maxPeers'],
      [{ decayFactr: 0.9 } as PeerScoringOptions, 'decayFactr'],
      [{ thresholds: { high: 90 } } as PeerScoringOptions, 'thresholds.high'],
    ]
    for (const [options, option] of bad) {
      let caught: unknown
      try {
        createPeerScoring({ clock: new ManualClock() }, options)
      } catch (err) {
        caught = err
      }
      expect(InvalidOptionsError.isInstance(caught), option).toBe(true)
      expect((caught as InvalidOptionsError).code).toBe('ERR_INVALID_OPTIONS')
      expect((caught as InvalidOptionsError).details.option).toBe(option)
    }
  })

  it('ignores undefined option fields', () => {
    const { scoring } = setup({
      decayFactor: undefined,
      thresholds: { banned: undefined },
      latency: { goodMs: undefined },
    })
    scoring.recordBehavior(A, 'bad-block')
    expect(scoring.isBanned(A)).toBe(true)
  })
})

describe('lifecycle and observability', () => {
  it('schedules nothing until started, one timer when started, nothing after stop', () => {
    const { clock, scoring } = setup()
    expect(clock.pending()).toBe(0)
    scoring.start()
    scoring.start()
    expect(clock.pending()).toBe(1)
    scoring.stop()
    scoring.stop()
    expect(clock.pending()).toBe(0)
    scoring.recordBehavior(A, 'timeout')
    clock.advance(MINUTE)
    expect(scoring.getScore(A).factors.behaviour).toBeCloseTo(-1.9, 12)
    scoring.start()
    expect(clock.pending()).toBe(1)
    scoring.stop()
    expect(clock.pending()).toBe(0)
  })

  it('records the score distribution every period, behaviours, and peers by state', () => {
    const { clock, scoring, metrics } = setup()
    scoring.start()
    scoring.recordBehavior(A, 'bad-block')
    scoring.recordBehavior(B, 'good-block')
    scoring.recordBehavior(B, 'good-block')
    clock.advance(2 * MINUTE)
    expect(metrics.observations('peer_scoring_score')).toHaveLength(4)
    expect(metrics.observations('peer_scoring_score')[0]).toBe(-55)
    expect(metrics.get('peer_scoring_behaviours_total', { behaviour: 'good-block' })).toBe(2)
    expect(metrics.get('peer_scoring_peers', { state: 'banned' })).toBe(1)
    expect(metrics.get('peer_scoring_peers', { state: 'neutral' })).toBe(1)
    scoring.forget(A)
    expect(metrics.get('peer_scoring_peers', { state: 'banned' })).toBe(0)
    scoring.stop()
  })

  it('logs bans through the injected logger', () => {
    const lines: string[] = []
    const logger: Logger = {
      ...noopLogger,
      info: (obj: unknown, msg?: unknown) => {
        lines.push(typeof obj === 'string' ? obj : String(msg))
      },
      child: () => logger,
    }
    const scoring = createPeerScoring({ clock: new ManualClock(), logger })
    scoring.recordBehavior(A, 'bad-block')
    expect(lines).toEqual(['peer score crossed the banned threshold down'])
  })
})

import { describe, expect, it } from 'vitest'
import { HOUR, MINUTE, peerIds, SCORE_FACTORS, setup } from './helpers'

const [PEER, OTHER] = peerIds(2)

describe('decay', () => {
  it('brings every decaying factor back to exactly neutral, and leaves validator status alone', () => {
    const { clock, scoring } = setup()
    // Move every factor away from 0: latency (measured), uptime (credit, then a flap), counters both ways.
    scoring.peerConnected(PEER)
    clock.advance(20 * MINUTE)
    scoring.updateLatency(PEER, 3000)
    scoring.peerDisconnected(PEER)
    scoring.peerConnected(PEER)
    scoring.peerDisconnected(PEER) // a zero-length session: a flap
    scoring.recordBehavior(PEER, 'first-block-delivery')
    scoring.recordBehavior(PEER, 'bad-transaction')
    scoring.recordBehavior(PEER, 'useful-response')
    scoring.setValidator(PEER, true)
    const before = scoring.getScore(PEER).factors
    expect(before.latency).toBe(-100)
    expect(before.uptime).toBeCloseTo((100 * 20) / 30 - 20, 9)
    expect(before).toMatchObject({ blocks: 5, transactions: -20, behaviour: -3, validator: 100 })

    // Each period moves every decaying factor strictly toward 0, never past it.
    let previous = before
    scoring.start()
    for (let i = 0; i < 5; i++) {
      clock.advance(MINUTE)
      const now = scoring.getScore(PEER).factors
      for (const f of ['latency', 'uptime', 'blocks', 'transactions', 'behaviour'] as const) {
        expect(Math.abs(now[f])).toBeLessThan(Math.abs(previous[f]))
        expect(Math.sign(now[f])).toBe(Math.sign(previous[f]))
      }
      previous = now
    }

    clock.advance(6 * HOUR)
    const after = scoring.getScore(PEER)
    expect(after.factors).toEqual({
      latency: 0,
      uptime: 0,
      blocks: 0,
      transactions: 0,
      validator: 100,
      behaviour: 0,
    })
    expect(after.total).toBe(10)
    expect(after.state).toBe('neutral')
    scoring.setValidator(PEER, false)
    expect(scoring.getScore(PEER).total).toBe(0)
    scoring.stop()
  })

  it('multiplies counters by decayFactor once per whole period', () => {
    const { clock, scoring } = setup({ decayFactor: 0.5, decayPeriodMs: 10_000 })
    scoring.recordBehavior(PEER, 'bad-block') // blocks -100, behaviour -50: banned, frozen 30 min
    scoring.forget(PEER)
    scoring.recordBehavior(PEER, 'bad-transaction') // transactions -20, behaviour -5
    clock.advance(9_999)
    expect(scoring.getScore(PEER).factors).toMatchObject({ transactions: -20, behaviour: -5 })
    clock.advance(1)
    expect(scoring.getScore(PEER).factors).toMatchObject({ transactions: -10, behaviour: -2.5 })
    clock.advance(25_000)
    expect(scoring.getScore(PEER).factors).toMatchObject({ transactions: -2.5, behaviour: -0.625 })
  })

  it('does not need the timer: reads apply the periods elapsed since the last decay', () => {
    const timed = setup()
    const lazy = setup()
    for (const { scoring } of [timed, lazy]) {
      scoring.recordBehavior(PEER, 'rate-limit-exceeded')
      scoring.recordBehavior(PEER, 'good-block')
    }
    timed.scoring.start()
    timed.clock.advance(17 * MINUTE + 30_000)
    lazy.clock.advance(17 * MINUTE + 30_000)
    const a = timed.scoring.getScore(PEER).factors
    const b = lazy.scoring.getScore(PEER).factors
    expect(b.behaviour).toBeCloseTo(-10 * 0.95 ** 17, 12)
    expect(a.behaviour).toBeCloseTo(b.behaviour, 12)
    expect(a.blocks).toBeCloseTo(b.blocks, 12)
    timed.scoring.stop()
  })

  it('accrues uptime only while connected, decays it only while disconnected', () => {
    const { clock, scoring } = setup()
    scoring.peerConnected(PEER)
    clock.advance(15 * MINUTE)
    expect(scoring.getScore(PEER).factors.uptime).toBeCloseTo(50, 9)
    clock.advance(60 * MINUTE)
    expect(scoring.getScore(PEER).factors.uptime).toBe(100)
    scoring.peerDisconnected(PEER)
    expect(scoring.getScore(PEER).factors.uptime).toBe(100)
    clock.advance(10 * MINUTE)
    expect(scoring.getScore(PEER).factors.uptime).toBeCloseTo(100 * 0.95 ** 10, 9)
  })

  it('freezes a banned peer for banDurationMs, then decays it', () => {
    const { clock, scoring } = setup({ banDurationMs: 30 * MINUTE })
    scoring.recordBehavior(PEER, 'bad-block')
    const banned = scoring.explain(PEER)
    expect(banned.bannedUntil).toBe(clock.now() + 30 * MINUTE)
    clock.advance(30 * MINUTE)
    expect(scoring.getScore(PEER).total).toBe(-55)
    clock.advance(MINUTE)
    expect(scoring.getScore(PEER).total).toBeGreaterThan(-55)
    expect(scoring.explain(PEER).bannedUntil).toBeUndefined()
  })

  it('never decays with decayFactor 1, and resets every period with decayFactor 0', () => {
    const frozen = setup({ decayFactor: 1 })
    const reset = setup({ decayFactor: 0 })
    for (const { scoring, clock } of [frozen, reset]) {
      scoring.recordBehavior(PEER, 'timeout')
      clock.advance(10 * HOUR)
    }
    expect(frozen.scoring.getScore(PEER).factors.behaviour).toBe(-2)
    expect(reset.scoring.getScore(PEER).factors.behaviour).toBe(0)
  })

  it('keeps every factor within its bounds', () => {
    const { scoring } = setup()
    for (let i = 0; i < 100; i++) {
      scoring.recordBehavior(PEER, 'first-block-delivery')
      scoring.recordBehavior(PEER, 'useful-response')
      scoring.recordBehavior(OTHER, 'protocol-violation')
      scoring.peerConnected(OTHER)
      scoring.peerDisconnected(OTHER)
    }
    for (const f of SCORE_FACTORS) {
      expect(scoring.getScore(PEER).factors[f]).toBeLessThanOrEqual(100)
      expect(scoring.getScore(OTHER).factors[f]).toBeGreaterThanOrEqual(-100)
    }
    expect(scoring.getScore(OTHER).factors.uptime).toBe(-100)
    expect(scoring.getScore(OTHER).total).toBe(-55)
  })
})

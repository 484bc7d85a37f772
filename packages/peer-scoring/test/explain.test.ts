import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PEER_BEHAVIOURS, type PeerBehaviour, type PeerScoring, SCORE_FACTORS } from '../src/index'
import { MINUTE, peerIds, setup } from './helpers'

const [A, B, C, D, NOBODY] = peerIds(5)

const PEERS = [A, B, C, D]

type Op =
  | { op: 'behaviour'; peer: number; behaviour: PeerBehaviour }
  | { op: 'latency'; peer: number; ms: number }
  | { op: 'connect' | 'disconnect'; peer: number }
  | { op: 'validator'; peer: number; on: boolean }
  | { op: 'advance'; ms: number }

const peer = fc.integer({ min: 0, max: PEERS.length - 1 })
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('behaviour' as const),
      peer,
      behaviour: fc.constantFrom(...PEER_BEHAVIOURS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('latency' as const),
      peer,
      ms: fc.double({ min: 0, max: 10_000, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constantFrom('connect' as const, 'disconnect' as const), peer }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('validator' as const), peer, on: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 90 * MINUTE }),
    }),
  },
)
const weight = fc.double({ min: 0, max: 3, noNaN: true })
const weights = fc.record({
  latency: fc.record({ reward: weight, penalty: weight }),
  behaviour: fc.record({ reward: weight, penalty: weight }),
  blocks: fc.record({ reward: weight, penalty: weight }),
})

function apply(scoring: PeerScoring, advance: (ms: number) => void, o: Op): void {
  if (o.op === 'advance') advance(o.ms)
  else if (o.op === 'behaviour') scoring.recordBehavior(PEERS[o.peer]!, o.behaviour)
  else if (o.op === 'latency') scoring.updateLatency(PEERS[o.peer]!, o.ms)
  else if (o.op === 'connect') scoring.peerConnected(PEERS[o.peer]!)
  else if (o.op === 'disconnect') scoring.peerDisconnected(PEERS[o.peer]!)
  else if (o.op === 'validator') scoring.setValidator(PEERS[o.peer]!, o.on)
}

describe('explain', () => {
  it('has contributions that sum exactly to the total, in any order, for random event sequences', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), weights, fc.boolean(), (ops, w, timer) => {
        const { clock, scoring } = setup({ weights: w })
        if (timer) scoring.start()
        for (const o of ops) {
          apply(scoring, (ms) => clock.advance(ms), o)
          for (const id of PEERS) {
            const x = scoring.explain(id)
            const forward = x.factors.reduce((sum, f) => sum + f.contribution, 0)
            const backward = [...x.factors].reverse().reduce((sum, f) => sum + f.contribution, 0)
            expect(forward).toBe(x.total)
            expect(backward).toBe(x.total)
            expect(scoring.getScore(id).total).toBe(x.total)
            for (const f of x.factors) {
              expect(f.subScore).toBeGreaterThanOrEqual(-100)
              expect(f.subScore).toBeLessThanOrEqual(100)
              expect(Math.abs(f.contribution - f.weight * f.subScore)).toBeLessThanOrEqual(2 ** -17)
            }
          }
        }
        scoring.stop()
        expect(clock.pending()).toBe(0)
      }),
      { numRuns: 200 },
    )
  })

  it('keeps the total within [-100, 100] with the default weights', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const { clock, scoring } = setup()
        for (const o of ops) apply(scoring, (ms) => clock.advance(ms), o)
        for (const id of PEERS) {
          const { total } = scoring.getScore(id)
          expect(total).toBeGreaterThanOrEqual(-100)
          expect(total).toBeLessThanOrEqual(100)
        }
      }),
      { numRuns: 100 },
    )
  })

  it('shows each factor, its weight and the events behind it, newest first', () => {
    const { clock, scoring } = setup()
    scoring.peerConnected(A)
    clock.advance(15 * MINUTE)
    scoring.updateLatency(A, 300)
    scoring.recordBehavior(A, 'first-block-delivery')
    scoring.recordBehavior(A, 'invalid-message', { detail: 'msgpack: unexpected end of input' })
    const x = scoring.explain(A)
    expect(x.factors.map((f) => f.factor)).toEqual(SCORE_FACTORS)
    expect(x.factors.find((f) => f.factor === 'latency')).toMatchObject({
      subScore: 50,
      weight: 0.15,
      contribution: 7.5,
      basis: 'average 300 ms, freshness 100%',
    })
    expect(x.factors.find((f) => f.factor === 'behaviour')).toMatchObject({
      subScore: -20,
      weight: 0.5,
      contribution: -10,
    })
    expect(x.factors.find((f) => f.factor === 'uptime')?.basis).toBe('connected 15 min of 30 min')
    expect(x.total).toBe(7.5 + 7.5 + 1.25 - 10)
    expect(x.connected).toBe(true)
    expect(x.events.map((e) => e.kind)).toEqual([
      'invalid-message',
      'first-block-delivery',
      'latency',
      'connected',
    ])
    expect(x.events[0]).toMatchObject({
      delta: { behaviour: -20 },
      detail: 'msgpack: unexpected end of input',
    })
    expect(Object.keys(JSON.parse(JSON.stringify(x)))).not.toContain('toString')

    const text = x.toString()
    expect(String(x)).toBe(text)
    expect(text).toContain(`peer ${A}: score +6.25 (neutral), connected at 2023-11-14T22:28:20.000Z`)
    expect(text).toContain('thresholds: trusted >= 75, neutral >= 0, banned <= -50')
    expect(text).toMatch(/latency\s+\+50\.00\s+0\.15\s+\+7\.50 {2}average 300 ms, freshness 100%/)
    expect(text).toMatch(/behaviour\s+-20\.00\s+0\.5\s+-10\.00 {2}decaying counter, 1 recent event/)
    expect(text).toMatch(/total\s+\+6\.25/)
    expect(text).toContain('invalid-message      behaviour -20.0  "msgpack: unexpected end of input"')
    expect(text).toContain('latency              300 ms')
  })

  it('explains a peer never seen as all zeros', () => {
    const { scoring } = setup()
    const x = scoring.explain(NOBODY)
    expect(x.total).toBe(0)
    expect(x.state).toBe('neutral')
    expect(x.events).toEqual([])
    expect(x.factors.every((f) => f.contribution === 0 && f.basis === 'never seen')).toBe(true)
    expect(x.toString()).toContain('no recent events')
    expect(scoring.size).toBe(0)
  })

  it('shows a ban in force', () => {
    const { scoring } = setup()
    scoring.recordBehavior(A, 'bad-block', { detail: 'proof of work above target' })
    const text = scoring.explain(A).toString()
    expect(text).toContain('score -55.00 (banned)')
    expect(text).toContain('ban in force until 2023-11-14T22:43:20.000Z')
    expect(text).toContain(
      'bad-block            blocks -100.0, behaviour -50.0  "proof of work above target"',
    )
  })
})

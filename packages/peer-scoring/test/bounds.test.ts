import { testPeerId } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { MINUTE, peerIds, setup } from './helpers'

const [A, B, C, D, CONNECTED, TRUSTED, LOW, NEUTRAL, BAD1, BAD2, NEW] = peerIds(11)

describe('bounded state', () => {
  it('never tracks more than maxPeers, evicting the least recently seen neutral peer first', () => {
    const { clock, scoring, metrics } = setup({ maxPeers: 3 })
    scoring.recordBehavior(A, 'good-block')
    clock.advance(1000)
    scoring.recordBehavior(B, 'good-block')
    clock.advance(1000)
    scoring.recordBehavior(C, 'good-block')
    clock.advance(1000)
    scoring.recordBehavior(A, 'good-block') // A is now the most recently seen
    scoring.recordBehavior(D, 'good-block')
    expect(scoring.size).toBe(3)
    expect(scoring.explain(B).events).toEqual([]) // evicted
    expect(scoring.getScore(A).factors.blocks).toBe(4)
    expect(metrics.get('peer_scoring_evictions_total')).toBe(1)
    for (let i = 0; i < 1000; i++) scoring.recordBehavior(testPeerId(100 + i), 'duplicate-message')
    expect(scoring.size).toBe(3)
  })

  it('evicts disconnected before connected, and neutral before low before trusted', () => {
    const { clock, scoring } = setup({ maxPeers: 4, thresholds: { trusted: 0.5 } })
    const tracked = (): string[] => scoring.snapshot().peers.map((p) => p.peerId)
    scoring.peerConnected(CONNECTED) // neutral, connected, least recently seen of all
    clock.advance(1000)
    scoring.recordBehavior(TRUSTED, 'good-block') // +0.5: trusted with this threshold
    scoring.recordBehavior(LOW, 'timeout') // -1: low
    scoring.updateLatency(NEUTRAL, 500) // latency exactly neutralMs: sub-score 0, neutral
    expect([CONNECTED, TRUSTED, LOW, NEUTRAL].map((id) => scoring.getScore(id).state)).toEqual([
      'neutral',
      'trusted',
      'low',
      'neutral',
    ])
    const evicted: string[] = []
    for (let i = 0; i < 4; i++) {
      const before = tracked()
      clock.advance(1000)
      scoring.peerConnected(testPeerId(20 + i)) // newcomers are connected, so they rank after the disconnected
      evicted.push(...before.filter((id) => !tracked().includes(id)))
    }
    expect(evicted).toEqual([NEUTRAL, LOW, TRUSTED, CONNECTED])
  })

  it('never evicts a banned peer before its ban decays; a table full of bans drops new peers', () => {
    const { clock, scoring, metrics } = setup({ maxPeers: 2 })
    scoring.recordBehavior(BAD1, 'bad-block')
    scoring.recordBehavior(BAD2, 'bad-block')
    scoring.recordBehavior(NEW, 'good-block')
    expect(scoring.size).toBe(2)
    expect(scoring.isBanned(BAD1)).toBe(true)
    expect(scoring.isBanned(BAD2)).toBe(true)
    expect(scoring.getScore(NEW).total).toBe(0)
    expect(metrics.get('peer_scoring_untracked_total')).toBe(1)

    // Once the bans have decayed, the old offenders are ordinary low peers and can make room.
    clock.advance(40 * MINUTE)
    expect(scoring.isBanned(BAD1)).toBe(false)
    scoring.recordBehavior(NEW, 'good-block')
    expect(scoring.getScore(NEW).factors.blocks).toBe(2)
    expect(scoring.size).toBe(2)
  })

  it('keeps at most historyLimit events per peer, and coalesces consecutive latency samples', () => {
    const { scoring } = setup({ historyLimit: 5 })
    for (let i = 0; i < 50; i++) scoring.recordBehavior(A, 'good-transaction', { detail: `tx ${i}` })
    const events = scoring.explain(A).events
    expect(events).toHaveLength(5)
    expect(events.map((e) => e.detail)).toEqual(['tx 49', 'tx 48', 'tx 47', 'tx 46', 'tx 45'])
    for (let i = 0; i < 50; i++) scoring.updateLatency(A, i)
    const after = scoring.explain(A).events
    expect(after.map((e) => e.kind)).toEqual([
      'latency',
      'good-transaction',
      'good-transaction',
      'good-transaction',
      'good-transaction',
    ])
    expect(after[0]?.value).toBe(49)
  })

  it('keeps no history with historyLimit 0 and truncates long details', () => {
    const none = setup({ historyLimit: 0 }).scoring
    none.recordBehavior(A, 'timeout')
    expect(none.explain(A).events).toEqual([])
    const { scoring } = setup()
    scoring.recordBehavior(A, 'invalid-message', { detail: 'x'.repeat(10_000) })
    expect(scoring.explain(A).events[0]?.detail).toHaveLength(256)
  })
})

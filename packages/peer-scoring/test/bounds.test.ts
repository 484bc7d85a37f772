import { describe, expect, it } from 'vitest'
import { MINUTE, setup } from './helpers'

describe('bounded state', () => {
  it('never tracks more than maxPeers, evicting the least recently seen neutral peer first', () => {
    const { clock, scoring, metrics } = setup({ maxPeers: 3 })
    scoring.recordBehavior('cwa', 'good-block')
    clock.advance(1000)
    scoring.recordBehavior('cwb', 'good-block')
    clock.advance(1000)
    scoring.recordBehavior('cwc', 'good-block')
    clock.advance(1000)
    scoring.recordBehavior('cwa', 'good-block') // cwa is now the most recently seen
    scoring.recordBehavior('cwd', 'good-block')
    expect(scoring.size).toBe(3)
    expect(scoring.explain('cwb').events).toEqual([]) // evicted
    expect(scoring.getScore('cwa').factors.blocks).toBe(4)
    expect(metrics.get('peer_scoring_evictions_total')).toBe(1)
    for (let i = 0; i < 1000; i++) scoring.recordBehavior(`cwchurn${i}`, 'duplicate-message')
    expect(scoring.size).toBe(3)
  })

  it('evicts disconnected before connected, and neutral before low before trusted', () => {
    const { clock, scoring } = setup({ maxPeers: 4, thresholds: { trusted: 0.5 } })
    const tracked = (): string[] => scoring.snapshot().peers.map((p) => p.peerId)
    scoring.peerConnected('cwconnected') // neutral, connected, least recently seen of all
    clock.advance(1000)
    scoring.recordBehavior('cwtrusted', 'good-block') // +0.5: trusted with this threshold
    scoring.recordBehavior('cwlow', 'timeout') // -1: low
    scoring.updateLatency('cwneutral', 500) // latency exactly neutralMs: sub-score 0, neutral
    expect(
      ['cwconnected', 'cwtrusted', 'cwlow', 'cwneutral'].map((id) => scoring.getScore(id).state),
    ).toEqual(['neutral', 'trusted', 'low', 'neutral'])
    const evicted: string[] = []
    for (let i = 0; i < 4; i++) {
      const before = tracked()
      clock.advance(1000)
      scoring.peerConnected(`cwnew${i}`) // newcomers are connected, so they rank after the disconnected
      evicted.push(...before.filter((id) => !tracked().includes(id)))
    }
    expect(evicted).toEqual(['cwneutral', 'cwlow', 'cwtrusted', 'cwconnected'])
  })

  it('never evicts a banned peer before its ban decays; a table full of bans drops new peers', () => {
    const { clock, scoring, metrics } = setup({ maxPeers: 2 })
    scoring.recordBehavior('cwbad1', 'bad-block')
    scoring.recordBehavior('cwbad2', 'bad-block')
    scoring.recordBehavior('cwnew', 'good-block')
    expect(scoring.size).toBe(2)
    expect(scoring.isBanned('cwbad1')).toBe(true)
    expect(scoring.isBanned('cwbad2')).toBe(true)
    expect(scoring.getScore('cwnew').total).toBe(0)
    expect(metrics.get('peer_scoring_untracked_total')).toBe(1)

    // Once the bans have decayed, the old offenders are ordinary low peers and can make room.
    clock.advance(40 * MINUTE)
    expect(scoring.isBanned('cwbad1')).toBe(false)
    scoring.recordBehavior('cwnew', 'good-block')
    expect(scoring.getScore('cwnew').factors.blocks).toBe(2)
    expect(scoring.size).toBe(2)
  })

  it('keeps at most historyLimit events per peer, and coalesces consecutive latency samples', () => {
    const { scoring } = setup({ historyLimit: 5 })
    for (let i = 0; i < 50; i++) scoring.recordBehavior('cwa', 'good-transaction', { detail: `tx ${i}` })
    const events = scoring.explain('cwa').events
    expect(events).toHaveLength(5)
    expect(events.map((e) => e.detail)).toEqual(['tx 49', 'tx 48', 'tx 47', 'tx 46', 'tx 45'])
    for (let i = 0; i < 50; i++) scoring.updateLatency('cwa', i)
    const after = scoring.explain('cwa').events
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
    none.recordBehavior('cwa', 'timeout')
    expect(none.explain('cwa').events).toEqual([])
    const { scoring } = setup()
    scoring.recordBehavior('cwa', 'invalid-message', { detail: 'x'.repeat(10_000) })
    expect(scoring.explain('cwa').events[0]?.detail).toHaveLength(256)
  })
})

import { describe, expect, it } from 'vitest'
import { HOUR, MINUTE, makeTrusted, peerIds, recordEvents, setup } from './helpers'

const [PEER, A, B, UP, DOWN] = peerIds(5)

describe('threshold events', () => {
  it('fire exactly once per crossing: down through banned, back up through neutral, up through trusted', () => {
    const { clock, scoring } = setup()
    const { lines } = recordEvents(scoring)

    // Down: 0 -> -25 (low) -> -50 (banned). Further violations stay banned and emit nothing.
    scoring.recordBehavior(PEER, 'protocol-violation')
    expect(scoring.getScore(PEER)).toMatchObject({ total: -25, state: 'low' })
    expect(lines).toEqual([`peer:threshold ${PEER} neutral down neutral->low`])
    scoring.recordBehavior(PEER, 'protocol-violation')
    expect(scoring.getScore(PEER)).toMatchObject({ total: -50, state: 'banned' })
    scoring.recordBehavior(PEER, 'invalid-message')
    scoring.recordBehavior(PEER, 'protocol-violation')
    expect(lines).toEqual([
      `peer:threshold ${PEER} neutral down neutral->low`,
      `peer:threshold ${PEER} banned down low->banned`,
      `peer:banned ${PEER} banned down low->banned`,
    ])
    expect(scoring.isBanned(PEER)).toBe(true)

    // The ban freezes decay for 30 minutes: no recovery, no event, however often the score is read.
    scoring.start()
    for (let i = 0; i < 30; i++) {
      clock.advance(MINUTE)
      scoring.getScore(PEER)
    }
    expect(scoring.isBanned(PEER)).toBe(true)
    expect(lines).toHaveLength(3)

    // Then decay lifts it: up through banned once, then up through neutral once (decay to zero reaches 0).
    clock.advance(HOUR)
    expect(scoring.getScore(PEER).state).toBe('low')
    clock.advance(2 * HOUR)
    expect(scoring.getScore(PEER)).toMatchObject({ total: 0, state: 'neutral' })
    expect(lines.slice(3)).toEqual([
      `peer:threshold ${PEER} banned up banned->low`,
      `peer:recovered ${PEER} banned up banned->low`,
      `peer:threshold ${PEER} neutral up low->neutral`,
    ])

    // Up through trusted once, however long it stays there.
    makeTrusted(scoring, clock, PEER)
    expect(scoring.getScore(PEER).state).toBe('trusted')
    for (let minute = 0; minute < 10; minute++) {
      clock.advance(MINUTE)
      scoring.updateLatency(PEER, 40)
      for (let i = 0; i < 3; i++) scoring.recordBehavior(PEER, 'first-block-delivery')
      for (let i = 0; i < 12; i++) scoring.recordBehavior(PEER, 'good-transaction')
      expect(scoring.getScore(PEER).state).toBe('trusted')
    }
    expect(lines.slice(6)).toEqual([
      `peer:threshold ${PEER} trusted up neutral->trusted`,
      `peer:trusted ${PEER} trusted up neutral->trusted`,
    ])

    // And down again through trusted, once.
    scoring.recordBehavior(PEER, 'invalid-message')
    scoring.recordBehavior(PEER, 'invalid-message')
    expect(scoring.getScore(PEER).state).toBe('neutral')
    scoring.recordBehavior(PEER, 'timeout')
    expect(lines.slice(8)).toEqual([
      `peer:threshold ${PEER} trusted down trusted->neutral`,
      `peer:untrusted ${PEER} trusted down trusted->neutral`,
    ])
    scoring.stop()
  })

  it('emits one crossing per threshold, in order, when one report jumps several states', () => {
    const { scoring, metrics } = setup()
    const { lines, crossings } = recordEvents(scoring)
    scoring.recordBehavior(PEER, 'bad-block')
    expect(scoring.getScore(PEER)).toMatchObject({ total: -55, state: 'banned' })
    expect(lines).toEqual([
      `peer:threshold ${PEER} neutral down neutral->low`,
      `peer:threshold ${PEER} banned down low->banned`,
      `peer:banned ${PEER} banned down low->banned`,
    ])
    expect(crossings.map((c) => c.score)).toEqual([-55, -55])
    expect(
      metrics.get('peer_scoring_threshold_crossings_total', { threshold: 'neutral', direction: 'down' }),
    ).toBe(1)
    expect(
      metrics.get('peer_scoring_threshold_crossings_total', { threshold: 'banned', direction: 'down' }),
    ).toBe(1)
    expect(metrics.get('peer_scoring_peers', { state: 'banned' })).toBe(1)
    expect(metrics.get('peer_scoring_peers', { state: 'neutral' })).toBe(0)
  })

  it('treats the thresholds as inclusive: trusted at >= trusted, banned at <= banned', () => {
    const { scoring } = setup({
      thresholds: { trusted: 10, banned: -10 },
      weights: { behaviour: { reward: 1, penalty: 1 } },
      behaviourWeights: { 'useful-response': { behaviour: 10 }, timeout: { behaviour: -10 } },
    })
    scoring.recordBehavior(UP, 'useful-response')
    expect(scoring.getScore(UP)).toMatchObject({ total: 10, state: 'trusted' })
    scoring.recordBehavior(DOWN, 'timeout')
    expect(scoring.getScore(DOWN)).toMatchObject({ total: -10, state: 'banned' })
  })

  it('fires crossings driven only by time from the decay timer, with no one calling', () => {
    const { clock, scoring } = setup({ banDurationMs: 0 })
    const { lines } = recordEvents(scoring)
    scoring.recordBehavior(PEER, 'protocol-violation')
    scoring.recordBehavior(PEER, 'protocol-violation')
    scoring.start()
    clock.advance(MINUTE)
    expect(lines.at(-1)).toBe(`peer:recovered ${PEER} banned up banned->low`)
    scoring.stop()
  })

  it('keeps its books straight when a listener forgets other peers during a decay sweep', () => {
    const { clock, scoring, metrics } = setup({ banDurationMs: 0 })
    scoring.recordBehavior(A, 'protocol-violation')
    scoring.recordBehavior(A, 'protocol-violation')
    scoring.recordBehavior(B, 'protocol-violation')
    scoring.recordBehavior(B, 'protocol-violation')
    const recovered: string[] = []
    scoring.on('peer:recovered', ({ peerId }) => {
      recovered.push(peerId)
      scoring.forget(peerId === A ? B : A)
    })
    clock.advance(MINUTE)
    expect(scoring.getTopPeers(10)).toHaveLength(1)
    expect(recovered).toEqual([A])
    expect(metrics.get('peer_scoring_peers', { state: 'banned' })).toBe(0)
    expect(metrics.get('peer_scoring_peers', { state: 'low' })).toBe(1)
  })

  it('lets listeners call back into the scorer', () => {
    const { scoring } = setup()
    const seen: string[] = []
    scoring.on('peer:banned', ({ peerId }) => {
      seen.push(`${peerId} banned=${scoring.isBanned(peerId)}`)
      scoring.forget(peerId)
    })
    scoring.recordBehavior(PEER, 'bad-block')
    expect(seen).toEqual([`${PEER} banned=true`])
    expect(scoring.size).toBe(0)
    expect(scoring.isBanned(PEER)).toBe(false)
  })
})

import { ManualClock } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import {
  createPeerScoring,
  type PeerScoring,
  type PeerScoringOptions,
  type PeerScoringSnapshot,
  SNAPSHOT_VERSION,
  SnapshotInvalidError,
} from '../src/index'
import { HOUR, MINUTE, peerIds, recordEvents, setup } from './helpers'

const [GOOD, LOW, BANNED, OTHER, KEEP] = peerIds(5)

const OPTIONS: PeerScoringOptions = { decayFactor: 0.99 }

/** A scorer with a varied population, snapshotted exactly on a decay boundary 40 minutes in. */
function population(): { clock: ManualClock; scoring: PeerScoring; snap: PeerScoringSnapshot } {
  const { clock, scoring } = setup(OPTIONS)
  scoring.peerConnected(GOOD)
  scoring.setValidator(GOOD, true)
  for (let i = 0; i < 20; i++) {
    clock.advance(MINUTE)
    scoring.updateLatency(GOOD, 80 + i)
    scoring.recordBehavior(GOOD, 'first-block-delivery')
    scoring.recordBehavior(GOOD, 'good-transaction', { detail: `tx ${i}` })
  }
  scoring.peerDisconnected(GOOD)
  scoring.recordBehavior(LOW, 'invalid-message')
  scoring.recordBehavior(LOW, 'unrequested-message')
  clock.advance(10 * MINUTE)
  scoring.recordBehavior(BANNED, 'bad-block', { detail: 'bad merkle root' })
  clock.advance(10 * MINUTE)
  return { clock, scoring, snap: scoring.snapshot() }
}

describe('snapshot and restore', () => {
  it('survives JSON and comes back decayed by exactly the whole periods elapsed', () => {
    const { clock, scoring, snap } = population()
    expect(snap.version).toBe(SNAPSHOT_VERSION)
    expect(snap.takenAt).toBe(clock.now())
    expect(snap.decayedAt).toBe(clock.now())
    const text = JSON.stringify(snap)
    expect(JSON.parse(text)).toEqual(snap)

    // The original keeps running, untouched, for 3 hours and 30 seconds; a fresh instance restores then.
    const elapsed = 3 * HOUR + 30_000
    clock.advance(elapsed)
    const later = new ManualClock({ start: snap.takenAt + elapsed })
    const restoredScoring = createPeerScoring({ clock: later }, OPTIONS)
    const { lines } = recordEvents(restoredScoring)
    const result = restoredScoring.restore(JSON.parse(text))
    expect(result).toEqual({ peers: 3, decayPeriods: 180 })
    expect(lines).toEqual([])

    const k = 0.99 ** 180
    const before = Object.fromEntries(snap.peers.map((p) => [p.peerId, p]))
    const good = restoredScoring.getScore(GOOD).factors
    expect(good.blocks).toBeCloseTo(before[GOOD]!.blocks * k, 9)
    expect(good.transactions).toBeCloseTo(before[GOOD]!.transactions * k, 9)
    expect(good.uptime).toBeCloseTo(((100 * before[GOOD]!.uptime.creditMs) / 1_800_000) * k, 9)
    expect(good.latency).toBeCloseTo(100 * before[GOOD]!.latency!.freshness * k, 9)
    expect(good.validator).toBe(100)
    const low = restoredScoring.getScore(LOW).factors
    expect(low.behaviour).toBeCloseTo(before[LOW]!.behaviour * k, 9)

    // The banned peer's score was frozen until its ban ended 20 minutes after the snapshot.
    const frozen = Math.floor((before[BANNED]!.bannedUntil! - snap.decayedAt) / MINUTE)
    expect(frozen).toBe(20)
    expect(restoredScoring.getScore(BANNED).factors.blocks).toBeCloseTo(-100 * 0.99 ** (180 - frozen), 9)

    // The live original agrees with the restored copy on every peer.
    for (const id of [GOOD, LOW, BANNED]) {
      const live = scoring.getScore(id)
      const restored = restoredScoring.getScore(id)
      expect(restored.state).toBe(live.state)
      expect(restored.total).toBeCloseTo(live.total, 6)
    }
    expect(restoredScoring.explain(GOOD).events).toEqual(scoring.explain(GOOD).events)
  })

  it('applies whole periods only, and keeps decaying in step after the restore', () => {
    const { snap } = population()
    const later = new ManualClock({ start: snap.takenAt + 59_999 })
    const restored = createPeerScoring({ clock: later }, OPTIONS)
    expect(restored.restore(snap).decayPeriods).toBe(0)
    expect(restored.getScore(LOW).factors.behaviour).toBe(snap.peers.find((p) => p.peerId === LOW)!.behaviour)
    later.advance(1)
    expect(restored.getScore(LOW).factors.behaviour).toBeCloseTo(
      snap.peers.find((p) => p.peerId === LOW)!.behaviour * 0.99,
      12,
    )
  })

  it('keeps a ban in force across a restart within the ban', () => {
    const { snap } = population()
    const later = new ManualClock({ start: snap.takenAt + 15 * MINUTE })
    const restored = createPeerScoring({ clock: later }, OPTIONS)
    restored.restore(JSON.stringify(snap))
    expect(restored.isBanned(BANNED)).toBe(true)
    expect(restored.view.isBanned(BANNED)).toBe(true)
    expect(restored.explain(BANNED).bannedUntil).toBe(snap.takenAt + 20 * MINUTE)
    expect(restored.getScore(BANNED).total).toBe(-55)
  })

  it('merges into a running scorer: snapshot peers replace the same ids, others stay', () => {
    const { snap } = population()
    const clock = new ManualClock({ start: snap.takenAt })
    const scoring = createPeerScoring({ clock }, OPTIONS)
    scoring.recordBehavior(LOW, 'useful-response')
    scoring.recordBehavior(OTHER, 'good-block')
    scoring.peerConnected(GOOD)
    expect(scoring.restore(snap).peers).toBe(3)
    expect(scoring.size).toBe(4)
    expect(scoring.getScore(LOW).factors.behaviour).toBe(snap.peers.find((p) => p.peerId === LOW)!.behaviour)
    expect(scoring.getScore(OTHER).factors.blocks).toBe(2)
    expect(scoring.explain(GOOD).connected).toBe(true)
  })

  it('cuts a snapshot larger than maxPeers by the eviction order, keeping banned peers', () => {
    const { snap } = population()
    const scoring = createPeerScoring({ clock: new ManualClock({ start: snap.takenAt }) }, { maxPeers: 1 })
    expect(scoring.restore(snap).peers).toBe(1)
    expect(scoring.isBanned(BANNED)).toBe(true)
    expect(scoring.size).toBe(1)
  })

  it('round-trips an empty scorer', () => {
    const { scoring } = setup()
    const snap = scoring.snapshot()
    expect(snap.peers).toEqual([])
    const other = setup().scoring
    expect(other.restore(JSON.parse(JSON.stringify(snap)))).toEqual({ peers: 0, decayPeriods: 0 })
  })

  describe('rejects a malformed snapshot with ERR_SNAPSHOT_INVALID and changes nothing', () => {
    const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(population().snap))
    type Peer = Record<string, unknown> & { history: Record<string, unknown>[] }
    /** A good snapshot whose first peer `change` alters. */
    const withPeer =
      (change: (p: Peer, s: Record<string, unknown>) => void) => (): Record<string, unknown> => {
        const s = good()
        change((s.peers as Peer[])[0] as Peer, s)
        return s
      }
    const cases: [string, () => unknown, string][] = [
      ['not JSON', () => '{"version": 1,', '$'],
      ['null', () => null, '$'],
      ['an array', () => [], '$'],
      ['a number', () => 42, '$'],
      ['an unsupported version', () => ({ ...good(), version: 2 }), '$.version'],
      ['no version', () => ({ ...good(), version: undefined }), '$.version'],
      ['a missing peers list', () => ({ ...good(), peers: undefined }), '$.peers'],
      ['a negative decayedAt', () => ({ ...good(), decayedAt: -1 }), '$.decayedAt'],
      ['a string takenAt', () => ({ ...good(), takenAt: 'yesterday' }), '$.takenAt'],
      ['a peer that is not an object', () => ({ ...good(), peers: [GOOD] }), '$.peers[0]'],
      ['an empty peer id', withPeer((p) => (p.peerId = '')), '$.peers[0].peerId'],
      ['a made-up peer id', withPeer((p) => (p.peerId = 'cwgood')), '$.peers[0].peerId'],
      [
        'a peer id in uppercase',
        withPeer((p) => (p.peerId = String(p.peerId).toUpperCase())),
        '$.peers[0].peerId',
      ],
      ['a counter out of range', withPeer((p) => (p.blocks = 1e9)), '$.peers[0].blocks'],
      ['a NaN counter', withPeer((p) => (p.behaviour = Number.NaN)), '$.peers[0].behaviour'],
      [
        'a positive stability',
        withPeer((p) => ((p.uptime as Record<string, unknown>).stability = 5)),
        '$.peers[0].uptime.stability',
      ],
      [
        'a freshness above 1',
        withPeer((p) => (p.latency = { ewmaMs: 10, freshness: 2 })),
        '$.peers[0].latency.freshness',
      ],
      ['a non-boolean validator flag', withPeer((p) => (p.validator = 'yes')), '$.peers[0].validator'],
      ['a duplicate peer', withPeer((p, s) => (s.peers as unknown[]).push(p)), '$.peers[3].peerId'],
      [
        'an unknown event kind',
        withPeer((p) => ((p.history[0] as Record<string, unknown>).kind = 'teleport')),
        '$.peers[0].history[0].kind',
      ],
      [
        'an over-long event detail',
        withPeer((p) => ((p.history[0] as Record<string, unknown>).detail = 'x'.repeat(257))),
        '$.peers[0].history[0].detail',
      ],
    ]
    for (const [what, make, path] of cases) {
      it(`: ${what}`, () => {
        const { scoring } = setup()
        scoring.recordBehavior(KEEP, 'good-block')
        const before = scoring.snapshot()
        let caught: unknown
        try {
          scoring.restore(make())
        } catch (err) {
          caught = err
        }
        expect(SnapshotInvalidError.isInstance(caught)).toBe(true)
        expect((caught as SnapshotInvalidError).code).toBe('ERR_SNAPSHOT_INVALID')
        expect((caught as SnapshotInvalidError).details.path).toBe(path)
        expect(scoring.snapshot()).toEqual(before)
      })
    }
  })
})

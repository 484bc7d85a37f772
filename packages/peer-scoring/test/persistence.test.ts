import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPeerScoring } from '../src/index'
import { HOUR, MINUTE, peerIds } from './helpers'

const [ALICE, MALLORY, BOB, CAROL] = peerIds(4)

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chainwire-peer-scoring-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** How an app persists scores: write a temp file, then rename it over the old one (atomic on POSIX). */
async function persist(path: string, data: unknown): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(data))
  await rename(`${path}.tmp`, path)
}

describe('scores survive a restart through a file', () => {
  it('a fresh instance reads the file and gets the scores back, decayed by the downtime', async () => {
    const path = join(dir, 'peer-scores.json')
    const clockA = new ManualClock()
    const first = createPeerScoring({ clock: clockA })
    first.start()
    first.peerConnected(ALICE)
    first.updateLatency(ALICE, 60)
    for (let i = 0; i < 10; i++) first.recordBehavior(ALICE, 'first-block-delivery')
    first.recordBehavior(MALLORY, 'bad-block', { detail: 'invalid proof of work' })
    first.recordBehavior(BOB, 'timeout')
    clockA.advance(10 * MINUTE)
    const aliceBefore = first.getScore(ALICE)
    await persist(path, first.snapshot())
    first.stop()
    expect(clockA.pending()).toBe(0)

    // The node is down for two hours; the new process starts with its own clock and a fresh scorer.
    const clockB = new ManualClock({ start: clockA.now() + 2 * HOUR })
    const second = createPeerScoring({ clock: clockB })
    const result = second.restore(await readFile(path, 'utf8'))
    second.start()
    expect(result).toEqual({ peers: 3, decayPeriods: 120 })
    const alice = second.getScore(ALICE)
    expect(alice.factors.blocks).toBeCloseTo(aliceBefore.factors.blocks * 0.95 ** 120, 9)
    expect(alice.factors.uptime).toBeCloseTo(((100 * 10) / 30) * 0.95 ** 120, 9)
    expect(alice.state).toBe('neutral')
    // The ban outlived its freeze and decayed; the small penalty decayed to exactly 0.
    expect(second.getScore(MALLORY).state).toBe('low')
    expect(second.getScore(BOB).total).toBe(0)
    expect(second.explain(MALLORY).events[0]).toMatchObject({
      kind: 'bad-block',
      detail: 'invalid proof of work',
    })

    // And the second instance persists and is read back the same way.
    await persist(path, second.snapshot())
    const third = createPeerScoring({ clock: clockB })
    third.restore(JSON.parse(await readFile(path, 'utf8')))
    expect(third.getScore(MALLORY)).toEqual(second.getScore(MALLORY))
    second.stop()
    expect(clockB.pending()).toBe(0)
  })

  it('runs on the system clock and leaves no timer behind', async () => {
    const path = join(dir, 'scores.json')
    const scoring = createPeerScoring({ clock: systemClock }, { decayPeriodMs: 5 })
    scoring.start()
    scoring.recordBehavior(CAROL, 'protocol-violation')
    await new Promise((resolve) => setImmediate(resolve))
    await persist(path, scoring.snapshot())
    scoring.stop()
    const restored = createPeerScoring({ clock: systemClock }, { decayPeriodMs: 5 })
    restored.restore(await readFile(path, 'utf8'))
    expect(restored.getScore(CAROL).factors.behaviour).toBeLessThanOrEqual(-0)
    expect(restored.getScore(CAROL).factors.behaviour).toBeGreaterThanOrEqual(-50)
  })
})

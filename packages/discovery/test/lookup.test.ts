import { ManualClock, seededRandom, settle, testPeerId } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { compareDistance, iterativeLookup, type LookupPeer, nodeIdOf } from '../src/index'

const PARAMS = { k: 20, alpha: 3, requestTimeoutMs: 1_000, lookupTimeoutMs: 30_000, maxCandidates: 100 }

/** A universe of nodes, each knowing its 20 closest nodes and 30 random others. */
function universe(n: number, seed: number) {
  const r = seededRandom(seed)
  const nodes: LookupPeer[] = Array.from({ length: n }, (_, i) => {
    const peerId = testPeerId(r)
    return { peerId, nodeId: nodeIdOf(peerId) as Uint8Array, addrs: [`memory://n${i}`] }
  })
  const knows = new Map<string, LookupPeer[]>()
  for (const node of nodes) {
    const byDistance = [...nodes]
      .filter((x) => x !== node)
      .sort((a, b) => compareDistance(node.nodeId, a.nodeId, b.nodeId))
    const known = new Set(byDistance.slice(0, 20))
    for (let i = 0; i < 30; i++) known.add(nodes[Math.floor(r() * n)] as LookupPeer)
    known.delete(node)
    knows.set(node.peerId, [...known])
  }
  const closestTo = (target: Uint8Array, k: number): string[] =>
    [...nodes]
      .sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))
      .slice(0, k)
      .map((x) => x.peerId)
  return { nodes, knows, closestTo, random: r }
}

describe('iterativeLookup', () => {
  it('converges on the true closest nodes', async () => {
    const clock = new ManualClock()
    const u = universe(300, 11)
    const query = async (peer: LookupPeer, target: Uint8Array, signal: AbortSignal) => {
      await clock.sleep(10, signal)
      return (u.knows.get(peer.peerId) ?? [])
        .sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))
        .slice(0, 16)
    }
    for (let trial = 0; trial < 5; trial++) {
      const target = nodeIdOf(testPeerId(u.random)) as Uint8Array
      const seeds = u.nodes.slice(trial * 3, trial * 3 + 3)
      const result = await settle(clock, iterativeLookup(clock, 'cwself', target, seeds, query, PARAMS))
      const want = u.closestTo(target, 20)
      const got = result.closest.map((c) => c.peerId)
      // Replies carry at most 16 nodes, so the 17th-20th closest can stay unseen (3 of them at most in these
      // five trials); the closest ones cannot.
      expect(got.slice(0, 10)).toEqual(want.slice(0, 10))
      expect(got.filter((g) => want.includes(g)).length).toBeGreaterThanOrEqual(17)
      expect(result.hops).toBeGreaterThanOrEqual(1)
      expect(result.hops).toBeLessThanOrEqual(9)
      expect(result.timedOut).toBe(false)
    }
  })

  it('a slow node holds one slot until its own deadline, never the lookup', async () => {
    const clock = new ManualClock()
    const u = universe(200, 12)
    const target = nodeIdOf(testPeerId(u.random)) as Uint8Array
    // the seed farthest from the target never answers
    const seeds = [...u.nodes].sort((a, b) => compareDistance(target, b.nodeId, a.nodeId)).slice(0, 3)
    const slow = seeds[0] as LookupPeer
    let slowCalls = 0
    let inflight = 0
    let maxInflight = 0
    const query = async (peer: LookupPeer, t: Uint8Array, signal: AbortSignal) => {
      inflight++
      maxInflight = Math.max(maxInflight, inflight)
      try {
        if (peer.peerId === slow.peerId) {
          slowCalls++
          await clock.sleep(60_000, signal) // rejects when its deadline aborts the signal
        }
        await clock.sleep(10, signal)
        return (u.knows.get(peer.peerId) ?? [])
          .sort((a, b) => compareDistance(t, a.nodeId, b.nodeId))
          .slice(0, 16)
      } finally {
        inflight--
      }
    }
    // alpha slots throughout (Kademlia's stall rule off: it would ask the rest of the k closest at once)
    const params = { ...PARAMS, widenOnStall: false }
    const result = await settle(clock, iterativeLookup(clock, 'cwself', target, seeds, query, params))
    expect(slowCalls).toBe(1)
    expect(maxInflight).toBeLessThanOrEqual(3)
    expect(result.durationMs).toBeLessThan(PARAMS.requestTimeoutMs) // finished while the slow one hung
    expect(result.closest.map((c) => c.peerId)).toEqual(u.closestTo(target, 20))
    expect(inflight).toBe(0) // the hanging request was cancelled when the lookup ended
  })

  it('asks the rest of the k closest at once when answers stop getting closer: fewer round trips, same nodes', async () => {
    const u = universe(300, 13)
    const run = async (widenOnStall: boolean) => {
      const clock = new ManualClock()
      let inflight = 0
      let maxInflight = 0
      const query = async (peer: LookupPeer, t: Uint8Array, signal: AbortSignal) => {
        inflight++
        maxInflight = Math.max(maxInflight, inflight)
        try {
          await clock.sleep(50, signal) // one 50 ms round trip per query
          return (u.knows.get(peer.peerId) ?? [])
            .sort((a, b) => compareDistance(t, a.nodeId, b.nodeId))
            .slice(0, 16)
        } finally {
          inflight--
        }
      }
      const durations: number[] = []
      const found: string[][] = []
      for (let trial = 0; trial < 5; trial++) {
        const target = nodeIdOf(testPeerId(seededRandom(100 + trial))) as Uint8Array
        const seeds = u.nodes.slice(trial * 3, trial * 3 + 3)
        const params = { ...PARAMS, widenOnStall }
        const r = await settle(clock, iterativeLookup(clock, 'cwself', target, seeds, query, params))
        durations.push(r.durationMs)
        found.push(r.closest.slice(0, 10).map((c) => c.peerId))
        expect(r.closest[0]?.peerId).toBe(u.closestTo(target, 1)[0])
      }
      return { total: durations.reduce((a, b) => a + b, 0), found, maxInflight }
    }
    const narrow = await run(false)
    const wide = await run(true)
    expect(narrow.maxInflight).toBe(3)
    expect(wide.maxInflight).toBeGreaterThan(3)
    expect(wide.maxInflight).toBeLessThanOrEqual(20)
    expect(wide.found).toEqual(narrow.found)
    // observed: about half the time (the last round is one round trip instead of k / alpha of them)
    expect(wide.total).toBeLessThan(0.8 * narrow.total)
  })

  it('moves on past timeouts when every first node hangs', async () => {
    const clock = new ManualClock()
    const u = universe(150, 13)
    const target = nodeIdOf(testPeerId(u.random)) as Uint8Array
    const byDistance = [...u.nodes].sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))
    const hanging = new Set(byDistance.slice(60, 63).map((n) => n.peerId))
    const seeds = byDistance.slice(60, 66)
    const query = async (peer: LookupPeer, t: Uint8Array, signal: AbortSignal) => {
      await clock.sleep(hanging.has(peer.peerId) ? 600_000 : 10, signal)
      return (u.knows.get(peer.peerId) ?? [])
        .sort((a, b) => compareDistance(t, a.nodeId, b.nodeId))
        .slice(0, 16)
    }
    const result = await settle(clock, iterativeLookup(clock, 'cwself', target, seeds, query, PARAMS), {
      stepMs: 20,
    })
    expect(result.failed).toBeGreaterThanOrEqual(1)
    expect(result.durationMs).toBeLessThan(PARAMS.requestTimeoutMs * 3)
    const live = u
      .closestTo(target, 40)
      .filter((p) => !hanging.has(p))
      .slice(0, 20)
    expect(result.closest.map((c) => c.peerId)).toEqual(live)
  })

  it('returns what it has at the lookup deadline', async () => {
    const clock = new ManualClock()
    const u = universe(60, 14)
    const target = nodeIdOf(testPeerId(u.random)) as Uint8Array
    const query = async (peer: LookupPeer, t: Uint8Array, signal: AbortSignal) => {
      await clock.sleep(400, signal)
      return (u.knows.get(peer.peerId) ?? [])
        .sort((a, b) => compareDistance(t, a.nodeId, b.nodeId))
        .slice(0, 16)
    }
    const params = { ...PARAMS, lookupTimeoutMs: 1_000 }
    const result = await settle(
      clock,
      iterativeLookup(clock, 'cwself', target, u.nodes.slice(0, 3), query, params),
      { stepMs: 50 },
    )
    expect(result.timedOut).toBe(true)
    expect(result.durationMs).toBeLessThanOrEqual(1_050)
    expect(result.queried).toBeGreaterThan(0)
    expect(clock.pending()).toBe(0)
  })

  it('an aborted lookup rejects with ERR_ABORTED and leaves no timer', async () => {
    const clock = new ManualClock()
    const u = universe(30, 15)
    const controller = new AbortController()
    const query = (_p: LookupPeer, _t: Uint8Array, signal: AbortSignal) =>
      clock.sleep(100, signal).then(() => [])
    const p = iterativeLookup(
      clock,
      'cwself',
      u.nodes[0]?.nodeId as Uint8Array,
      u.nodes.slice(0, 3),
      query,
      PARAMS,
      controller.signal,
    )
    controller.abort()
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    await clock.advanceAsync(10)
    expect(clock.pending()).toBe(0)
  })
})

/**
 * The DHT's liveness and warm connections on a fake network (ManualClock): contacts that stop answering leave
 * the table at once for a replacement (or stop being handed out and leave after `maxContactFailures`), a node
 * that comes back is admitted again, table health is a metric, query connections are reused, bounded and
 * closed when idle, and a node proposed at a wrong address first is reached at the next one.
 */
import { ManualClock, MemoryMetrics, seededRandom, settle, testPeerId } from '@chainwire/interface/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { QueryConnections } from '../src/dht/query-connections'
import {
  bucketIndex,
  compareDistance,
  createDht,
  iterativeLookup,
  type KademliaDht,
  type LookupPeer,
  nodeIdOf,
} from '../src/index'
import { FakeHub, type FakeNetwork } from './helpers/fake-network'

const running: KademliaDht[] = []
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop()
})

async function swarm(n: number, seed: number, dht: Parameters<typeof createDht>[1] = {}) {
  const clock = new ManualClock()
  const hub = new FakeHub(clock, 5)
  const r = seededRandom(seed)
  const metrics = new MemoryMetrics()
  const nets: FakeNetwork[] = []
  const dhts: KademliaDht[] = []
  for (let i = 0; i < n; i++) {
    const net = hub.add(`memory://node-${i}`, { peerId: testPeerId(r) })
    const d = createDht(
      { clock, network: net, metrics: i === 0 ? metrics : undefined, random: r },
      { requestTimeoutMs: 500, initialLookupDelayMs: 100, ...dht },
    )
    nets.push(net)
    dhts.push(d)
    running.push(d)
    await d.start()
  }
  // everyone joins through node 0, then node 0 learns the rest with a lookup of its own id
  for (const net of nets.slice(1)) await settle(clock, net.dial('memory://node-0', { kind: 'full-relay' }))
  await clock.advanceAsync(3_000)
  return { clock, hub, nets, dhts, metrics, me: dhts[0] as KademliaDht, random: r }
}

describe('DHT liveness', () => {
  it('a contact that stops answering leaves at its first failed query when its bucket has a replacement', async () => {
    // k = 2: the far buckets fill up at once, the other nodes of a full bucket wait as replacements
    const s = await swarm(16, 41, { k: 2 })
    const full = [...s.me.table.bucketSizes()].find(
      ([i, n]) => n === 2 && s.me.table.replacementsOf(i).length > 0,
    )
    expect(full).toBeDefined()
    const [index] = full as [number, number]
    const victim = s.me.table.contacts().find((c) => bucketIndex(s.me.nodeId, c.nodeId) === index)
    expect(victim).toBeDefined()
    const dead = s.nets.find((n) => n.peerId === victim?.peerId) as FakeNetwork
    dead.online = false
    await dead.disconnect(s.nets[0]?.peerId as string)
    const size = s.me.size
    await settle(s.clock, s.me.findNode(victim?.nodeId as Uint8Array)).catch(() => undefined)
    expect(s.me.table.get(dead.peerId)).toBeUndefined()
    expect(s.me.size).toBe(size) // a replacement took its place
    expect(s.metrics.get('discovery_dht_evictions_total', { replaced: 'yes' })).toBeGreaterThanOrEqual(1)
  })

  it('without a replacement a failed contact is never handed out, leaves after 2 failures, and comes back when it does', async () => {
    const s = await swarm(8, 42)
    const dead = s.nets[5] as FakeNetwork
    const id = nodeIdOf(dead.peerId) as Uint8Array
    expect(s.me.table.get(dead.peerId)).toBeDefined()
    dead.online = false
    await dead.disconnect(s.nets[0]?.peerId as string)
    await settle(s.clock, s.me.findNode(id))
    expect(s.me.table.get(dead.peerId)?.failures).toBe(1)
    expect(s.me.closest(id).map((c) => c.peerId)).not.toContain(dead.peerId)
    expect(s.metrics.get('discovery_dht_table_stale_share')).toBeGreaterThan(0)
    // the next refresh check asks it again: a second failure, and it leaves
    await s.clock.advanceAsync(61_000)
    expect(s.me.table.get(dead.peerId)).toBeUndefined()
    expect(s.metrics.get('discovery_dht_table_stale_share')).toBe(0)
    expect(s.metrics.get('discovery_dht_table_fill')).toBeGreaterThan(0)
    // it restarts and connects to us: verified again, back in the table and handed out
    dead.online = true
    await settle(s.clock, dead.dial('memory://node-0', { kind: 'full-relay' }))
    await s.clock.advanceAsync(2_000)
    expect(s.me.table.get(dead.peerId)?.failures).toBe(0)
    expect(s.me.closest(id)[0]?.peerId).toBe(dead.peerId)
  })
})

describe('warm query connections', () => {
  it('a second lookup reuses the connections of the first; idle ones close; never more than the bound', async () => {
    for (const max of [24, 4]) {
      const s = await swarm(30, 43, { maxQueryConnections: max, queryConnectionIdleMs: 10_000 })
      const me = s.nets[0] as FakeNetwork
      // drop the join connections: every query needs a connection of its own
      for (const p of me.peers()) await me.disconnect(p.peerId)
      let most = 0
      me.on('peer:connected', () => {
        const manual = me.peers().filter((p) => p.direction === 'outbound' && p.kind === 'manual').length
        most = Math.max(most, manual)
      })
      const target = nodeIdOf(testPeerId(s.random)) as Uint8Array
      const first = await settle(s.clock, s.me.findNode(target))
      const second = await settle(s.clock, s.me.findNode(target))
      expect(second.closest[0]?.peerId).toBe(first.closest[0]?.peerId)
      expect(most).toBeLessThanOrEqual(max)
      if (max === 24) {
        expect(first.breakdown.dials).toBeGreaterThanOrEqual(15)
        expect(second.breakdown.dials).toBe(0) // every node asked again over its warm connection
        expect(second.breakdown.warm).toBe(first.breakdown.dials + first.breakdown.warm)
        expect(second.durationMs).toBeLessThan(first.durationMs)
      } else {
        // a widened round asks at most as many nodes as it may hold connections: nothing queues behind the bound
        expect(first.breakdown.waitMs).toBe(0)
        expect(first.breakdown.failures.busy).toBe(0)
      }
      await s.clock.advanceAsync(11_000)
      expect(me.peers().filter((p) => p.direction === 'outbound' && p.kind === 'manual')).toEqual([])
      for (const d of running.splice(0)) await d.stop()
    }
  })

  it('tries each address of a node in turn: a wrong address proposed first does not hide it', async () => {
    const clock = new ManualClock()
    const hub = new FakeHub(clock, 5)
    const r = seededRandom(44)
    const me = hub.add('memory://me', { peerId: testPeerId(r) })
    const attacker = hub.add('memory://attacker', { peerId: testPeerId(r) })
    const honest = hub.add('memory://honest', { peerId: testPeerId(r) })
    const pool = new QueryConnections(clock, me, { max: 4, idleMs: 1_000, dialKind: 'manual' })
    const signal = new AbortController().signal
    const reached = await settle(
      clock,
      pool.acquire(honest.peerId, [attacker.address, honest.address], signal),
    )
    expect(reached.peer.peerId).toBe(honest.peerId)
    expect(reached.dialed).toBe(honest.address)
    pool.release(honest.peerId)
    await pool.stop()
    expect(clock.pending()).toBe(0)
  })

  it('a lookup keeps every address proposed for a node it has not asked yet, first proposal first', async () => {
    const clock = new ManualClock()
    const r = seededRandom(45)
    const peer = (addr: string): LookupPeer => {
      const peerId = testPeerId(r)
      return { peerId, nodeId: nodeIdOf(peerId) as Uint8Array, addrs: [addr] }
    }
    const a = peer('memory://a')
    let b = peer('memory://b')
    let x = peer('memory://x')
    // the target is a's id: a is asked first, then b (closer to a than x), then x
    if (compareDistance(a.nodeId, b.nodeId, x.nodeId) > 0) {
      ;[b, x] = [
        { ...x, addrs: b.addrs },
        { ...b, addrs: x.addrs },
      ]
    }
    const seen: string[][] = []
    const query = async (p: LookupPeer, _t: Uint8Array, signal: AbortSignal): Promise<LookupPeer[]> => {
      if (p.peerId === x.peerId) {
        seen.push([...p.addrs])
        return []
      }
      // a proposes x at a made-up address, b at its real one
      await clock.sleep(10, signal)
      return [{ ...x, addrs: p.peerId === a.peerId ? ['memory://made-up'] : x.addrs }]
    }
    const params = {
      k: 20,
      alpha: 1,
      requestTimeoutMs: 1_000,
      lookupTimeoutMs: 10_000,
      maxCandidates: 100,
      widenOnStall: false,
    }
    const result = await settle(clock, iterativeLookup(clock, 'cwself', a.nodeId, [a, b], query, params))
    expect(seen).toEqual([['memory://made-up', x.addrs[0]]])
    expect(result.closest.map((c) => c.peerId)).toContain(x.peerId)
  })
})

import { ManualClock, MemoryMetrics, seededRandom, settle, testPeerId } from '@chainwire/interface/testing'
import type { Message } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  compareDistance,
  createDht,
  type KademliaDht,
  type LookupResult,
  nodeIdOf,
  proofOfWorkBits,
} from '../src/index'
import { FakeHub, type FakeNetwork } from './helpers/fake-network'

const running: KademliaDht[] = []
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop()
})

function reporter() {
  const reports: { peerId: string; behaviour: string }[] = []
  return { reports, report: (peerId: string, behaviour: string) => void reports.push({ peerId, behaviour }) }
}

async function swarm(n: number, seed: number, extra: { dht?: Parameters<typeof createDht>[1] } = {}) {
  const clock = new ManualClock()
  const hub = new FakeHub(clock, 5)
  const r = seededRandom(seed)
  const metrics = new MemoryMetrics()
  const sink = reporter()
  const nets: FakeNetwork[] = []
  const dhts: KademliaDht[] = []
  for (let i = 0; i < n; i++) {
    const net = hub.add(`memory://node-${i}`, { peerId: testPeerId(r) })
    const dht = createDht(
      {
        clock,
        network: net,
        metrics: i === 0 ? metrics : undefined,
        misbehaviour: i === 0 ? sink : undefined,
        random: r,
      },
      { requestTimeoutMs: 500, initialLookupDelayMs: 100, ...extra.dht },
    )
    nets.push(net)
    dhts.push(dht)
    running.push(dht)
    await dht.start()
  }
  return { clock, hub, nets, dhts, metrics, sink, random: r }
}

describe('KademliaDht over a fake network', () => {
  it('applies its per-subnet limits with dht.subnetOf (every node mapped into one /24: at most 10 contacts)', async () => {
    const s = await swarm(30, 23, { dht: { subnetOf: () => '44.1.0' } })
    for (const net of s.nets.slice(1))
      await settle(s.clock, net.dial('memory://node-0', { kind: 'full-relay' }))
    await s.clock.advanceAsync(5_000)
    for (const dht of s.dhts) expect(dht.size).toBeLessThanOrEqual(10)
    expect(Math.max(...s.dhts.map((d) => d.size))).toBe(10)
    expect(() =>
      createDht({ clock: s.clock, network: s.nets[0] as FakeNetwork }, { subnetOf: 5 as never }),
    ).toThrow(/subnetOf must be a function/)
  })

  it('nodes that join through one node find each other: lookups reach the true closest nodes', async () => {
    const s = await swarm(60, 21)
    // everyone dials node 0 (an outbound connection is a verified contact); the first self-lookups do the rest
    for (const net of s.nets.slice(1))
      await settle(s.clock, net.dial('memory://node-0', { kind: 'full-relay' }))
    await s.clock.advanceAsync(3_000)
    const all = s.nets.map((n) => ({ peerId: n.peerId, id: nodeIdOf(n.peerId) as Uint8Array }))
    let exact = 0
    const hops: number[] = []
    for (let i = 0; i < 10; i++) {
      const target = nodeIdOf(testPeerId(s.random)) as Uint8Array
      const from = s.dhts[(i * 7) % 60] as KademliaDht
      const self = s.nets[(i * 7) % 60] as FakeNetwork
      const truth = all
        .filter((x) => x.peerId !== self.peerId)
        .sort((a, b) => compareDistance(target, a.id, b.id))
        .slice(0, 5)
        .map((x) => x.peerId)
      const result: LookupResult = await settle(s.clock, from.findNode(target))
      hops.push(result.hops)
      if (truth.every((t, j) => result.closest[j]?.peerId === t)) exact++
    }
    expect(exact).toBe(10)
    expect(Math.max(...hops)).toBeLessThanOrEqual(6)
    expect(s.dhts.every((d) => d.size > 0)).toBe(true)
  })

  it('serves at most 16 live contacts, never the requester, and admits only nodes that answered', async () => {
    const s = await swarm(40, 22)
    for (const net of s.nets.slice(1))
      await settle(s.clock, net.dial('memory://node-0', { kind: 'full-relay' }))
    await s.clock.advanceAsync(3_000)
    const asker = s.nets[5] as FakeNetwork
    const reply = await settle(
      s.clock,
      asker.request((s.nets[0] as FakeNetwork).peerId, {
        type: 'find_node',
        data: { target: new Uint8Array(32) },
      }),
    )
    expect(reply.type).toBe('nodes')
    const nodes = reply.type === 'nodes' ? reply.data.nodes : []
    expect(nodes.length).toBeGreaterThan(0)
    expect(nodes.length).toBeLessThanOrEqual(16)
    expect(nodes.map((x) => x.peerId)).not.toContain(asker.peerId)
  })

  it('rejects a nodes reply with more than 16 entries: dropped, counted, reported', async () => {
    const s = await swarm(3, 23)
    const [me, hostile, honest] = s.nets as [FakeNetwork, FakeNetwork, FakeNetwork]
    const flood = Array.from({ length: 17 }, (_, i) => ({
      peerId: testPeerId(s.random),
      addrs: [`memory://fake-${i}`],
    }))
    hostile.responder = (msg): Message | undefined =>
      msg.type === 'find_node' ? { type: 'nodes', data: { nodes: flood } } : undefined
    await settle(s.clock, me.dial(honest.address, { kind: 'full-relay' }))
    await settle(s.clock, me.dial(hostile.address, { kind: 'full-relay' }))
    const dht = s.dhts[0] as KademliaDht
    expect(dht.table.get(hostile.peerId)).toBeDefined() // an outbound connection: verified
    const rejected: string[] = []
    dht.on('reply:rejected', (e) => rejected.push(e.reason))
    const result = await settle(s.clock, dht.findNode(nodeIdOf(testPeerId(s.random)) as Uint8Array))
    expect(result.closest.map((c) => c.peerId)).not.toContain(hostile.peerId)
    expect(
      result.closest.some((c) => c.peerId.startsWith('cw') && flood.some((f) => f.peerId === c.peerId)),
    ).toBe(false)
    expect(rejected).toContain('too-many-nodes')
    expect(s.metrics.get('discovery_rejected_total', { reason: 'too-many-nodes' })).toBeGreaterThanOrEqual(1)
    expect(s.sink.reports).toContainEqual({ peerId: hostile.peerId, behaviour: 'protocol-violation' })
    for (const f of flood) expect(dht.table.get(f.peerId)).toBeUndefined()
  })

  it('ignores and counts a nodes reply nobody asked for, and reports the sender', async () => {
    const s = await swarm(2, 24)
    const [me, other] = s.nets as [FakeNetwork, FakeNetwork]
    const dht = s.dhts[0] as KademliaDht
    const before = dht.size
    me.emit('message:nodes', { peerId: other.peerId })
    expect(dht.size).toBe(before)
    expect(s.metrics.get('discovery_rejected_total', { reason: 'unsolicited-nodes' })).toBe(1)
    expect(s.sink.reports).toContainEqual({ peerId: other.peerId, behaviour: 'unrequested-message' })
  })

  it('with identity proof of work on, nodes below the difficulty never enter the table', async () => {
    const clock = new ManualClock()
    const hub = new FakeHub(clock, 5)
    const r = seededRandom(25)
    const strong: string[] = []
    const weak: string[] = []
    while (strong.length < 3 || weak.length < 3) {
      const p = testPeerId(r)
      const bits = proofOfWorkBits(nodeIdOf(p) as Uint8Array)
      if (bits >= 4 && strong.length < 3) strong.push(p)
      else if (bits === 0 && weak.length < 3) weak.push(p)
    }
    const me = hub.add('memory://me', { peerId: strong[0] })
    const dht = createDht({ clock, network: me }, { proofOfWorkDifficulty: 4, initialLookupDelayMs: 100_000 })
    running.push(dht)
    await dht.start()
    for (const [i, p] of [...strong.slice(1), ...weak].entries()) {
      hub.add(`memory://p${i}`, { peerId: p })
      await settle(clock, me.dial(`memory://p${i}`, { kind: 'full-relay' }))
    }
    expect(
      dht.table
        .contacts()
        .map((c) => c.peerId)
        .sort(),
    ).toEqual(strong.slice(1).sort())
  })

  it('admits an inbound peer only after it answered a find_node of ours', async () => {
    const s = await swarm(3, 26)
    const [a, b, silent] = s.nets as [FakeNetwork, FakeNetwork, FakeNetwork]
    await settle(s.clock, b.dial(a.address, { kind: 'full-relay' })) // inbound at a
    await s.clock.advanceAsync(100)
    expect(a.requests.get('find_node') ?? 0).toBeGreaterThanOrEqual(1)
    expect((s.dhts[0] as KademliaDht).table.get(b.peerId)).toBeDefined()
    silent.responder = () => 'silent'
    await settle(s.clock, silent.dial(a.address, { kind: 'full-relay' }))
    await s.clock.advanceAsync(2_000)
    expect((s.dhts[0] as KademliaDht).table.get(silent.peerId)).toBeUndefined()
  })

  it('refreshes stale buckets and evicts contacts that fail their liveness check', async () => {
    const s = await swarm(12, 27, {
      dht: { refreshCheckIntervalMs: 1_000, livenessIntervalMs: 5_000, bucketRefreshMs: 10_000 },
    })
    for (const net of s.nets.slice(1))
      await settle(s.clock, net.dial('memory://node-0', { kind: 'full-relay' }))
    await s.clock.advanceAsync(2_000)
    const dht = s.dhts[0] as KademliaDht
    const lookups: number[] = []
    dht.on('lookup:done', (e) => lookups.push(e.hops))
    const victim = s.nets[3] as FakeNetwork
    victim.online = false
    await victim.disconnect((s.nets[0] as FakeNetwork).peerId)
    await s.clock.advanceAsync(20_000)
    expect(lookups.length).toBeGreaterThan(0) // bucket refresh ran
    const entry = dht.table.get(victim.peerId)
    expect(entry === undefined || entry.failures > 0).toBe(true)
    expect(
      dht
        .closest(victim.peerId.length > 0 ? (nodeIdOf(victim.peerId) as Uint8Array) : new Uint8Array(32))
        .map((c) => c.peerId),
    ).not.toContain(victim.peerId)
  })

  it('rejects bad targets and lookups on an empty table with typed errors', async () => {
    const s = await swarm(1, 28)
    const dht = s.dhts[0] as KademliaDht
    await expect(dht.findNode(new Uint8Array(31))).rejects.toMatchObject({ code: 'ERR_INVALID_TARGET' })
    await expect(dht.findNode(new Uint8Array(32))).rejects.toMatchObject({ code: 'ERR_NO_PEERS' })
    await dht.stop()
    expect(s.clock.pending()).toBe(0)
  })
})

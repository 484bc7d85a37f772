import { ManualClock, MemoryMetrics, seededRandom, testPeerId } from '@chainwire/interface/testing'
import { createPeerStore, type PeerStore } from '@chainwire/peer-store'
import type { PeerInfo } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import { createPeerExchange, type DiscoveryPeer, type PeerExchange } from '../src/index'
import { FakeHub } from './helpers/fake-network'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn()
})

function entries(n: number, random: () => number, octet = 113): PeerInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    peerId: testPeerId(random),
    addrs: [`tcp://${11 + (i % 200)}.${octet}.${(i >> 8) & 255}.${i & 255}:9333`],
    roles: ['full'],
    lastSeen: 1_700_000_000_000,
  }))
}

async function setup() {
  const clock = new ManualClock()
  const hub = new FakeHub(clock, 0)
  const metrics = new MemoryMetrics()
  const reports: { peerId: string; behaviour: string }[] = []
  const me = hub.add('tcp://10.0.0.1:9333')
  const store: PeerStore = createPeerStore({ clock }, { allowNonRoutable: true })
  await store.open()
  const pex: PeerExchange = createPeerExchange(
    {
      clock,
      network: me,
      peerStore: store,
      metrics,
      misbehaviour: { report: (peerId, behaviour) => void reports.push({ peerId, behaviour }) },
    },
    {},
  )
  await pex.start()
  cleanup.push(async () => {
    await pex.stop()
    await store.stop()
  })
  const from: DiscoveryPeer = {
    peerId: testPeerId(Math.random),
    direction: 'outbound',
    kind: 'full-relay',
    remoteAddress: 'tcp://10.9.9.9:9333',
    dialedAddress: 'tcp://10.9.9.9:9333',
    connectedAt: clock.now(),
    hello: { roles: ['full'], listenAddrs: ['tcp://10.9.9.9:9333'] },
  }
  return { clock, hub, metrics, reports, me, store, pex, from }
}

describe('peer exchange', () => {
  it('limits unrequested addresses to the token bucket: 1 at first, then 0.1 per second', async () => {
    const s = await setup()
    const r = seededRandom(31)
    expect(s.pex.receive(s.from, { type: 'peers', data: { peers: entries(50, r) } })).toBe(1)
    expect(s.metrics.get('discovery_pex_addresses_dropped_total', { reason: 'rate' })).toBe(49)
    s.clock.advance(100_000) // 100 s: 10 tokens
    expect(s.pex.receive(s.from, { type: 'peers', data: { peers: entries(50, r, 114) } })).toBe(10)
    s.clock.advance(100_000_000) // the bucket holds at most 1,000
    expect(s.pex.receive(s.from, { type: 'peers', data: { peers: entries(1_000, r, 115) } })).toBe(1_000)
    expect(s.pex.receive(s.from, { type: 'peers', data: { peers: entries(5, r, 116) } })).toBe(0)
    expect(s.reports).toEqual([]) // over the rate is dropped and counted, not misbehaviour
  })

  it('accepts the reply to our own get_peers in full and records the relaying peer as the source', async () => {
    const s = await setup()
    const r = seededRandom(32)
    const remote = s.hub.add('tcp://10.9.9.9:9333')
    const list = entries(600, r)
    remote.handle('get_peers', () => ({ type: 'peers', data: { peers: list } }))
    await s.me.dial(remote.address, { kind: 'manual' })
    const discovered: string[] = []
    s.pex.on('peer:discovered', (e) => discovered.push(e.method))
    expect(await s.pex.requestPeers(remote.peerId)).toBe(600)
    expect(s.store.getPeer(list[0]?.peerId as string)?.source?.peerId).toBe(remote.peerId)
    // the store may refuse a few (slot collisions in its new table): only those it kept count as discovered
    expect(discovered.length).toBeGreaterThan(500)
    expect(s.metrics.get('discovery_peers_discovered_total', { method: 'pex' })).toBe(discovered.length)
  })

  it('rejects a peers message with 1,001 entries: dropped, counted, the peer reported', async () => {
    const s = await setup()
    const r = seededRandom(33)
    const rejected: string[] = []
    s.pex.on('reply:rejected', (e) => rejected.push(e.reason))
    s.clock.advance(100_000_000)
    const accepted = s.pex.receive(s.from, { type: 'peers', data: { peers: entries(1_001, r) } })
    expect(accepted).toBe(0)
    expect(s.store.stats().peers).toBe(0)
    expect(s.metrics.get('discovery_rejected_total', { reason: 'too-many-peers' })).toBe(1)
    expect(s.reports).toEqual([{ peerId: s.from.peerId, behaviour: 'protocol-violation' }])
    expect(rejected).toEqual(['too-many-peers'])
  })

  it('answers get_peers with our own addresses first, never the requester, once per connection', async () => {
    const s = await setup()
    const r = seededRandom(34)
    for (const e of entries(30, r, 120)) s.store.addAddresses(e.peerId, e.addrs, { source: 'verified' })
    const asker = s.hub.add('tcp://10.7.7.7:9333')
    s.store.addAddresses(asker.peerId, [asker.address], { source: 'verified' })
    await asker.dial(s.me.address, { kind: 'full-relay' })
    const reply = await asker.request(s.me.peerId, { type: 'get_peers', data: { limit: 10 } })
    expect(reply.type).toBe('peers')
    const peers = reply.type === 'peers' ? reply.data.peers : []
    expect(peers[0]?.peerId).toBe(s.me.peerId)
    expect(peers[0]?.addrs).toEqual(['tcp://10.0.0.1:9333'])
    expect(peers.length).toBeLessThanOrEqual(10)
    expect(peers.map((p) => p.peerId)).not.toContain(asker.peerId)
    const again = await asker.request(s.me.peerId, { type: 'get_peers', data: { limit: 10 } })
    expect(again.type === 'peers' && again.data.peers).toEqual([])
  })

  it('takes a connected peer’s own listen addresses as its self-announcement', async () => {
    const s = await setup()
    const remote = s.hub.add('tcp://10.8.8.8:9333')
    remote.handle('get_peers', () => ({ type: 'peers', data: { peers: [] } }))
    await remote.dial(s.me.address, { kind: 'full-relay' })
    expect(s.store.getPeer(remote.peerId)?.addresses.map((a) => a.address)).toEqual(['tcp://10.8.8.8:9333'])
  })
})

/**
 * Sybil resistance, in-process: 1,000 nodes of which 30% are sybils that answer lookups only with each other
 * and flood honest nodes with addresses. Honest lookups still find the true closest honest nodes, and honest
 * nodes' outbound picks keep their group diversity.
 */
import { systemClock } from '@chainwire/interface'
import { seededRandom, testPeerId } from '@chainwire/interface/testing'
import { createPeerStore } from '@chainwire/peer-store'
import { describe, expect, it } from 'vitest'
import {
  compareDistance,
  createPeerExchange,
  type DiscoveryPeer,
  iterativeLookup,
  type LookupPeer,
  nodeIdOf,
} from '../src/index'
import { FakeHub } from './helpers/fake-network'

const N = 1_000
const SYBIL_SHARE = 0.3

describe('30% sybils', () => {
  it('honest lookups still find the true closest honest nodes', async () => {
    const r = seededRandom(41)
    const nodes = Array.from({ length: N }, (_, i) => {
      const peerId = testPeerId(r)
      return {
        peerId,
        nodeId: nodeIdOf(peerId) as Uint8Array,
        addrs: [`memory://n${i}`],
        sybil: i < N * SYBIL_SHARE,
      }
    })
    const honest = nodes.filter((n) => !n.sybil)
    const sybils = nodes.filter((n) => n.sybil)
    const byDistance = (list: typeof nodes, t: Uint8Array) =>
      [...list].sort((a, b) => compareDistance(t, a.nodeId, b.nodeId))
    // each node's table: 20 random contacts per bucket-ish; approximated by its 20 closest plus 60 random nodes
    const tables = new Map<string, LookupPeer[]>()
    for (const n of nodes) {
      const known = new Set<LookupPeer>(byDistance(nodes, n.nodeId).slice(1, 21))
      for (let i = 0; i < 60; i++) known.add(nodes[Math.floor(r() * N)] as LookupPeer)
      known.delete(n)
      tables.set(n.peerId, [...known])
    }
    const sybilSet = new Set(sybils.map((s) => s.peerId))
    const query = async (peer: LookupPeer, t: Uint8Array): Promise<LookupPeer[]> => {
      // sybils answer only with sybils (the ones closest to the target, to look convincing)
      if (sybilSet.has(peer.peerId)) return byDistance(sybils, t).slice(0, 16)
      return [...(tables.get(peer.peerId) ?? [])]
        .sort((a, b) => compareDistance(t, a.nodeId, b.nodeId))
        .slice(0, 16)
    }
    let found = 0
    const lookups = 100
    for (let l = 0; l < lookups; l++) {
      const me = honest[Math.floor(r() * honest.length)] as (typeof nodes)[number]
      const target = nodeIdOf(testPeerId(r)) as Uint8Array
      const seeds = [...(tables.get(me.peerId) ?? [])]
        .sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))
        .slice(0, 20)
      const result = await iterativeLookup(systemClock, me.peerId, target, seeds, query, {
        k: 20,
        alpha: 3,
        requestTimeoutMs: 1_000,
        lookupTimeoutMs: 10_000,
        maxCandidates: 100,
      })
      const trueHonest = byDistance(
        honest.filter((h) => h !== me),
        target,
      )[0]
      if (result.closest.some((c) => c.peerId === trueHonest?.peerId)) found++
    }
    // the figure quoted in the README
    console.log(JSON.stringify({ sybilShare: SYBIL_SHARE, lookups, foundTrueClosestHonest: found / lookups }))
    expect(found / lookups).toBeGreaterThanOrEqual(0.95)
  })

  it('an address flood from sybil peers does not take over the outbound picks', async () => {
    const r = seededRandom(42)
    const hub = new FakeHub(systemClock, 0)
    const me = hub.add('tcp://31.0.0.1:9333')
    const store = createPeerStore(
      { clock: systemClock, random: r },
      { allowNonRoutable: true, salt: new Uint8Array(32).fill(7) },
    )
    await store.open()
    const pex = createPeerExchange({ clock: systemClock, network: me, peerStore: store })
    const peer = (id: string, addr: string): DiscoveryPeer => ({
      peerId: id,
      direction: 'outbound',
      kind: 'full-relay',
      remoteAddress: addr,
      dialedAddress: addr,
      connectedAt: 0,
      hello: { roles: ['full'], listenAddrs: [addr] },
    })
    // 30 honest sources spread over the IPv4 space, 10 addresses each, all in distinct /16s
    for (let s = 0; s < 30; s++) {
      const src = peer(testPeerId(r), `tcp://${40 + s}.1.0.1:9333`)
      const entries = Array.from({ length: 10 }, (_, i) => ({
        peerId: testPeerId(r),
        addrs: [`tcp://${100 + s}.${i}.0.1:9333`],
        roles: ['full' as const],
        lastSeen: systemClock.now(),
      }))
      pex.receive(src, { type: 'peers', data: { peers: entries } })
    }
    // 13 sybil sources (30% of the sources) in one /16, each sending 1,000 addresses in 4 /16s, again and again
    let sybilEntries = 0
    for (let s = 0; s < 13; s++) {
      const src = peer(testPeerId(r), `tcp://66.6.${s}.1:9333`)
      for (let round = 0; round < 3; round++) {
        const entries = Array.from({ length: 1_000 }, (_, i) => ({
          peerId: testPeerId(r),
          addrs: [`tcp://${200 + (i % 4)}.${(i >> 2) & 255}.${round}.${s + 1}:9333`],
          roles: ['full' as const],
          lastSeen: systemClock.now(),
        }))
        sybilEntries += pex.receive(src, { type: 'peers', data: { peers: entries } })
      }
    }
    // unrequested gossip is rate limited: each sybil source got 1 address through per flood, not 1,000
    expect(sybilEntries).toBeLessThanOrEqual(13 * 3)
    let sybilPicks = 0
    let picks = 0
    for (let i = 0; i < 200; i++) {
      const chosen = store.selectForDial(8)
      const groups = new Set(chosen.map((c) => c.group))
      expect(groups.size).toBe(chosen.length)
      picks += chosen.length
      sybilPicks += chosen.filter((c) => Number(c.address.slice(6).split('.')[0]) >= 200).length
    }
    console.log(JSON.stringify({ sybilShareOfOutboundPicks: sybilPicks / picks }))
    expect(sybilPicks / picks).toBeLessThan(0.3)
    await store.stop()
  })
})

import { ManualClock, MemoryMetrics } from '@chainwire/interface/testing'
import { createPeerStore, type PeerStore } from '@chainwire/peer-store'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createDialer,
  type DiscoveryPeer,
  type OutboundDialer,
  pickRotation,
  slotsToFill,
} from '../src/index'
import { FakeHub, type FakeNetwork } from './helpers/fake-network'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn()
})

describe('slot decisions', () => {
  it('fills full-relay first, counts pending dials, stays within maxPending', () => {
    const targets = { fullRelay: 8, blockRelay: 2 }
    expect(
      slotsToFill({ fullRelay: 0, blockRelay: 0, pendingFullRelay: 0, pendingBlockRelay: 0 }, targets, 4),
    ).toEqual({
      fullRelay: 4,
      blockRelay: 0,
    })
    expect(
      slotsToFill({ fullRelay: 7, blockRelay: 0, pendingFullRelay: 0, pendingBlockRelay: 0 }, targets, 4),
    ).toEqual({
      fullRelay: 1,
      blockRelay: 2,
    })
    expect(
      slotsToFill({ fullRelay: 6, blockRelay: 1, pendingFullRelay: 2, pendingBlockRelay: 1 }, targets, 4),
    ).toEqual({
      fullRelay: 0,
      blockRelay: 0,
    })
    expect(
      slotsToFill({ fullRelay: 9, blockRelay: 3, pendingFullRelay: 0, pendingBlockRelay: 0 }, targets, 4),
    ).toEqual({
      fullRelay: 0,
      blockRelay: 0,
    })
  })

  it('rotates the longest-connected full-relay peer, only when the slots are full, never a kept one', () => {
    const p = (id: string, at: number, kind = 'full-relay'): DiscoveryPeer => ({
      peerId: id,
      direction: 'outbound',
      kind,
      remoteAddress: id,
      dialedAddress: id,
      connectedAt: at,
      hello: { roles: ['full'], listenAddrs: [] },
    })
    const peers = [p('a', 5), p('b', 1), p('c', 3), p('d', 0, 'block-relay')]
    expect(pickRotation(peers, 4, () => false)).toBeUndefined()
    expect(pickRotation(peers, 3, () => false)?.peerId).toBe('b')
    expect(pickRotation(peers, 3, (x) => x.peerId === 'b')?.peerId).toBe('c')
  })
})

describe('OutboundDialer', () => {
  async function setup(options: Parameters<typeof createDialer>[1] = {}, count = 16) {
    const clock = new ManualClock()
    const hub = new FakeHub(clock, 5)
    const me = hub.add('tcp://30.0.0.1:9333')
    const nodes: FakeNetwork[] = []
    // two addresses per /16 group, so group diversity is visible
    for (let i = 0; i < count; i++) nodes.push(hub.add(`tcp://30.${10 + (i >> 1)}.0.${1 + (i & 1)}:9333`))
    const store: PeerStore = createPeerStore({ clock }, { allowNonRoutable: true, salt: new Uint8Array(32) })
    await store.open()
    for (const n of nodes) store.addAddresses(n.peerId, [n.address], { source: 'verified' })
    const metrics = new MemoryMetrics()
    const dialer: OutboundDialer = createDialer({ clock, network: me, peerStore: store, metrics }, options)
    cleanup.push(async () => {
      await dialer.stop()
      await store.stop()
    })
    return { clock, hub, me, nodes, store, dialer, metrics }
  }

  const outbound = (net: FakeNetwork, kind: string) =>
    net.peers().filter((p) => p.direction === 'outbound' && p.kind === kind)
  const group = (address: string) => address.split('.').slice(0, 2).join('.')

  it('fills the full-relay and block-relay targets with one peer per network group and promotes them', async () => {
    const s = await setup({ outboundFullRelay: 4, outboundBlockRelay: 2, intervalMs: 100 })
    await s.dialer.start()
    await s.clock.advanceAsync(2_000)
    const full = outbound(s.me, 'full-relay')
    const block = outbound(s.me, 'block-relay')
    expect(full).toHaveLength(4)
    expect(block).toHaveLength(2)
    const groups = [...full, ...block].map((p) => group(p.dialedAddress as string))
    expect(new Set(groups).size).toBe(6)
    for (const p of full) expect(s.store.getAddress(p.dialedAddress as string)?.table).toBe('tried')
    expect(s.metrics.get('discovery_dials_total', { kind: 'full-relay', result: 'ok' })).toBe(4)
  })

  it('leaves a slot empty rather than dial a second peer of one group, unless allowGroupRepeats', async () => {
    // 6 addresses in 3 groups, a target of 5
    const strict = await setup({ outboundFullRelay: 5, outboundBlockRelay: 0, intervalMs: 100 }, 6)
    await strict.dialer.start()
    await strict.clock.advanceAsync(5_000)
    const full = outbound(strict.me, 'full-relay')
    expect(full).toHaveLength(3)
    expect(new Set(full.map((p) => group(p.dialedAddress as string))).size).toBe(3)

    const loose = await setup(
      { outboundFullRelay: 5, outboundBlockRelay: 0, intervalMs: 100, allowGroupRepeats: true },
      6,
    )
    await loose.dialer.start()
    await loose.clock.advanceAsync(5_000)
    expect(outbound(loose.me, 'full-relay')).toHaveLength(5)
  })

  it('honours the network’s slots: refused dials are not the address’s failure', async () => {
    const s = await setup({ outboundFullRelay: 8, outboundBlockRelay: 0, intervalMs: 100 })
    s.me.limits = { 'full-relay': 3 }
    await s.dialer.start()
    await s.clock.advanceAsync(2_000)
    expect(outbound(s.me, 'full-relay')).toHaveLength(3)
    for (const n of s.nodes) expect(s.store.getAddress(n.address)?.attempts ?? 0).toBe(0)
  })

  it('dials the saved anchors first as block-relay-only peers and saves them again at stop', async () => {
    const s = await setup({ outboundFullRelay: 2, outboundBlockRelay: 2, intervalMs: 100 })
    const anchors = s.nodes.slice(10, 12).map((n) => ({ peerId: n.peerId, address: n.address }))
    s.store.saveAnchors(anchors)
    await s.dialer.start()
    await s.clock.advanceAsync(1_000)
    expect(
      outbound(s.me, 'block-relay')
        .map((p) => p.peerId)
        .sort(),
    ).toEqual(anchors.map((a) => a.peerId).sort())
    await s.dialer.stop()
    expect((await s.store.getAnchors()).map((a) => a.peerId).sort()).toEqual(
      anchors.map((a) => a.peerId).sort(),
    )
  })

  it('runs a feeler every 2 minutes that promotes a new address and does not keep the connection', async () => {
    const s = await setup({
      outboundFullRelay: 2,
      outboundBlockRelay: 0,
      intervalMs: 1_000,
      rotationIntervalMs: 0,
    })
    await s.dialer.start()
    await s.clock.advanceAsync(119_000)
    expect(s.me.dials.filter((d) => d.kind === 'feeler')).toHaveLength(0)
    await s.clock.advanceAsync(2_000)
    const feelers = s.me.dials.filter((d) => d.kind === 'feeler')
    expect(feelers).toHaveLength(1)
    expect(s.store.getAddress((feelers[0] as { address: string }).address)?.table).toBe('tried')
    expect(outbound(s.me, 'feeler')).toHaveLength(0)
  })

  it('rotates one outbound peer per interval and refills the slot', async () => {
    const s = await setup({
      outboundFullRelay: 3,
      outboundBlockRelay: 0,
      intervalMs: 500,
      rotationIntervalMs: 60_000,
      feelerIntervalMs: 0,
    })
    await s.dialer.start()
    await s.clock.advanceAsync(5_000)
    const before = outbound(s.me, 'full-relay').map((p) => p.peerId)
    expect(before).toHaveLength(3)
    await s.clock.advanceAsync(60_000)
    const after = outbound(s.me, 'full-relay').map((p) => p.peerId)
    expect(after).toHaveLength(3)
    expect(after.filter((p) => !before.includes(p))).toHaveLength(1)
  })

  it('hands persistent peers to the network, and redials failed addresses only after backoff', async () => {
    const s = await setup({
      outboundFullRelay: 2,
      outboundBlockRelay: 0,
      intervalMs: 100,
      persistentPeers: ['tcp://30.200.0.1:9333'],
    })
    for (const n of s.nodes) n.online = false
    await s.dialer.start()
    expect(s.me.persistent).toEqual(['tcp://30.200.0.1:9333'])
    await s.clock.advanceAsync(5_000)
    const firstRound = s.me.dials.length
    expect(firstRound).toBeGreaterThan(0)
    expect(new Set(s.me.dials.map((d) => d.address)).size).toBe(firstRound) // no address twice within backoff
    for (const n of s.nodes) n.online = true
    await s.clock.advanceAsync(130_000)
    expect(outbound(s.me, 'full-relay')).toHaveLength(2)
  })
})

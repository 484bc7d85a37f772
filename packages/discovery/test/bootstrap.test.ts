import { ManualClock } from '@chainwire/interface/testing'
import { createPeerStore } from '@chainwire/peer-store'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createBootstrap,
  createPeerExchange,
  type DiscoveryPeer,
  otherPeers,
  shouldRelease,
} from '../src/index'
import { FakeHub, type FakeNetwork } from './helpers/fake-network'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn()
})

function peer(id: string, roles: ('full' | 'bootstrap')[] = ['full']): DiscoveryPeer {
  return {
    peerId: id,
    direction: 'outbound',
    kind: 'full-relay',
    remoteAddress: 'memory://x',
    dialedAddress: 'memory://x',
    connectedAt: 0,
    hello: { roles, listenAddrs: [] },
  }
}

describe('bootstrap decisions', () => {
  it('releases bootstrap nodes only once enough other peers are connected', () => {
    const ids = new Set(['b1'])
    const base = [peer('b1'), peer('b2', ['bootstrap'])]
    expect(otherPeers(base, ids)).toBe(0)
    expect(shouldRelease([...base, peer('a'), peer('b')], ids, 3)).toBe(false)
    expect(shouldRelease([...base, peer('a'), peer('b'), peer('c')], ids, 3)).toBe(true)
  })
})

/** Dials from `me` while moving the manual clock so the fake network's latency passes. */
async function dialNow(s: { clock: ManualClock; me: FakeNetwork }, address: string): Promise<void> {
  const d = s.me.dial(address, { kind: 'full-relay' }).catch(() => undefined)
  await s.clock.advanceAsync(50)
  await d
}

describe('Bootstrap', () => {
  async function setup(enoughPeers: number) {
    const clock = new ManualClock()
    const hub = new FakeHub(clock, 5)
    const seed = hub.add('tcp://20.0.0.1:9333', { roles: ['bootstrap'] })
    const others: FakeNetwork[] = []
    for (let i = 0; i < 5; i++) others.push(hub.add(`tcp://20.${i + 1}.0.1:9333`))
    seed.handle('get_peers', () => ({
      type: 'peers',
      data: {
        peers: others.map((o) => ({
          peerId: o.peerId,
          addrs: [o.address],
          roles: ['full'],
          lastSeen: clock.now(),
        })),
      },
    }))
    const me = hub.add('tcp://20.99.0.1:9333')
    const store = createPeerStore({ clock }, { allowNonRoutable: true })
    await store.open()
    const pex = createPeerExchange({ clock, network: me, peerStore: store })
    const boot = createBootstrap(
      { clock, network: me, peerStore: store, requestPeers: (id, m) => pex.requestPeers(id, m) },
      { addresses: [seed.address], enoughPeers, checkIntervalMs: 1_000, retryIntervalMs: 10_000 },
    )
    await pex.start()
    await boot.start()
    cleanup.push(async () => {
      await boot.stop()
      await pex.stop()
      await store.stop()
    })
    return { clock, hub, seed, others, me, store, boot }
  }

  it('asks the bootstrap node for peers, then lets it go once enough others are connected', async () => {
    const s = await setup(3)
    const released: string[][] = []
    s.boot.on('bootstrap:released', (e) => released.push([...e.peers]))
    await s.clock.advanceAsync(100)
    expect(s.me.peers().map((p) => p.peerId)).toEqual([s.seed.peerId])
    expect(
      s.store
        .listPeers()
        .map((p) => p.peerId)
        .sort(),
    ).toEqual(s.others.map((o) => o.peerId).sort())
    expect(s.boot.bootstrapPeers()).toEqual([s.seed.peerId])
    for (const o of s.others.slice(0, 2)) await dialNow(s, o.address)
    await s.clock.advanceAsync(2_000)
    expect(s.me.peers().some((p) => p.peerId === s.seed.peerId)).toBe(true) // 2 < 3: kept
    await dialNow(s, (s.others[2] as FakeNetwork).address)
    await s.clock.advanceAsync(2_000)
    expect(s.me.peers().some((p) => p.peerId === s.seed.peerId)).toBe(false)
    expect(released).toEqual([[s.seed.peerId]])
  })

  it('bootstraps again when every other peer is gone', async () => {
    const s = await setup(1)
    await s.clock.advanceAsync(100)
    await dialNow(s, (s.others[0] as FakeNetwork).address)
    await s.clock.advanceAsync(2_000)
    expect(s.me.peers().map((p) => p.peerId)).toEqual([(s.others[0] as FakeNetwork).peerId])
    await s.me.disconnect((s.others[0] as FakeNetwork).peerId)
    await s.clock.advanceAsync(12_000)
    expect(s.me.peers().map((p) => p.peerId)).toEqual([s.seed.peerId])
    expect(s.me.dials.filter((d) => d.address === s.seed.address)).toHaveLength(2)
  })

  it('until a bootstrap node has answered, it keeps trying while short of enoughPeers', async () => {
    const s = await setup(3)
    s.seed.online = false
    await s.me.disconnect(s.seed.peerId)
    // a stranger reached us first and we dialed it: 1 outbound peer, fewer than enoughPeers (3)
    await dialNow(s, (s.others[0] as FakeNetwork).address)
    s.seed.online = true
    await s.clock.advanceAsync(11_000)
    expect(s.me.peers().some((p) => p.peerId === s.seed.peerId)).toBe(true)
    expect(s.store.listPeers().length).toBe(s.others.length)

    // once it has answered, 1 outbound peer (>= minPeers) is enough not to dial it again
    await s.me.disconnect(s.seed.peerId)
    const dials = s.me.dials.filter((d) => d.address === s.seed.address).length
    await s.clock.advanceAsync(30_000)
    expect(s.me.dials.filter((d) => d.address === s.seed.address)).toHaveLength(dials)
  })

  it('an unreachable bootstrap node is retried after retryIntervalMs, and stop leaves no timer', async () => {
    const s = await setup(2)
    s.seed.online = false
    await s.me.disconnect(s.seed.peerId)
    await s.clock.advanceAsync(10_500)
    expect(s.me.dials.filter((d) => d.address === s.seed.address).length).toBeGreaterThanOrEqual(2)
    await s.boot.stop()
    const dialsAtStop = s.me.dials.length
    await s.clock.advanceAsync(60_000)
    expect(s.me.dials.length).toBe(dialsAtStop) // stopped: no more rounds
  })
})

import { describe, expect, it } from 'vitest'
import type { PeerStore } from '../src/index'
import { openStore, pid, tcp } from './helpers'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

function events(store: PeerStore, names: string[]): string[] {
  const log: string[] = []
  for (const name of names) {
    store.on(name as 'peer:added', (e: unknown) => log.push(`${name} ${JSON.stringify(e)}`))
  }
  return log
}

describe('adding addresses', () => {
  it('records the peer, its source, roles and times', async () => {
    const { store, clock } = await openStore()
    const now = clock.now()
    const added = store.addAddresses(pid(1), ['tcp://8.8.8.8:8333', 'not-an-address', 'tcp://8.8.8.8:8333'], {
      source: { peerId: pid(9), address: 'tcp://9.9.9.9:4000' },
      roles: ['full', 'validator'],
      timestamp: now - HOUR,
    })
    expect(added).toBe(1)
    const peer = store.getPeer(pid(1))
    expect(peer).toMatchObject({
      peerId: pid(1),
      roles: ['full', 'validator'],
      firstSeen: now,
      lastSeen: now - 3 * HOUR, // relayed: minus the 2 h penalty
      source: { peerId: pid(9), group: 'ipv4:9.9' },
      persistent: false,
      bootstrap: false,
      anchor: false,
    })
    expect(peer?.addresses).toHaveLength(1)
    expect(peer?.addresses[0]).toMatchObject({
      address: 'tcp://8.8.8.8:8333',
      group: 'ipv4:8.8',
      table: 'new',
      attempts: 0,
      lastSuccess: 0,
    })
    expect(store.stats()).toMatchObject({ peers: 1, newEntries: 1, triedEntries: 0 })
    await store.stop()
  })

  it('refuses non-routable addresses unless allowNonRoutable', async () => {
    const strict = await openStore()
    expect(
      strict.store.addAddresses(pid(1), ['tcp://127.0.0.1:1', 'tcp://10.0.0.1:1'], { source: 'verified' }),
    ).toBe(0)
    expect(strict.store.getPeer(pid(1))).toBeUndefined()
    expect(strict.store.addAddresses(pid(2), ['memory://a'], { source: 'verified' })).toBe(1)
    await strict.store.stop()
    const dev = await openStore({ allowNonRoutable: true })
    expect(
      dev.store.addAddresses(pid(1), ['tcp://127.0.0.1:1', 'tcp://10.0.0.1:1'], { source: 'verified' }),
    ).toBe(2)
    await dev.store.stop()
  })

  it('validates peer ids and sources', async () => {
    const { store } = await openStore()
    expect(() => store.addAddresses('', [tcp(8, 8, 8, 8)], { source: 'verified' })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_PEER_ID' }),
    )
    expect(() => store.addAddresses('has space', [tcp(8, 8, 8, 8)], { source: 'verified' })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_PEER_ID' }),
    )
    expect(() =>
      store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: { address: 'nowhere' } }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }))
    await store.stop()
  })

  it('never rebinds a known address through gossip', async () => {
    const { store } = await openStore()
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    expect(store.addAddresses(pid(2), [tcp(8, 8, 8, 8)], { source: { address: '9.9.9.9' } })).toBe(0)
    expect(store.getAddress(tcp(8, 8, 8, 8))?.peerId).toBe(pid(1))
    expect(store.getPeer(pid(2))).toBeUndefined()
    await store.stop()
  })

  it('lets one address sit in up to newBucketsPerAddress buckets, one per source group', async () => {
    // random() = 0 passes Core's stochastic test every time, so only the cap limits references.
    const { store, clock } = await openStore({ newBucketsPerAddress: 4 }, 1)
    const a = tcp(8, 8, 8, 8)
    let t = clock.now() - DAY
    for (let s = 1; s <= 40; s++) {
      t += MIN // each relay carries a fresher time, as Core requires for another reference
      store.addAddresses(pid(1), [a], { source: { address: `${20 + s}.1.1.1` }, timestamp: t })
    }
    const info = store.getAddress(a)
    expect(info?.buckets.length).toBeGreaterThan(1)
    expect(info?.buckets.length).toBeLessThanOrEqual(4)
    expect(new Set(info?.buckets).size).toBe(info?.buckets.length)
    expect(store.stats().newEntries).toBe(info?.buckets.length)
    await store.stop()
  })

  it('keeps at most maxAddressesPerPeer addresses, replacing the least recently seen never-connected one', async () => {
    const { store, clock } = await openStore()
    const log = events(store, ['peer:evicted'])
    store.addAddresses(pid(1), [tcp(8, 8, 0, 1)], { source: 'verified' })
    store.markGood(tcp(8, 8, 0, 1), pid(1))
    for (let i = 2; i <= 40; i++) {
      clock.advance(MIN)
      store.addAddresses(pid(1), [tcp(8, 8 + i, 0, 1)], { source: 'verified' })
    }
    const peer = store.getPeer(pid(1))
    expect(peer?.addresses).toHaveLength(16)
    // The connected address survives; the newest 15 gossiped ones are kept.
    const kept = new Set(peer?.addresses.map((a) => a.address))
    expect(kept.has(tcp(8, 8, 0, 1))).toBe(true)
    expect(kept.has(tcp(8, 48, 0, 1))).toBe(true)
    expect(kept.has(tcp(8, 10, 0, 1))).toBe(false)
    expect(log.filter((l) => l.includes('address-limit'))).toHaveLength(24)
    expect(store.stats().newEntries + store.stats().triedEntries).toBe(16)
    await store.stop()
  })
})

describe('promotion and test-before-evict', () => {
  // One tried slot in total: every second promotion collides.
  const tiny = {
    triedBucketCount: 1,
    triedBucketsPerGroup: 1,
    bucketSize: 1,
    newBucketCount: 4096,
    newBucketsPerSourceGroup: 64,
  }

  it('markGood moves an address to tried and resets its failures', async () => {
    const { store, clock } = await openStore()
    const log = events(store, ['peer:promoted'])
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    store.markAttempt(tcp(8, 8, 8, 8))
    store.markFailed(tcp(8, 8, 8, 8))
    expect(store.getAddress(tcp(8, 8, 8, 8))?.attempts).toBe(1)
    clock.advance(MIN)
    expect(store.markGood(tcp(8, 8, 8, 8), pid(1))).toBe('promoted')
    expect(store.markGood(tcp(8, 8, 8, 8), pid(1))).toBe('tried')
    expect(store.getAddress(tcp(8, 8, 8, 8))).toMatchObject({
      table: 'tried',
      attempts: 0,
      lastSuccess: clock.now(),
      lastAttempt: clock.now(),
    })
    expect(store.stats()).toMatchObject({ newEntries: 0, triedEntries: 1 })
    expect(log).toHaveLength(1)
    await store.stop()
  })

  it('markGood on an unknown address adds it; on an address of another peer rebinds it', async () => {
    const { store } = await openStore()
    expect(store.markGood(tcp(8, 8, 8, 8), pid(1))).toBe('promoted')
    expect(store.getPeer(pid(1))?.addresses[0]?.table).toBe('tried')
    store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })
    expect(store.markGood(tcp(9, 9, 9, 9), pid(3))).toBe('promoted')
    expect(store.getAddress(tcp(9, 9, 9, 9))?.peerId).toBe(pid(3))
    expect(store.getPeer(pid(2))).toBeUndefined()
    expect(store.markGood('tcp://10.0.0.1:1', pid(4))).toBe('ignored')
    expect(() => store.markGood('junk', pid(4))).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )
    await store.stop()
  })

  it('keeps the incumbent on a collision and queues it for a feeler', async () => {
    const { store, clock } = await openStore(tiny)
    const log = events(store, ['collision:queued', 'peer:promoted', 'peer:demoted'])
    const [a, b] = [tcp(8, 8, 8, 8), tcp(9, 9, 9, 9)]
    store.addAddresses(pid(1), [a], { source: 'verified' })
    store.addAddresses(pid(2), [b], { source: 'verified' })
    expect(store.markGood(a, pid(1))).toBe('promoted')
    clock.advance(5 * HOUR) // an incumbent good within replacementMs would simply be kept
    expect(store.markGood(b, pid(2))).toBe('collision')
    expect(store.getAddress(a)?.table).toBe('tried')
    expect(store.getAddress(b)?.table).toBe('new')
    expect(store.stats().triedCollisions).toBe(1)
    expect(store.selectTriedCollision()).toMatchObject({
      peerId: pid(1),
      address: a,
      candidate: { peerId: pid(2), address: b },
    })
    // The feeler tests the incumbent first.
    expect(store.selectFeeler()).toMatchObject({ address: a, reason: 'collision', table: 'tried' })
    expect(log.filter((l) => l.startsWith('collision:queued'))).toHaveLength(1)
    await store.stop()
  })

  it('resolves: an incumbent that answers the feeler stays', async () => {
    const { store, clock } = await openStore(tiny)
    const [a, b] = [tcp(8, 8, 8, 8), tcp(9, 9, 9, 9)]
    store.markGood(a, pid(1))
    clock.advance(5 * HOUR)
    store.addAddresses(pid(2), [b], { source: 'verified' })
    expect(store.markGood(b, pid(2))).toBe('collision')
    store.markAttempt(a)
    store.markGood(a, pid(1)) // the feeler reached it
    store.resolveCollisions()
    expect(store.stats().triedCollisions).toBe(0)
    expect(store.getAddress(a)?.table).toBe('tried')
    expect(store.getAddress(b)?.table).toBe('new')
    await store.stop()
  })

  it('resolves: an incumbent that fails the feeler is evicted after a minute', async () => {
    const { store, clock } = await openStore(tiny)
    const log = events(store, ['peer:demoted', 'peer:promoted'])
    const [a, b] = [tcp(8, 8, 8, 8), tcp(9, 9, 9, 9)]
    store.markGood(a, pid(1))
    clock.advance(5 * HOUR) // its last success is now older than replacementMs (4 h)
    store.addAddresses(pid(2), [b], { source: 'verified' })
    expect(store.markGood(b, pid(2))).toBe('collision')
    store.markAttempt(a)
    store.markFailed(a)
    clock.advance(30_000)
    store.resolveCollisions()
    expect(store.getAddress(a)?.table).toBe('tried') // a dial gets a minute to finish
    clock.advance(31_000)
    store.resolveCollisions()
    expect(store.getAddress(b)?.table).toBe('tried')
    expect(store.getAddress(a)?.table).toBe('new')
    expect(store.stats().triedCollisions).toBe(0)
    expect(log.some((l) => l.startsWith('peer:demoted') && l.includes('8.8.8.8'))).toBe(true)
    await store.stop()
  })

  it('resolves: an untested collision evicts the incumbent after the test window', async () => {
    const { store, clock } = await openStore(tiny)
    const [a, b] = [tcp(8, 8, 8, 8), tcp(9, 9, 9, 9)]
    store.markGood(a, pid(1))
    clock.advance(5 * HOUR)
    store.addAddresses(pid(2), [b], { source: 'verified' })
    store.markGood(b, pid(2))
    clock.advance(39 * MIN)
    store.resolveCollisions()
    expect(store.getAddress(b)?.table).toBe('new')
    clock.advance(2 * MIN)
    store.resolveCollisions()
    expect(store.getAddress(b)?.table).toBe('tried')
    await store.stop()
  })

  it('evicts at once when testBeforeEvict is off, and bounds the collision queue', async () => {
    const off = await openStore({ ...tiny, testBeforeEvict: false })
    off.store.markGood(tcp(8, 8, 8, 8), pid(1))
    expect(off.store.markGood(tcp(9, 9, 9, 9), pid(2))).toBe('promoted')
    expect(off.store.getAddress(tcp(8, 8, 8, 8))?.table).toBe('new')
    await off.store.stop()

    const { store } = await openStore({ ...tiny, maxTriedCollisions: 3 })
    store.markGood(tcp(8, 8, 8, 8), pid(1))
    for (let i = 0; i < 10; i++) {
      store.addAddresses(pid(10 + i), [tcp(20 + i, 1, 1, 1)], { source: 'verified' })
      expect(store.markGood(tcp(20 + i, 1, 1, 1), pid(10 + i))).toBe('collision')
    }
    expect(store.stats().triedCollisions).toBe(3)
    await store.stop()
  })
})

describe('terrible addresses', () => {
  // A new table of one slot: every address competes for it.
  const oneSlot = { newBucketCount: 1, newBucketsPerSourceGroup: 1, bucketSize: 1, triedBucketCount: 64 }
  /** For tests that run a month of virtual time: daily timers instead of a flush every 2 s (1.3 M firings). */
  const monthly = { flushIntervalMs: DAY, maintenanceIntervalMs: DAY }

  it('a fresh occupant keeps its slot; one unheard of for 30 days is replaced', async () => {
    const { store, clock } = await openStore({ ...oneSlot, ...monthly })
    const log = events(store, ['peer:evicted'])
    expect(store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })).toBe(1)
    expect(store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })).toBe(0)
    clock.advance(31 * DAY)
    expect(store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })).toBe(1)
    expect(store.getPeer(pid(1))).toBeUndefined()
    expect(log[0]).toContain('"reason":"collision"')
    await store.stop()
  })

  it('an address that never connected after 3 counted failures is replaced, but not within a minute of a try', async () => {
    const { store, clock } = await openStore(oneSlot)
    const a = tcp(8, 8, 8, 8)
    store.addAddresses(pid(1), [a], { source: 'verified' })
    for (let i = 0; i < 3; i++) {
      store.markFailed(a)
      clock.advance(MIN)
      store.markGood(tcp(30 + i, 1, 1, 1), pid(100 + i)) // success elsewhere: the next failure counts
    }
    expect(store.getAddress(a)?.attempts).toBe(3)
    store.markAttempt(a)
    expect(store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })).toBe(0) // tried in the last minute
    clock.advance(2 * MIN)
    expect(store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })).toBe(1)
    expect(store.getAddress(a)).toBeUndefined()
    await store.stop()
  })

  it('sampleAddresses for peer exchange leaves terrible addresses out', async () => {
    const { store, clock } = await openStore(monthly)
    for (let i = 0; i < 100; i++) store.addAddresses(pid(i), [tcp(20 + i, 1, 1, 1)], { source: 'verified' })
    const placed = store.stats().newEntries
    expect(placed).toBeGreaterThan(95)
    expect(store.sampleAddresses({ maxPercent: 100 })).toHaveLength(placed)
    expect(store.sampleAddresses({ maxPercent: 23 })).toHaveLength(Math.floor(placed * 0.23))
    expect(store.sampleAddresses({ max: 5 })).toHaveLength(5)
    clock.advance(31 * DAY)
    expect(store.sampleAddresses({ maxPercent: 100 })).toHaveLength(0)
    await store.stop()
  })
})

describe('selectForDial', () => {
  it('backs off exponentially with counted failures', async () => {
    const { store, clock } = await openStore({ dialBackoffBaseMs: MIN, dialBackoffMaxMs: 16 * MIN })
    const a = tcp(8, 8, 8, 8)
    store.addAddresses(pid(1), [a], { source: 'verified' })
    const selectable = (): boolean => store.selectForDial(10).some((c) => c.address === a)
    expect(selectable()).toBe(true)
    store.markAttempt(a)
    expect(selectable()).toBe(false) // an attempt in progress waits the base interval
    store.markFailed(a) // attempts 1: 2 minutes
    clock.advance(2 * MIN - 1)
    expect(selectable()).toBe(false)
    clock.advance(1)
    expect(selectable()).toBe(true)
    // A second failure with no success anywhere in between is not counted (our own link may be down).
    store.markFailed(a)
    expect(store.getAddress(a)?.attempts).toBe(1)
    store.markGood(tcp(9, 9, 9, 9), pid(2))
    store.markFailed(a) // attempts 2: 4 minutes
    clock.advance(4 * MIN - 1)
    expect(selectable()).toBe(false)
    clock.advance(1)
    expect(selectable()).toBe(true)
    for (let i = 0; i < 6; i++) {
      clock.advance(1)
      store.markGood(tcp(9, 9, 9, 9), pid(2))
      store.markFailed(a)
    }
    expect(store.getAddress(a)?.attempts).toBe(8)
    clock.advance(16 * MIN) // capped at dialBackoffMaxMs
    expect(selectable()).toBe(true)
    await store.stop()
  })

  it('returns one address per group, then repeats groups only when nothing else is left', async () => {
    const { store } = await openStore()
    // 3 groups: 8.8/16 with 5 peers, 9.9/16 with 5 peers, one IPv6 /32 with 5 peers.
    for (let i = 0; i < 5; i++) {
      store.addAddresses(pid(`a${i}`), [tcp(8, 8, i, 1)], { source: 'verified' })
      store.addAddresses(pid(`b${i}`), [tcp(9, 9, i, 1)], { source: 'verified' })
      store.addAddresses(pid(`c${i}`), [`tcp://[2a01:4f8:${i}::1]:8333`], { source: 'verified' })
    }
    const picks = store.selectForDial(8)
    expect(picks).toHaveLength(8)
    expect(new Set(picks.slice(0, 3).map((p) => p.group))).toEqual(
      new Set(['ipv4:8.8', 'ipv4:9.9', 'ipv6:2a01:4f8']),
    )
    expect(new Set(picks.map((p) => p.peerId)).size).toBe(8)
    // Five addresses of one group from one source share a bucket, so two may collide on a slot.
    expect(store.selectForDial(100)).toHaveLength(store.stats().newEntries)
    expect(store.stats().newEntries).toBeGreaterThanOrEqual(13)
    await store.stop()
  })

  it('avoids excluded peers and the groups of their addresses', async () => {
    const { store } = await openStore()
    store.addAddresses(pid(1), [tcp(8, 8, 1, 1)], { source: 'verified' })
    store.addAddresses(pid(2), [tcp(8, 8, 2, 2)], { source: 'verified' })
    store.addAddresses(pid(3), [tcp(9, 9, 1, 1)], { source: 'verified' })
    store.addAddresses(pid(4), [tcp(7, 7, 1, 1)], { source: 'verified' })
    const picks = store.selectForDial(2, { exclude: [pid(1), 'tcp://7.7.200.200:5555'] })
    // 9.9 is the one group nothing excludes, so it comes first; the second pick repeats an excluded group
    // (8.8 or 7.7: a random draw) but is never the excluded peer.
    expect(picks).toHaveLength(2)
    expect(picks[0]?.peerId).toBe(pid(3))
    expect([pid(2), pid(4)]).toContain(picks[1]?.peerId)
    // Strictly diverse picks first: 8.8 is covered by the connection to peer 1, so 9.9 comes before it.
    expect(store.selectForDial(1, { exclude: [pid(1), '7.7.7.7'] })[0]?.peerId).toBe(pid(3))
    await store.stop()
  })

  it('filters by roles and prefers tried according to triedBias', async () => {
    const { store } = await openStore({ triedBias: 1 })
    for (let i = 0; i < 20; i++) {
      store.addAddresses(pid(i), [tcp(20 + i, 1, 1, 1)], {
        source: 'verified',
        roles: i < 10 ? ['full'] : ['light'],
      })
    }
    for (let i = 0; i < 5; i++) expect(store.markGood(tcp(20 + i, 1, 1, 1), pid(i))).toBe('promoted')
    const picks = store.selectForDial(5, { now: Date.UTC(2030, 0) })
    expect(picks.every((p) => p.table === 'tried')).toBe(true)
    const light = store.selectForDial(20, { roles: ['light'], now: Date.UTC(2030, 0) })
    expect(light).toHaveLength(10)
    const lightIds = new Set(Array.from({ length: 10 }, (_, i) => pid(10 + i)))
    expect(light.every((p) => lightIds.has(p.peerId))).toBe(true)
    expect(() => store.selectForDial(-1)).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    )
    await store.stop()
  })

  it('selectFeeler returns a new-table address, never a tried one', async () => {
    const { store } = await openStore()
    store.markGood(tcp(8, 8, 8, 8), pid(1))
    expect(store.selectFeeler()).toBeUndefined()
    store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })
    expect(store.selectFeeler()).toMatchObject({ address: tcp(9, 9, 9, 9), reason: 'new', table: 'new' })
    await store.stop()
  })
})

describe('peers', () => {
  it('updatePeer applies a verified hello; removePeer deletes everything', async () => {
    const { store } = await openStore()
    const log = events(store, ['peer:removed'])
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified', roles: ['light'] })
    expect(
      store.updatePeer(pid(1), {
        roles: ['full'],
        protocolVersion: 3,
        userAgent: 'x'.repeat(300),
        latencyMs: 100,
      }),
    ).toBe(true)
    store.updatePeer(pid(1), { latencyMs: 200 })
    expect(store.getPeer(pid(1))).toMatchObject({ roles: ['full'], protocolVersion: 3, latencyMs: 120 })
    expect(store.getPeer(pid(1))?.userAgent).toHaveLength(256)
    expect(store.updatePeer(pid(2), { roles: ['full'] })).toBe(false)
    expect(() => store.updatePeer(pid(1), { protocolVersion: -1 })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    )
    expect(store.removePeer(pid(1))).toBe(true)
    expect(store.removePeer(pid(1))).toBe(false)
    expect(store.stats()).toMatchObject({ peers: 0, newEntries: 0 })
    expect(log).toEqual([`peer:removed {"peerId":"${pid(1)}"}`])
    await store.stop()
  })

  it('pinned peers keep their record without a slot, up to maxPinnedPeers', async () => {
    const { store } = await openStore({
      newBucketCount: 1,
      newBucketsPerSourceGroup: 1,
      bucketSize: 1,
      maxPinnedPeers: 2,
    })
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified', persistent: true }) // no slot left
    expect(store.getPeer(pid(2))).toMatchObject({ persistent: true, addresses: [{ table: null }] })
    store.addAddresses(pid(3), ['wss://boot.example.com'], { source: 'verified', bootstrap: true })
    expect(store.listPeers({ bootstrap: true }).map((p) => p.peerId)).toEqual([pid(3)])
    expect(() =>
      store.addAddresses(pid(4), [tcp(7, 7, 7, 7)], { source: 'verified', persistent: true }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_PINNED_LIMIT' }))
    store.updatePeer(pid(2), { persistent: false })
    expect(store.getPeer(pid(2))).toBeUndefined()
    await store.stop()
  })
})

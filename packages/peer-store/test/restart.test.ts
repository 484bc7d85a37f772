import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock } from '@chainwire/interface/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type AddressInfo, createPeerStore, type PeerStore, type PeerStoreOptions } from '../src/index'
import { pid, randomPublicIp, seeded } from './helpers'

const HOUR = 3_600_000

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chainwire-peer-store-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

async function open(clock: ManualClock, options: PeerStoreOptions = {}): Promise<PeerStore> {
  const store = createPeerStore({ clock, random: seeded(5) }, { path: join(dir, 'peers'), ...options })
  await store.start()
  return store
}

function snapshot(
  store: PeerStore,
): Map<string, Pick<AddressInfo, 'peerId' | 'table' | 'buckets' | 'attempts' | 'lastSuccess'>> {
  const out = new Map()
  for (const peer of store.listPeers()) {
    for (const a of peer.addresses) {
      out.set(a.address, {
        peerId: a.peerId,
        table: a.table,
        buckets: a.buckets,
        attempts: a.attempts,
        lastSuccess: a.lastSuccess,
      })
    }
  }
  return out
}

describe('restart on LevelDB (classic-level)', () => {
  it('keeps entries, table positions, salt, anchors, bans and metadata', async () => {
    const clock = new ManualClock()
    const random = seeded(11)
    const first = await open(clock)
    const addresses: string[] = []
    for (let s = 0; s < 20; s++) {
      const [a, b] = randomPublicIp(random)
      const source = { peerId: pid(`s${s}`), address: `tcp://${a}.${b}.1.1:8333` }
      for (let k = 0; k < 20; k++) {
        const [w, x, y, z] = randomPublicIp(random)
        const address = `tcp://${w}.${x}.${y}.${z}:8333`
        addresses.push(address)
        first.addAddresses(pid(`${s}-${k}`), [address], { source, roles: ['full'] })
      }
    }
    for (const address of addresses.slice(0, 60)) {
      const info = first.getAddress(address)
      if (info !== undefined) first.markGood(address, info.peerId)
    }
    first.markFailed(addresses[100] as string)
    first.updatePeer(pid('0-0'), { userAgent: 'chainwire/1.0', protocolVersion: 2, latencyMs: 40 })
    first.ban('1.2.3.4', HOUR, 'flood')
    first.ban('6.6.0.0/16', 3 * HOUR)
    first.ban(pid('evil'), 2 * HOUR)
    first.discourage('5.5.5.5')
    first.discourage('wss://flaky.example.net')
    first.ban('wss://evil.example.com', HOUR)
    first.ban('memory://mallory', HOUR)
    first.putMetadata('peer-scoring', { version: 1, scores: { [pid('0-1')]: -12.5 } })
    const anchors = [0, 1].map((i) => {
      const info = first.getAddress(addresses[i] as string) as AddressInfo
      return { peerId: info.peerId, address: info.address }
    })
    first.saveAnchors(anchors)
    // Probe the salt: where does a fresh address from a fresh source land?
    const probe = 'tcp://88.77.66.55:8333'
    first.addAddresses(pid('probe'), [probe], { source: { address: '99.1.1.1' } })
    const probeBuckets = first.getAddress(probe)?.buckets
    first.removePeer(pid('probe'))
    const before = snapshot(first)
    const statsBefore = first.stats()
    expect(statsBefore.triedEntries).toBeGreaterThan(50)
    await first.stop()
    expect(clock.pending()).toBe(0)

    const second = await open(clock)
    // Anchors come first, once.
    expect(await second.getAnchors()).toEqual(anchors)
    expect(await second.getAnchors()).toEqual([])
    expect(snapshot(second)).toEqual(before)
    expect(second.stats()).toMatchObject({
      peers: statsBefore.peers,
      newEntries: statsBefore.newEntries,
      triedEntries: statsBefore.triedEntries,
      pendingWrites: 0,
    })
    expect(second.getPeer(pid('0-0'))).toMatchObject({
      userAgent: 'chainwire/1.0',
      protocolVersion: 2,
      latencyMs: 40,
      roles: ['full'],
    })
    expect(second.getAddress(addresses[100] as string)?.attempts).toBe(1)
    second.addAddresses(pid('probe'), [probe], { source: { address: '99.1.1.1' } })
    expect(second.getAddress(probe)?.buckets).toEqual(probeBuckets)
    expect(second.getMetadata('peer-scoring')).toEqual({ version: 1, scores: { [pid('0-1')]: -12.5 } })
    expect(second.isBanned('1.2.3.4')).toBe(true)
    expect(second.isBanned('6.6.7.8')).toBe(true)
    expect(second.allowPeer(pid('evil'))).toBe(false)
    expect(second.isDiscouraged('5.5.5.5')).toBe(true)
    expect(second.isDiscouraged('ws://flaky.example.net')).toBe(true)
    expect(second.isBanned('ws://evil.example.com:8080')).toBe(true)
    expect(second.allowDial('memory://mallory')).toBe(false)
    clock.advance(HOUR)
    expect(second.isBanned('1.2.3.4')).toBe(false)
    expect(second.isBanned('6.6.7.8')).toBe(true)
    await second.stop()

    // Time passes while the node is down; the remaining bans expire on the injected clock.
    clock.advance(3 * HOUR)
    const third = await open(clock)
    expect(await third.getAnchors()).toEqual([])
    expect(third.listBans()).toEqual([])
    expect(third.allowPeer(pid('evil'))).toBe(true)
    expect(third.getMetadata('peer-scoring')).toBeDefined()
    await third.stop()
  })

  it('re-buckets when the table geometry changes between runs', async () => {
    const clock = new ManualClock()
    const random = seeded(12)
    const first = await open(clock)
    for (let i = 0; i < 300; i++) {
      const [a, b, c, d] = randomPublicIp(random)
      first.addAddresses(pid(i), [`tcp://${a}.${b}.${c}.${d}:1`], {
        source: { address: `${20 + (i % 50)}.1.1.1` },
      })
    }
    const triedAddress = first.listPeers()[0]?.addresses[0]?.address as string
    first.markGood(triedAddress, first.getAddress(triedAddress)?.peerId as string)
    const before = first.stats()
    await first.stop()

    const second = await open(clock, { newBucketCount: 512, newBucketsPerSourceGroup: 32 })
    const after = second.stats()
    expect(after.triedEntries).toBe(1)
    expect(after.newEntries).toBeGreaterThan(before.newEntries * 0.9)
    for (const peer of second.listPeers()) {
      for (const a of peer.addresses) for (const b of a.buckets) expect(b).toBeLessThan(512)
    }
    await second.stop()
    const third = await open(clock, { newBucketCount: 512, newBucketsPerSourceGroup: 32 })
    expect(third.stats()).toMatchObject({ newEntries: after.newEntries, triedEntries: 1 })
    await third.stop()
  })
})

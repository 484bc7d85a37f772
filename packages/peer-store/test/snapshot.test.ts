import { describe, expect, it } from 'vitest'
import type { PeerStoreExport } from '../src/index'
import { openStore, pid, randomPublicIp, seeded, tcp } from './helpers'

/** An export without the fields that legitimately differ between two stores. */
function comparable(doc: PeerStoreExport): unknown {
  const peers = [...doc.peers].sort((a, b) => a.peerId.localeCompare(b.peerId))
  for (const p of peers) p.addresses.sort((a, b) => a.address.localeCompare(b.address))
  return { ...doc, exportedAt: 0, peers }
}

describe('JSON export and import', () => {
  it('round-trips peers, tables, stats, bans, anchors and metadata', async () => {
    const a = await openStore()
    const random = seeded(9)
    for (let i = 0; i < 60; i++) {
      const [w, x, y, z] = randomPublicIp(random)
      a.store.addAddresses(pid(i), [`tcp://${w}.${x}.${y}.${z}:8333`, `ws://${w}.${x}.${y}.${z}:8080/p2p`], {
        source: { peerId: pid('src'), address: `${30 + (i % 5)}.1.1.1` },
        roles: ['full'],
      })
    }
    for (const peer of a.store.listPeers().slice(0, 15)) {
      a.store.markGood(peer.addresses[0]?.address as string, peer.peerId)
      a.store.updatePeer(peer.peerId, { userAgent: 'cw/1', latencyMs: 12 })
    }
    const failing = a.store.listPeers()[20]?.addresses[0]?.address as string
    a.store.markFailed(failing)
    a.store.ban('9.9.0.0/16', 3_600_000, 'abuse')
    a.store.ban(pid('bad'), 3_600_000)
    a.store.discourage('7.7.7.7')
    a.store.putMetadata('scores', { [pid(1)]: 3.5 })
    const first = a.store.listPeers()[0]
    a.store.saveAnchors([
      { peerId: first?.peerId as string, address: first?.addresses[0]?.address as string },
    ])
    const exported = a.store.exportJSON()
    expect(exported.format).toBe('chainwire-peer-store')
    expect(JSON.stringify(exported)).not.toContain('salt')

    // Same salt: positions reproduce exactly. The text form goes through JSON like an operator's file would.
    const b = await openStore()
    const summary = b.store.importJSON(JSON.stringify(exported))
    expect(summary).toMatchObject({ peers: 60, dropped: 0, bans: 2 })
    expect(comparable(b.store.exportJSON())).toEqual(comparable(exported))
    expect(b.store.getAddress(failing)?.attempts).toBe(1)
    expect(b.store.stats()).toMatchObject({
      triedEntries: a.store.stats().triedEntries,
      newEntries: a.store.stats().newEntries,
      pendingWrites: expect.any(Number),
    })
    // And it is persisted like any change.
    await b.store.flush()
    expect(b.store.stats().pendingWrites).toBe(0)
    await a.store.stop()
    await b.store.stop()
  })

  it("merges by default; 'replace' clears first", async () => {
    const a = await openStore()
    a.store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    const doc = a.store.exportJSON()
    const b = await openStore()
    b.store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })
    b.store.importJSON(doc)
    expect(b.store.stats().peers).toBe(2)
    b.store.importJSON(doc, { mode: 'replace' })
    expect(b.store.listPeers().map((p) => p.peerId)).toEqual([pid(1)])
    await a.store.stop()
    await b.store.stop()
  })

  it('validates the whole document before changing anything', async () => {
    const { store } = await openStore()
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    const good = store.exportJSON()
    const bad: unknown[] = [
      'not json',
      '[]',
      { ...good, format: 'other' },
      { ...good, version: 2 },
      { ...good, peers: [{ ...good.peers[0], peerId: '' }] },
      { ...good, peers: [...good.peers, { ...good.peers[0], addresses: [{ address: 'udp://x' }] }] },
      { ...good, bans: [{ target: '1.2.3.4/8', kind: 'subnet', reason: '', createdAt: 0, expiresAt: 1 }] },
      { ...good, metadata: [] },
    ]
    for (const doc of bad) {
      expect(
        () => store.importJSON(doc as PeerStoreExport, { mode: 'replace' }),
        JSON.stringify(doc),
      ).toThrowError(expect.objectContaining({ code: 'ERR_IMPORT_INVALID' }))
    }
    expect(store.stats().peers).toBe(1)
    await store.stop()
  })
})

describe('metadata', () => {
  it('stores JSON values, returns copies, and enforces limits', async () => {
    const { store } = await openStore({ maxMetadataKeys: 2, maxMetadataBytes: 100 })
    const value = { a: [1, 2, 3] }
    store.putMetadata('x', value)
    value.a.push(4)
    const got = store.getMetadata<{ a: number[] }>('x')
    expect(got).toEqual({ a: [1, 2, 3] })
    ;(got as { a: number[] }).a.push(9)
    expect(store.getMetadata('x')).toEqual({ a: [1, 2, 3] })
    expect(store.getMetadata('missing')).toBeUndefined()
    store.putMetadata('y', null)
    expect(store.getMetadata('y')).toBeNull()
    const invalid = expect.objectContaining({ code: 'ERR_INVALID_METADATA' })
    expect(() => store.putMetadata('z', 1)).toThrowError(invalid) // a third key
    expect(() => store.putMetadata('x', 'a'.repeat(200))).toThrowError(invalid) // over the bytes
    expect(() => store.putMetadata('x', () => 1)).toThrowError(invalid)
    expect(() => store.putMetadata('x', 10n)).toThrowError(invalid)
    expect(() => store.putMetadata('', 1)).toThrowError(invalid)
    expect(store.deleteMetadata('y')).toBe(true)
    expect(store.deleteMetadata('y')).toBe(false)
    store.putMetadata('z', 'ok')
    expect(store.stats().metadataKeys).toBe(2)
    await store.stop()
  })
})

/**
 * Databases written before peer-store moved onto @chainwire/interface's shared rules: peer ids were then any
 * 1-128 printable ASCII characters and WebSocket paths could hold a bare `%`. Such records are valid history,
 * not corruption: the store opens, drops only what the shared rules refuse, keeps everything else in place
 * (same buckets: the built-in grouping gives every address it held the same group) and rewrites the records
 * at once.
 */
import { MemoryLevel } from 'memory-level'
import { describe, expect, it } from 'vitest'
import { openStore, pid, tcp } from './helpers'

const LEGACY_ID = 'node-7'

describe('a database of an earlier version', () => {
  it('opens; superseded peer ids, addresses, bans and anchors are dropped and rewritten, the rest kept', async () => {
    const db = new MemoryLevel<string, string>()
    const first = await openStore({ db })
    for (let i = 0; i < 20; i++) {
      first.store.addAddresses(pid(i), [tcp(20 + i, 1, 1, 1)], {
        source: { peerId: pid(99), address: '8.9.1.1' },
      })
    }
    expect(first.store.markGood(tcp(20, 1, 1, 1), pid(0))).toBe('promoted')
    first.store.ban(pid(50), 60_000)
    first.store.saveAnchors([{ peerId: pid(0), address: tcp(20, 1, 1, 1) }])
    const before = new Map(first.store.listPeers().map((p) => [p.peerId, p.addresses]))
    await first.store.stop()

    // Write what an earlier version could have: a peer whose id is not canonical, an address of a kept peer
    // with a bare '%' in its path, a source naming a legacy peer id, a ban of a legacy peer id, an anchor of one.
    await db.open()
    const record = JSON.parse((await db.get(`p/${pid(1)}`)) as string)
    const legacy = {
      ...record,
      peerId: LEGACY_ID,
      addresses: [{ ...record.addresses[0], address: tcp(77, 1, 1, 1) }],
    }
    await db.put(`p/${LEGACY_ID}`, JSON.stringify(legacy))
    record.addresses.push({ ...record.addresses[0], address: 'ws://8.7.1.1:80/a%zz', buckets: [] })
    record.addresses[0].source = { peerId: LEGACY_ID, group: record.addresses[0].source.group }
    await db.put(`p/${pid(1)}`, JSON.stringify(record))
    const ban = JSON.parse((await db.get(`b/${pid(50)}`)) as string)
    await db.put(`b/${LEGACY_ID}`, JSON.stringify({ ...ban, target: LEGACY_ID }))
    const anchors = JSON.parse((await db.get('@anchors')) as string)
    await db.put('@anchors', JSON.stringify([...anchors, { peerId: LEGACY_ID, address: tcp(77, 1, 1, 1) }]))
    await db.close()

    const second = await openStore({ db })
    const { store } = second
    expect(store.getPeer(LEGACY_ID as never)).toBeUndefined()
    expect(store.getAddress(tcp(77, 1, 1, 1))).toBeUndefined()
    expect(store.getAddress('ws://8.7.1.1:80/a%zz')).toBeUndefined()
    expect(store.getPeer(pid(1))?.addresses.map((a) => a.address)).toEqual([tcp(21, 1, 1, 1)])
    expect(store.getAddress(tcp(21, 1, 1, 1))?.source).toEqual({ group: 'ipv4:8.9' })
    expect(store.listBans().map((b) => b.target)).toEqual([pid(50)])
    // Everything else is where it was: same tables, buckets and groups.
    for (const [peerId, addresses] of before) {
      const now = store.getPeer(peerId)?.addresses ?? []
      expect(now.map((a) => [a.address, a.table, a.buckets, a.group])).toEqual(
        addresses.map((a) => [a.address, a.table, a.buckets, a.group]),
      )
    }
    expect(await store.getAnchors()).toEqual([{ peerId: pid(0), address: tcp(20, 1, 1, 1) }])
    await store.stop()

    // The records were rewritten at once: the database holds nothing the shared rules refuse.
    await db.open()
    expect(await db.get(`p/${LEGACY_ID}`)).toBeUndefined()
    expect(await db.get(`b/${LEGACY_ID}`)).toBeUndefined()
    expect(await db.get(`p/${pid(1)}`)).not.toContain('%zz')
    expect(await db.get(`p/${pid(1)}`)).not.toContain(LEGACY_ID)
    await db.close()
  })
})

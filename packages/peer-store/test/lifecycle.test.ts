import { ManualClock, MemoryMetrics } from '@chainwire/interface/testing'
import { MemoryLevel } from 'memory-level'
import { describe, expect, it, vi } from 'vitest'
import { createPeerStore, PeerStoreError } from '../src/index'
import { openStore, pid, salt, tcp } from './helpers'

describe('lifecycle', () => {
  it('leaves no timer behind after stop, and refuses calls when closed', async () => {
    const clock = new ManualClock()
    const db = new MemoryLevel<string, string>()
    const store = createPeerStore({ clock }, { db })
    expect(store.status).toBe('closed')
    expect(() => store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })).toThrowError(
      expect.objectContaining({ code: 'ERR_NOT_OPEN' }),
    )
    await Promise.all([store.start(), store.start()])
    expect(store.status).toBe('started')
    expect(clock.pending()).toBe(2)
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    await store.stop()
    await store.stop()
    expect(store.status).toBe('closed')
    expect(clock.pending()).toBe(0)
    expect(db.status).toBe('closed')
    try {
      store.getPeer(pid(1))
      expect.unreachable()
    } catch (err) {
      expect(PeerStoreError.isInstance(err)).toBe(true)
      expect((err as PeerStoreError).code).toBe('ERR_NOT_OPEN')
    }
    // It can be opened again and finds what it wrote.
    await store.open()
    expect(store.getPeer(pid(1))?.addresses).toHaveLength(1)
    expect(clock.pending()).toBe(0) // open() alone starts no timers
    await store.close()
  })

  it('defaults to an in-memory database that survives stop/start', async () => {
    const store = createPeerStore({ clock: new ManualClock() })
    await store.start()
    store.putMetadata('k', 1)
    await store.stop()
    await store.start()
    expect(store.getMetadata('k')).toBe(1)
    await store.stop()
  })

  it('rejects bad options with ERR_INVALID_OPTION', () => {
    const clock = new ManualClock()
    for (const bad of [
      { bucketSize: 0 },
      { newBucketCount: 1.5 },
      { triedBias: 2 },
      { newBucketsPerSourceGroup: 2048 },
      { path: '/tmp/x', db: new MemoryLevel<string, string>() },
      { salt: new Uint8Array(3) },
      { onCorrupt: 'ignore' as 'error' },
      { dialBackoffBaseMs: 10, dialBackoffMaxMs: 5 },
      { maxAnchors: -1 },
      { flushIntervalMs: 2 ** 31 },
      { testBeforeEvict: 'yes' as unknown as boolean },
      { groupingId: '' },
      { groupOf: 'x' as unknown as () => undefined },
      { bucketSise: 8 } as Record<string, unknown>,
    ]) {
      expect(() => createPeerStore({ clock }, bad), JSON.stringify(bad)).toThrowError(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      )
    }
    // The error names the option, nested in the message and in details.
    expect(() => createPeerStore({ clock }, { bucketSize: 0 })).toThrowError(
      expect.objectContaining({ details: expect.objectContaining({ option: 'bucketSize' }) }),
    )
    // Edges of the ranges are accepted.
    expect(() =>
      createPeerStore(
        { clock },
        { bucketSize: 4_096, newBucketsPerAddress: 64, triedBias: 0, maxAnchors: 0 },
      ),
    ).not.toThrow()
  })
})

describe('batched writes', () => {
  it('coalesces changes and writes them in one batch per interval', async () => {
    const { store, clock, db, metrics } = await openStore({ flushIntervalMs: 1_000 })
    const batch = vi.spyOn(db, 'batch')
    for (let i = 0; i < 50; i++) {
      store.addAddresses(pid(i), [tcp(20 + i, 1, 1, 1)], { source: 'verified' })
      store.markAttempt(tcp(20 + i, 1, 1, 1))
      store.markFailed(tcp(20 + i, 1, 1, 1))
    }
    store.ban('1.2.3.4')
    store.putMetadata('scores', { a: 1 })
    expect(store.stats().pendingWrites).toBe(52)
    expect(batch).not.toHaveBeenCalled()
    await clock.advanceAsync(1_000)
    expect(batch).toHaveBeenCalledTimes(1)
    expect(store.stats().pendingWrites).toBe(0)
    expect(metrics.get('peer_store_flush_records_total')).toBe(52)
    expect(JSON.parse((await db.get(`p/${pid(0)}`)) as string)).toMatchObject({
      peerId: pid(0),
      addresses: [{ address: tcp(20, 1, 1, 1), attempts: 1 }],
    })
    expect(await db.get('b/1.2.3.4')).toBeDefined()
    // Nothing changed: no write.
    await clock.advanceAsync(5_000)
    expect(batch).toHaveBeenCalledTimes(1)
    store.removePeer(pid(0))
    await store.flush()
    expect(await db.get(`p/${pid(0)}`)).toBeUndefined()
    await store.stop()
  })

  it('flushes early at maxPendingWrites and on stop', async () => {
    const { store, db } = await openStore({ maxPendingWrites: 10, flushIntervalMs: 1_000_000 })
    for (let i = 0; i < 25; i++) store.addAddresses(pid(i), [tcp(20 + i, 1, 1, 1)], { source: 'verified' })
    await new Promise((r) => setImmediate(r))
    expect(store.stats().pendingWrites).toBeLessThan(10)
    await store.stop()
    await db.open()
    let peers = 0
    for await (const key of db.keys({ gte: 'p/', lt: 'p0' })) if (key.startsWith('p/')) peers++
    expect(peers).toBe(25)
    await db.close()
  })

  it('keeps changes pending and reports when a write fails', async () => {
    const { store, db, clock, metrics } = await openStore({ flushIntervalMs: 1_000 })
    const errors: Error[] = []
    store.on('flush:error', (e) => errors.push(e))
    const batch = vi
      .spyOn(db, 'batch')
      .mockRejectedValueOnce(Object.assign(new Error('disk full'), { code: 'LEVEL_IO_ERROR' }))
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    await clock.advanceAsync(1_000)
    expect(errors).toHaveLength(1)
    expect((errors[0] as PeerStoreError).code).toBe('ERR_DB_OPEN')
    expect(metrics.get('peer_store_flush_errors_total')).toBe(1)
    expect(store.stats().pendingWrites).toBe(1)
    await clock.advanceAsync(1_000)
    expect(batch).toHaveBeenCalledTimes(2)
    expect(store.stats().pendingWrites).toBe(0)
    await store.stop()
  })
})

describe('metrics and events', () => {
  it('reports table fill, promotions and evictions', async () => {
    const metrics = new MemoryMetrics()
    const clock = new ManualClock()
    const store = createPeerStore({ clock, metrics }, { db: new MemoryLevel(), salt: salt() })
    await store.start()
    const added: string[] = []
    store.on('peer:added', (e) => added.push(e.address))
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    store.addAddresses(pid(2), [tcp(9, 9, 9, 9)], { source: 'verified' })
    store.markGood(tcp(8, 8, 8, 8), pid(1))
    store.removePeer(pid(2))
    expect(added).toEqual([tcp(8, 8, 8, 8), tcp(9, 9, 9, 9)])
    expect(metrics.get('peer_store_entries', { table: 'new' })).toBe(0)
    expect(metrics.get('peer_store_entries', { table: 'tried' })).toBe(1)
    expect(metrics.get('peer_store_peers')).toBe(1)
    expect(metrics.get('peer_store_promotions_total')).toBe(1)
    expect(metrics.get('peer_store_evictions_total', { reason: 'removed' })).toBe(1)
    await store.stop()
  })
})

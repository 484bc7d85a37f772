import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock, MemoryMetrics } from '@chainwire/interface/testing'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createPeerStore,
  destroyPeerStore,
  PeerStoreError,
  type PeerStoreErrorCode,
  type PeerStoreOptions,
  repairPeerStore,
} from '../src/index'
import { pid, tcp } from './helpers'

let dir: string
let path: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chainwire-peer-store-'))
  path = join(dir, 'peers')
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

async function expectOpenError(options: PeerStoreOptions, code: PeerStoreErrorCode): Promise<PeerStoreError> {
  const clock = new ManualClock()
  const store = createPeerStore({ clock }, options)
  try {
    await store.start()
  } catch (err) {
    expect(PeerStoreError.isInstance(err)).toBe(true)
    expect((err as PeerStoreError).code).toBe(code)
    expect(store.status).toBe('closed')
    expect(clock.pending()).toBe(0)
    return err as PeerStoreError
  }
  await store.stop()
  throw new Error(`expected ${code}`)
}

/** A store on disk with a few peers, written and closed, then reopened once so LevelDB writes table files. */
async function populate(): Promise<void> {
  for (let round = 0; round < 2; round++) {
    const store = createPeerStore({ clock: new ManualClock() }, { path })
    await store.start()
    for (let i = 0; i < 200; i++)
      store.addAddresses(pid(`${round}-${i}`), [tcp(20 + (i % 80), round, i % 250, 1)], {
        source: 'verified',
      })
    await store.stop()
  }
}

async function expectWorkingStore(options: PeerStoreOptions = { path }): Promise<void> {
  const store = createPeerStore({ clock: new ManualClock() }, options)
  await store.start()
  expect(store.stats().peers).toBe(0)
  store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
  expect(store.getPeer(pid(1))).toBeDefined()
  await store.stop()
}

describe('corrupt and foreign databases', () => {
  it('a garbled MANIFEST is ERR_DB_CORRUPT; destroyPeerStore recovers', async () => {
    await populate()
    for (const f of readdirSync(path))
      if (f.startsWith('MANIFEST-')) writeFileSync(join(path, f), 'garbage '.repeat(40))
    const err = await expectOpenError({ path }, 'ERR_DB_CORRUPT')
    expect(err.message).toContain('destroyPeerStore')
    // Opening again does not loop or crash differently: the same typed error.
    await expectOpenError({ path }, 'ERR_DB_CORRUPT')
    await destroyPeerStore(path)
    await expectWorkingStore()
  })

  it("garbled table files are ERR_DB_CORRUPT; onCorrupt: 'reset' starts empty", async () => {
    await populate()
    const tables = readdirSync(path).filter((f) => f.endsWith('.ldb'))
    expect(tables.length).toBeGreaterThan(0)
    for (const f of tables) {
      const bytes = readFileSync(join(path, f))
      for (let i = 0; i < bytes.length; i += 3) bytes[i] = (bytes[i] as number) ^ 0xa5
      writeFileSync(join(path, f), bytes)
    }
    await expectOpenError({ path }, 'ERR_DB_CORRUPT')
    const metrics = new MemoryMetrics()
    const store = createPeerStore({ clock: new ManualClock(), metrics }, { path, onCorrupt: 'reset' })
    await store.start()
    expect(store.stats().peers).toBe(0)
    expect(metrics.get('peer_store_resets_total')).toBe(1)
    store.addAddresses(pid(1), [tcp(8, 8, 8, 8)], { source: 'verified' })
    await store.stop()
    const again = createPeerStore({ clock: new ManualClock() }, { path })
    await again.start()
    expect(again.stats().peers).toBe(1)
    await again.stop()
  })

  it('an unparsable or invalid record is ERR_DB_CORRUPT naming the key', async () => {
    await populate()
    const raw = new ClassicLevel<string, string>(path)
    await raw.put(`p/${pid(1)}`, '{"peerId": truncated')
    await raw.close()
    const err = await expectOpenError({ path }, 'ERR_DB_CORRUPT')
    expect(err.details.key).toBe(`p/${pid(1)}`)

    const raw2 = new ClassicLevel<string, string>(path)
    await raw2.put(`p/${pid(1)}`, JSON.stringify({ peerId: pid(2), roles: [] }))
    await raw2.close()
    await expectOpenError({ path }, 'ERR_DB_CORRUPT')
    // LevelDB's own repair leaves the bad record in place, so the store still refuses it ...
    await repairPeerStore(path)
    await expectOpenError({ path }, 'ERR_DB_CORRUPT')
    // ... and the documented way out is destroy (or onCorrupt: 'reset').
    await destroyPeerStore(path)
    await expectWorkingStore()
  })

  it('a foreign LevelDB is ERR_DB_FOREIGN and is never wiped, even with onCorrupt: reset', async () => {
    const raw = new ClassicLevel<string, string>(path)
    await raw.batch([
      { type: 'put', key: 'user:1', value: 'alice' },
      { type: 'put', key: 'user:2', value: 'bob' },
    ])
    await raw.close()
    await expectOpenError({ path }, 'ERR_DB_FOREIGN')
    await expectOpenError({ path, onCorrupt: 'reset' }, 'ERR_DB_FOREIGN')
    const check = new ClassicLevel<string, string>(path)
    expect(await check.get('user:1')).toBe('alice')
    await check.close()
    await destroyPeerStore(path)
    await expectWorkingStore()
  })

  it('a schema record of another format is foreign; a newer version is ERR_DB_VERSION', async () => {
    const other = new MemoryLevel<string, string>()
    await other.put('@schema', JSON.stringify({ format: 'someone-else', version: 1 }))
    await expectOpenError({ db: other }, 'ERR_DB_FOREIGN')
    const newer = new MemoryLevel<string, string>()
    await newer.put('@schema', JSON.stringify({ format: 'chainwire-peer-store', version: 2 }))
    await newer.put('@salt', '00'.repeat(32))
    await expectOpenError({ db: newer }, 'ERR_DB_VERSION')
  })

  it('a missing or bad salt is corrupt; reset clears a passed-in database', async () => {
    const db = new MemoryLevel<string, string>()
    await db.put('@schema', JSON.stringify({ format: 'chainwire-peer-store', version: 1 }))
    await db.put('@salt', 'not hex')
    await db.put(`p/${pid(1)}`, '{}')
    await expectOpenError({ db }, 'ERR_DB_CORRUPT')
    await expectWorkingStore({ db, onCorrupt: 'reset' })
    await db.open() // the store closed it in stop()
    expect(await db.get('@salt')).toMatch(/^[0-9a-f]{64}$/)
    await db.close()
  })

  it('a database locked by another store is ERR_DB_OPEN', async () => {
    const first = createPeerStore({ clock: new ManualClock() }, { path })
    await first.start()
    await expectOpenError({ path, onCorrupt: 'reset' }, 'ERR_DB_OPEN')
    await first.stop()
  })
})

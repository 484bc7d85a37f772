import { formatIp, parseIp } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import fc from 'fast-check'
import { MemoryLevel } from 'memory-level'
import { describe, expect, it } from 'vitest'
import { createPeerStore, PeerStoreError, type PeerStoreExport, parseAddress } from '../src/index'
import { openStore, pid } from './helpers'

describe('decoders never throw untyped errors', () => {
  it('parseAddress: any string gives undefined or a canonical address that parses to itself', () => {
    const urlish = fc.oneof(
      fc.string(),
      fc
        .tuple(
          fc.constantFrom('tcp', 'ws', 'wss', 'memory', 'TCP', 'udp'),
          fc.oneof(
            fc.ipV4(),
            fc.ipV6().map((ip) => `[${ip}]`),
            fc.domain(),
            fc.string(),
          ),
          fc.option(fc.integer({ min: -1, max: 70_000 })),
          fc.constantFrom('', '/', '/p2p', '/a b'),
        )
        .map(([s, h, p, path]) => `${s}://${h}${p === null ? '' : `:${p}`}${path}`),
    )
    fc.assert(
      fc.property(urlish, (text) => {
        const a = parseAddress(text)
        if (a !== undefined) expect(parseAddress(a.address)?.address).toBe(a.address)
      }),
      { numRuns: 2_000 },
    )
  })

  it('IP literals round-trip through their canonical text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const bytes = parseIp(ip)
        expect(bytes).toBeDefined()
        expect(formatIp(parseIp(formatIp(bytes as Uint8Array)) as Uint8Array)).toBe(
          formatIp(bytes as Uint8Array),
        )
      }),
      { numRuns: 2_000 },
    )
  })

  it('importJSON: mutated exports are accepted or rejected with ERR_IMPORT_INVALID, nothing else', async () => {
    const { store } = await openStore()
    store.addAddresses(pid(1), ['tcp://8.8.8.8:1', 'ws://8.8.8.8:80/x'], {
      source: 'verified',
      roles: ['full'],
    })
    store.ban('9.9.0.0/16')
    store.putMetadata('k', { a: 1 })
    const base = store.exportJSON()
    const mutate = fc.tuple(fc.jsonValue(), fc.array(fc.string(), { minLength: 1, maxLength: 4 }))
    fc.assert(
      fc.property(mutate, ([value, path]) => {
        const doc = structuredClone(base) as unknown as Record<string, unknown>
        let node: Record<string, unknown> = doc
        for (const key of path.slice(0, -1)) {
          // own properties only: walking into `__proto__` would write to Object.prototype for every test after
          const next = Object.hasOwn(node, key) ? node[key] : undefined
          if (typeof next !== 'object' || next === null) break
          node = next as Record<string, unknown>
        }
        node[path[path.length - 1] as string] = value
        try {
          store.importJSON(doc as unknown as PeerStoreExport)
        } catch (err) {
          expect(PeerStoreError.isInstance(err) && err.code).toBe('ERR_IMPORT_INVALID')
        }
      }),
      { numRuns: 500 },
    )
    await store.stop()
  })

  it('open: random values under the store keys give ERR_DB_CORRUPT, never anything else', async () => {
    const key = fc.constantFrom('@state', '@anchors', `p/${pid(1)}`, 'b/1.2.3.4', 'd/1.2.3.4', 'm/x', 'zz')
    const value = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
    )
    await fc.assert(
      fc.asyncProperty(key, value, async (k, v) => {
        const db = new MemoryLevel<string, string>()
        const first = createPeerStore({ clock: new ManualClock() }, { db })
        await first.open()
        await first.stop()
        await db.open()
        await db.put(k, v)
        await db.close()
        const store = createPeerStore({ clock: new ManualClock() }, { db })
        try {
          await store.open()
          await store.stop()
        } catch (err) {
          expect(PeerStoreError.isInstance(err) && err.code).toBe('ERR_DB_CORRUPT')
        }
      }),
      { numRuns: 300 },
    )
  })
})

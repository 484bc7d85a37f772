/**
 * Custom network grouping (`groupOf`, the analogue of Bitcoin Core's asmap): every rule that counts groups
 * follows it, and a database re-buckets when the grouping changes.
 */
import { MemoryLevel } from 'memory-level'
import { describe, expect, it } from 'vitest'
import { type PeerStore, PeerStoreError } from '../src/index'
import { openStore, pid } from './helpers'

/** `memory://a<i>` are all in group `ga`, `memory://b<i>` in `gb`; `memory://fN-<i>` in `flood<N>`. */
function groupOf(address: string): string | undefined {
  const m = /^memory:\/\/([a-z]+)(\d+)?/.exec(address)
  if (m === null) return address === '44.1.0.9' ? 'flood0' : undefined
  if (m[1] === 'a' || m[1] === 'b') return `g${m[1]}`
  if (m[1] === 'f') return `flood${m[2]}`
  if (m[1] === 'sybil') return 'flood0'
  return undefined
}

/** Buckets of the new table used by the given addresses. */
function bucketsOf(store: PeerStore, addresses: readonly string[]): Set<number> {
  const out = new Set<number>()
  for (const a of addresses) for (const b of store.getAddress(a)?.buckets ?? []) out.add(b)
  return out
}

describe('custom grouping (groupOf)', () => {
  it('two memory names mapped to one group are never both selected by one selectForDial', async () => {
    const { store } = await openStore({ groupOf, allowNonRoutable: true })
    for (let i = 0; i < 10; i++) {
      store.addAddresses(pid(`a${i}`), [`memory://a${i}`], { source: 'verified' })
      store.addAddresses(pid(`b${i}`), [`memory://b${i}`], { source: 'verified' })
      store.addAddresses(pid(`c${i}`), [`memory://c${i}`], { source: 'verified' })
    }
    expect(store.getAddress('memory://a3')?.group).toBe('custom:ga')
    expect(store.getAddress('memory://c3')?.group).toBe('memory:c3')
    let sawA = 0
    for (let round = 0; round < 300; round++) {
      // 12 groups available (ga, gb and ten built-in ones): 6 picks never need to repeat one
      const picks = store.selectForDial(6)
      expect(picks).toHaveLength(6)
      expect(new Set(picks.map((p) => p.group)).size).toBe(6)
      const as = picks.filter((p) => p.address.startsWith('memory://a')).length
      const bs = picks.filter((p) => p.address.startsWith('memory://b')).length
      expect(as).toBeLessThanOrEqual(1)
      expect(bs).toBeLessThanOrEqual(1)
      sawA += as
    }
    expect(sawA).toBeGreaterThan(0)
    await store.stop()
  })

  it('allowGroupRepeats: false returns fewer candidates rather than repeat a group or take an excluded one', async () => {
    const { store } = await openStore({ groupOf, allowNonRoutable: true })
    for (let i = 0; i < 10; i++) {
      store.addAddresses(pid(`a${i}`), [`memory://a${i}`], { source: 'verified' })
      store.addAddresses(pid(`b${i}`), [`memory://b${i}`], { source: 'verified' })
    }
    store.addAddresses(pid('c1'), ['memory://c1'], { source: 'verified' })
    // 3 groups: ga, gb and memory:c1
    expect(store.selectForDial(8)).toHaveLength(8)
    for (let round = 0; round < 50; round++) {
      const picks = store.selectForDial(8, { allowGroupRepeats: false })
      expect(picks.map((p) => p.group).sort()).toEqual(['custom:ga', 'custom:gb', 'memory:c1'])
      const excluded = store.selectForDial(8, { allowGroupRepeats: false, exclude: ['memory://b4'] })
      expect(excluded.map((p) => p.group).sort()).toEqual(['custom:ga', 'memory:c1'])
    }
    await store.stop()
  })

  it('exclusions count custom groups: an address or a peer id excludes its whole group', async () => {
    const { store } = await openStore({ groupOf, allowNonRoutable: true })
    for (let i = 0; i < 10; i++) {
      store.addAddresses(pid(`a${i}`), [`memory://a${i}`], { source: 'verified' })
      store.addAddresses(pid(`c${i}`), [`memory://c${i}`], { source: 'verified' })
    }
    for (let round = 0; round < 100; round++) {
      for (const exclude of [['memory://a7'], [pid('a2')]]) {
        const picks = store.selectForDial(8, { exclude })
        expect(picks.some((p) => p.group === 'custom:ga')).toBe(false)
        const feeler = store.selectFeeler({ exclude })
        expect(feeler?.group).not.toBe('custom:ga')
      }
    }
    await store.stop()
  })

  it('a flood from one source group lands in the buckets of its few groups, however many names it sends', async () => {
    const flood = (store: PeerStore, sources: number) => {
      const addrs: string[] = []
      for (let s = 0; s < sources; s++) {
        const batch = Array.from({ length: 1_000 }, (_, i) => `memory://f${i % 4}-s${s}x${i}`)
        for (let k = 0; k < batch.length; k += 16) {
          // every source is its own memory name, but all of them are in group flood0
          store.addAddresses(pid(`f${s}-${k}`), batch.slice(k, k + 16), {
            source: { address: `memory://sybil${s}` },
          })
        }
        addrs.push(...batch)
      }
      return addrs
    }
    const custom = await openStore({ groupOf, allowNonRoutable: true })
    const sent = flood(custom.store, 5)
    const kept = sent.filter((a) => custom.store.getAddress(a) !== undefined)
    const used = bucketsOf(custom.store, sent)
    // 4 address groups from 1 source group: exactly 4 buckets, at most 4 x 64 entries
    expect(used.size).toBeLessThanOrEqual(4)
    expect(kept.length).toBeLessThanOrEqual(4 * 64)
    expect(custom.store.getAddress(kept[0] as string)?.source.group).toBe('custom:flood0')

    // the same flood with the built-in grouping (every memory name its own group) spreads much further
    const builtin = await openStore({ allowNonRoutable: true })
    flood(builtin.store, 5)
    expect(builtin.store.stats().newBucketsInUse).toBeGreaterThan(4 * 5)
    expect(builtin.store.stats().newEntries).toBeGreaterThan(4 * 64 * 4)
    await custom.store.stop()
    await builtin.store.stop()
  })

  it('sources and exclusions given as bare IPs go through groupOf too', async () => {
    const seen: string[] = []
    const { store } = await openStore({
      allowNonRoutable: true,
      groupOf: (address) => {
        seen.push(address)
        return groupOf(address)
      },
    })
    store.addAddresses(pid(1), ['memory://c1'], { source: { address: '44.1.0.9' } })
    expect(store.getAddress('memory://c1')?.source.group).toBe('custom:flood0')
    store.addAddresses(pid(2), ['tcp://44.1.0.10:9333'], { source: { address: '44.2.0.1' } })
    // undefined falls back to the built-in grouping
    expect(store.getAddress('tcp://44.1.0.10:9333')?.source.group).toBe('ipv4:44.2')
    expect(store.getAddress('tcp://44.1.0.10:9333')?.group).toBe('ipv4:44.1')
    expect(seen).toContain('44.1.0.9')
    expect(seen).toContain('tcp://44.1.0.10:9333')
    await store.stop()
  })

  it('groups are recomputed at load; a changed grouping re-buckets the new table', async () => {
    const db = new MemoryLevel<string, string>()
    const first = await openStore({ groupOf, allowNonRoutable: true, db })
    const sent: string[] = []
    for (let k = 0; k < 400; k += 16) {
      const batch = Array.from({ length: 16 }, (_, i) => `memory://f0-${k + i}`)
      first.store.addAddresses(pid(`f${k}`), batch, { source: { address: 'memory://sybil1' } })
      sent.push(...batch)
    }
    first.store.addAddresses(pid('a1'), ['memory://a1'], { source: 'verified' })
    expect(first.store.markGood('memory://a1', pid('a1'))).toBe('promoted')
    const before = bucketsOf(first.store, sent)
    expect(before.size).toBe(1)
    await first.store.stop()

    // the same grouping: the same buckets and groups
    const same = await openStore({ groupOf, allowNonRoutable: true, db })
    expect(bucketsOf(same.store, sent)).toEqual(before)
    expect(same.store.getAddress('memory://a1')).toMatchObject({ group: 'custom:ga', table: 'tried' })
    await same.store.stop()

    // no custom grouping any more: every name is its own group again, and the flood is re-bucketed
    const builtin = await openStore({ allowNonRoutable: true, db })
    expect(builtin.store.getAddress('memory://a1')).toMatchObject({ group: 'memory:a1', table: 'tried' })
    const kept = sent.filter((a) => builtin.store.getAddress(a) !== undefined)
    expect(kept.length).toBeGreaterThan(0)
    for (const a of kept) expect(builtin.store.getAddress(a)?.group).toBe(`memory:${a.slice(9)}`)
    expect(bucketsOf(builtin.store, kept).size).toBeGreaterThan(1)
    // the stored source group stays what it was when the address was relayed
    expect(builtin.store.getAddress(kept[0] as string)?.source.group).toBe('custom:flood0')
    await builtin.store.stop()

    // a new groupingId with the same function counts as a changed grouping too
    const renamed = await openStore({ groupOf, groupingId: 'map-v2', allowNonRoutable: true, db })
    expect(renamed.store.getAddress('memory://a1')?.group).toBe('custom:ga')
    await renamed.store.stop()
  })

  it('checks the option and what it returns', async () => {
    await expect(openStore({ groupOf: 'x' as unknown as () => undefined })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    })
    await expect(openStore({ groupingId: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    const { store } = await openStore({
      allowNonRoutable: true,
      groupOf: (address) => (address.includes('bad') ? '' : undefined),
    })
    let err: unknown
    try {
      store.addAddresses(pid(1), ['memory://bad1'], { source: 'verified' })
    } catch (e) {
      err = e
    }
    expect(PeerStoreError.isInstance(err)).toBe(true)
    expect((err as PeerStoreError).code).toBe('ERR_INVALID_OPTION')
    await store.stop()
  })
})

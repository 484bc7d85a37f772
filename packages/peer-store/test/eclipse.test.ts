import { describe, expect, it } from 'vitest'
import type { PeerStore } from '../src/index'
import { dialPicks, openStore, pid, randomPublicIp, seeded } from './helpers'

/**
 * An attacker tries to fill our address book (and so our outbound slots) with its own nodes: it relays
 * 10,000 addresses through one source in one /16, while 100 honest sources relay 1,000 addresses spread
 * over the whole IPv4 space. Deterministic: fixed salt and seeded randomness.
 */

const ATTACKER_SOURCE = { peerId: pid('cwattackersource'), address: 'tcp://66.66.1.1:8333' }
const ATTACKER_GROUPS = [71, 72, 73, 74] // the attacker's own /16s: 77.71.0.0/16 ... 77.74.0.0/16

function attackerAddress(i: number, random: () => number): string {
  const b = ATTACKER_GROUPS[i % ATTACKER_GROUPS.length] as number
  return `tcp://77.${b}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}:${1024 + (i % 50_000)}`
}

function feed(
  store: PeerStore,
  attackerAddresses: (i: number) => string,
): {
  attacker: Set<string>
  honest: Set<string>
} {
  const random = seeded(42)
  const attacker = new Set<string>()
  const honest = new Set<string>()
  let a = 0
  for (let s = 0; s < 100; s++) {
    // Interleave: 100 attacker messages of 100 addresses, 100 honest sources of 10 addresses.
    for (let k = 0; k < 100; k++, a++) {
      const address = attackerAddresses(a)
      attacker.add(address)
      store.addAddresses(pid(`cwattacker${a}`), [address], { source: ATTACKER_SOURCE })
    }
    const [sa, sb, sc, sd] = randomPublicIp(random)
    const source = { peerId: pid(`cwhonestsource${s}`), address: `tcp://${sa}.${sb}.${sc}.${sd}:8333` }
    for (let k = 0; k < 10; k++) {
      const [x, y, z, w] = randomPublicIp(random)
      const address = `tcp://${x}.${y}.${z}.${w}:8333`
      honest.add(address)
      store.addAddresses(pid(`cwhonest${s}x${k}`), [address], { source })
    }
  }
  return { attacker, honest }
}

function placement(
  store: PeerStore,
  addresses: Iterable<string>,
): { entries: number; perBucket: Map<number, number> } {
  const perBucket = new Map<number, number>()
  let entries = 0
  for (const address of addresses) {
    const info = store.getAddress(address)
    if (info?.table !== 'new') continue
    entries++
    for (const b of info.buckets) perBucket.set(b, (perBucket.get(b) ?? 0) + 1)
  }
  return { entries, perBucket }
}

describe('eclipse resistance', () => {
  it('one source in one /16 relaying 10,000 addresses from 4 /16s holds a bounded minority', async () => {
    const random = seeded(7)
    const { store, clock } = await openStore()
    const { attacker, honest } = feed(store, (i) => attackerAddress(i, random))
    expect(attacker.size).toBe(10_000)

    const stats = store.stats()
    const att = placement(store, attacker)
    const hon = placement(store, honest)
    // At most one bucket per (address /16, source /16) pair, so at most 4 buckets of 64 slots.
    expect(att.perBucket.size).toBeLessThanOrEqual(ATTACKER_GROUPS.length)
    expect(Math.max(...att.perBucket.values())).toBeLessThanOrEqual(64)
    expect(att.entries).toBeLessThanOrEqual(ATTACKER_GROUPS.length * 64)
    const share = att.entries / stats.newEntries
    expect(share).toBeLessThan(0.25)
    expect(hon.entries).toBeGreaterThan(950)
    console.log(
      `eclipse: attacker ${att.entries} of ${stats.newEntries} new entries (${(share * 100).toFixed(1)} %) in ` +
        `${att.perBucket.size} buckets (max ${Math.max(...att.perBucket.values())} per bucket); honest ${hon.entries} of ${honest.size}`,
    )

    // Dialing: 8 outbound picks from 8 different groups; the attacker rarely gets one.
    const now = clock.now()
    const picks = store.selectForDial(8, { now })
    expect(picks).toHaveLength(8)
    expect(new Set(picks.map((p) => p.group)).size).toBeGreaterThanOrEqual(6)
    const { picks: total, hits: attackerPicks, share: pickShare } = dialPicks(store, attacker)
    expect(pickShare).toBeLessThan(0.05)
    console.log(
      `eclipse: attacker got ${attackerPicks} of ${total} dial picks (${(pickShare * 100).toFixed(2)} %)`,
    )
    await store.stop()
  })

  it('one source spreading 10,000 addresses over 10,000 /16s still reaches at most 64 buckets (6.25 %)', async () => {
    const { store } = await openStore()
    const spread = (i: number): string => `tcp://${11 + (i % 80)}.${Math.floor(i / 80) % 256}.9.9:8333`
    const { attacker } = feed(store, spread)
    const att = placement(store, attacker)
    expect(att.perBucket.size).toBeLessThanOrEqual(64)
    expect(att.entries).toBeLessThanOrEqual(64 * 64)
    expect(att.entries / (1024 * 64)).toBeLessThanOrEqual(0.0625)
    // Entries are not picks: selection is uniform over non-empty buckets, and the attacker has at most 64.
    const stats = store.stats()
    const { picks: total, hits: attackerPicks, share: pickShare } = dialPicks(store, attacker)
    expect(pickShare).toBeLessThan(0.15)
    console.log(
      `eclipse (spread): attacker ${att.entries} of ${stats.newEntries} new entries in ${att.perBucket.size} of ` +
        `${stats.newBucketsInUse} buckets; ${attackerPicks} of ${total} dial picks (${(pickShare * 100).toFixed(2)} %)`,
    )
    await store.stop()
  })

  it('one peer id announcing 10,000 addresses keeps at most 16', async () => {
    const { store } = await openStore()
    const random = seeded(3)
    for (let i = 0; i < 10_000; i++) {
      store.addAddresses(pid('cwgreedy'), [attackerAddress(i, random)], { source: ATTACKER_SOURCE })
    }
    expect(store.getPeer(pid('cwgreedy'))?.addresses.length).toBeLessThanOrEqual(16)
    await store.stop()
  })
})

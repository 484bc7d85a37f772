import { describe, expect, it } from 'vitest'
import type { AddressOrigin, PeerStore } from '../src/index'
import { dialPicks, openStore, pid, randomPublicIp, seeded } from './helpers'

/**
 * Every address is filed under a source, and the store never guesses one: an address a connected peer
 * announced for itself counts against the network group of the connection it came over, not the groups it
 * claims, so inbound peers from one /16 cannot spread their claims over the whole new table.
 */

const ATTACKERS = 625 // identities, each announcing 16 listen addresses: 10,000 addresses
const CLAIMS_PER_PEER = 16

/** Attacker `i`'s connection: all from one /16 (66.66.0.0/16). */
const attackerRemote = (i: number): string => `tcp://66.66.${1 + (i >> 7)}.${1 + (i & 127)}:40000`

/** The 16 listen addresses attacker `i` claims: each in a /16 of its own (10,000 distinct /16s). */
function claims(i: number): string[] {
  return Array.from({ length: CLAIMS_PER_PEER }, (_, j) => {
    const n = i * CLAIMS_PER_PEER + j
    return `tcp://${1 + (n % 99)}.${(n >> 7) & 255}.7.${1 + (n % 250)}:8333`
  })
}

/** Files the attack with `origin(i)` as the source of attacker `i`'s claims, plus 1,000 honest relayed addresses. */
function feed(store: PeerStore, origin: (i: number) => AddressOrigin): { attacker: Set<string> } {
  const random = seeded(5)
  const attacker = new Set<string>()
  for (let i = 0; i < ATTACKERS; i++) {
    for (const a of claims(i)) attacker.add(a)
    store.addAddresses(pid(`cwsybil${i}`), claims(i), { source: origin(i) })
    if (i % 6 === 0 && i / 6 < 100) {
      // 100 honest sources spread over the IPv4 space relay 10 addresses each, interleaved with the attack
      const [sa, sb, sc, sd] = randomPublicIp(random)
      const source = { peerId: pid(`cwhonestsource${i}`), address: `tcp://${sa}.${sb}.${sc}.${sd}:8333` }
      for (let k = 0; k < 10; k++) {
        const [x, y, z, w] = randomPublicIp(random)
        store.addAddresses(pid(`cwhonest${i}x${k}`), [`tcp://${x}.${y}.${z}.${w}:8333`], { source })
      }
    }
  }
  return { attacker }
}

function measure(store: PeerStore, attacker: Set<string>): { buckets: number; share: number; picks: number } {
  const buckets = new Set<number>()
  for (const a of attacker) for (const b of store.getAddress(a)?.buckets ?? []) buckets.add(b)
  const { picks, share } = dialPicks(store, attacker)
  return { buckets: buckets.size, share, picks }
}

describe('address sources', () => {
  it('refuses an insert without a source with ERR_MISSING_SOURCE, and files verified addresses under their own group', async () => {
    const { store } = await openStore()
    const add = (options: unknown) => () =>
      store.addAddresses(pid(1), ['tcp://8.8.8.8:8333'], options as Parameters<PeerStore['addAddresses']>[2])
    for (const options of [
      undefined,
      {},
      { source: undefined },
      { source: 'self' },
      { source: { peerId: 'x' } },
    ]) {
      expect(add(options)).toThrowError(expect.objectContaining({ code: 'ERR_MISSING_SOURCE' }))
    }
    expect(store.stats().peers).toBe(0)
    expect(add({ source: { address: 'not an address' } })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_ADDRESS' }),
    )

    expect(store.addAddresses(pid(1), ['tcp://8.8.8.8:8333'], { source: 'verified' })).toBe(1)
    expect(store.getAddress('tcp://8.8.8.8:8333')?.source).toEqual({ group: 'ipv4:8.8' })
    // a peer's own announcement over its connection: filed under the connection's group, with its peer id
    store.addAddresses(pid(2), ['tcp://9.9.9.9:8333'], {
      source: { peerId: pid(2), address: 'tcp://5.5.1.1:50123' },
    })
    expect(store.getAddress('tcp://9.9.9.9:8333')?.source).toEqual({ peerId: pid(2), group: 'ipv4:5.5' })
    await store.stop()
  })

  it(`${ATTACKERS} inbound peers from one /16 announcing 10,000 listen addresses in 10,000 /16s reach at most 64 new buckets`, async () => {
    const { store } = await openStore({}, 3)
    const { attacker } = feed(store, (i) => ({ peerId: pid(`cwsybil${i}`), address: attackerRemote(i) }))
    expect(attacker.size).toBe(ATTACKERS * CLAIMS_PER_PEER)
    const filed = measure(store, attacker)
    // one source group reaches newBucketsPerSourceGroup (64) buckets of 1,024, whatever groups it claims
    expect(filed.buckets).toBeLessThanOrEqual(64)
    expect(filed.share).toBeLessThan(0.15)

    // The same claims filed under their own groups (what a store that guessed the source did) spread over the
    // whole table and win most dial picks: the bound above is what the source buys.
    const { store: guessing } = await openStore({}, 3)
    feed(guessing, () => 'verified')
    const spread = measure(guessing, attacker)
    expect(spread.buckets).toBeGreaterThan(900)
    expect(spread.share).toBeGreaterThan(0.6)
    console.log(
      JSON.stringify({
        attackerAddresses: attacker.size,
        filedUnderSource: filed,
        filedUnderOwnGroup: spread,
      }),
    )
    await store.stop()
    await guessing.stop()
  })
})

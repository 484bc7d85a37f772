/**
 * A NATed population in netsim (see helpers/nat-population.ts: 5% public relays, 60% behind NATs of four
 * types, 70% of them endpoint-independent): the relay roles, hole punching and connection candidates of this
 * package over simulated links with NAT models. The 1,000-node run is `netsim-nat.scale.test.ts` and
 * `pnpm bench nat`.
 */
import { describe, expect, it } from 'vitest'
import { runNatPopulation, summarizeNatPopulation } from './helpers/nat-population'
import { expectNatPopulationHolds } from './helpers/nat-thresholds'

describe('a NATed population in netsim (80 nodes)', () => {
  it('reaches every NATed node, punches every pair of endpoint-independent NATs and no symmetric one', async () => {
    const figures = await runNatPopulation({ nodes: 80 })
    expect(figures.natted).toBe(48)
    expect(figures.reserved).toBe(figures.natted)
    expect(figures.targeted).toBe(figures.natted)
    expectNatPopulationHolds(figures)
    expect(summarizeNatPopulation(figures).firstAttemptShare).toBeGreaterThanOrEqual(0.9)
    expect(figures.nat.punched).toBe(figures.upgrades.filter((u) => u.ok).length)
    // nobody dialed a NATed node directly
    expect(figures.nat.filteredDials).toBe(0)
  }, 120_000)

  it('without hole punching every connection stays relayed, and the relays carry more', async () => {
    const [withPunch, relayOnly] = [
      summarizeNatPopulation(await runNatPopulation({ nodes: 40 })),
      summarizeNatPopulation(await runNatPopulation({ nodes: 40, punch: false })),
    ]
    expect(relayOnly.directShare).toBe(0)
    expect(relayOnly.reachableShare).toBeGreaterThanOrEqual(0.99)
    expect(withPunch.directShare).toBeGreaterThan(0.3)
    expect(relayOnly.relayBytesPerNatNode).toBeGreaterThan(withPunch.relayBytesPerNatNode)
  }, 120_000)
})

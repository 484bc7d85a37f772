/**
 * The NATed population of `pnpm bench nat` at 1,000 nodes (600 behind NATs, 50 public relays): the same
 * thresholds as the 80-node netsim test, at scale.
 */
import { describe, expect, it } from 'vitest'
import { runNatPopulation, summarizeNatPopulation } from './helpers/nat-population'

describe('a NATed population in netsim (1,000 nodes)', () => {
  it('reaches >= 99% of the NATed nodes and punches the endpoint-independent pairs', async () => {
    const figures = await runNatPopulation({ nodes: 1_000 })
    const s = summarizeNatPopulation(figures)
    expect(figures.natted).toBe(600)
    expect(s.reachableShare).toBeGreaterThanOrEqual(0.99)
    expect(s.pingShare).toBeGreaterThanOrEqual(0.99)
    expect(s.directShareEim).toBeGreaterThanOrEqual(0.95)
    expect(s.directShareSymmetric).toBe(0)
    expect(s.timeToDirectRtts.p50).toBeLessThan(12)
    expect(figures.nat.expiredConnections).toBe(0)
  }, 1_800_000)
})

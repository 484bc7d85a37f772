/**
 * The NATed population of `pnpm bench nat` at 1,000 nodes (600 behind NATs, 50 public relays): the same
 * thresholds as the 80-node netsim test, at scale.
 */
import { describe, expect, it } from 'vitest'
import { runNatPopulation } from './helpers/nat-population'
import { expectNatPopulationHolds } from './helpers/nat-thresholds'

describe('a NATed population in netsim (1,000 nodes)', () => {
  it('reaches >= 99% of the NATed nodes and punches the endpoint-independent pairs', async () => {
    const figures = await runNatPopulation({ nodes: 1_000 })
    expect(figures.natted).toBe(600)
    expectNatPopulationHolds(figures)
  }, 1_800_000)
})

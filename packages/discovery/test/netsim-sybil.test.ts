/**
 * Sybils on the real network package inside netsim (test/helpers/sybil-scenario.ts), at a size that runs in
 * seconds: 60 nodes, 18 sybils in 2 /16 subnets. `netsim-sybil.scale.test.ts` runs 200 nodes.
 */
import { describe, it } from 'vitest'
import { expectSybilsContained } from './helpers/sybil-scenario'

describe('discovery in netsim with 30% sybils in 2 /16 subnets', () => {
  it('60 nodes, 18 sybils: honest lookups find the true closest honest node, outbound sets keep group diversity', async () => {
    await expectSybilsContained(60)
  }, 300_000)
})

/**
 * Sybils on the real network package inside netsim (test/helpers/sybil-scenario.ts) at full size: 200 nodes,
 * 60 sybils in 2 /16 subnets. Minutes of CPU: run with `pnpm test:scale`.
 */
import { describe, it } from 'vitest'
import { expectSybilsContained } from './helpers/sybil-scenario'

describe('discovery in netsim with 30% sybils in 2 /16 subnets, at scale', () => {
  it('200 nodes, 60 sybils: honest lookups find the true closest honest node, outbound sets keep group diversity', async () => {
    await expectSybilsContained(200)
  }, 1_800_000)
})

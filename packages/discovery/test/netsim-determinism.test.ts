/**
 * netsim promises the same run for the same seed. Discovery on the real network and a real (in-memory)
 * peer-store must keep that promise: nothing in the stack may wait on real time. A peer-store that loaded
 * its database module with a dynamic import once made each run different (and about one run in twenty never
 * started a node before the simulated minute was over). `netsim-determinism.scale.test.ts` runs 200 nodes.
 */
import { describe, expect, it } from 'vitest'
import { discoveryRunTrace } from './helpers/determinism'

const NODES = 20

describe('discovery in netsim is deterministic', () => {
  it('the same seed gives the same connections and the same dials at the same virtual times', async () => {
    const first = await discoveryRunTrace(5, NODES, 20)
    const second = await discoveryRunTrace(5, NODES, 20)
    expect(first.split('\n').length).toBeGreaterThan(NODES + 20)
    expect(second).toBe(first)
    // and the seed matters
    expect(await discoveryRunTrace(6, NODES, 20)).not.toBe(first)
  }, 120_000)
})

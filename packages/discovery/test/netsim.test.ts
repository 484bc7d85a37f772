/**
 * The whole discovery stack in netsim (test/helpers/full-stack-scenario.ts) at a size that runs in seconds:
 * 60 nodes from 3 bootstrap nodes, 20% churn, lookups of random ids from two probers checked against the true
 * closest node. `netsim.scale.test.ts` runs 1,000 nodes.
 */
import { seededRandom } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { quantile, runFullStackScenario, summarize } from './helpers/full-stack-scenario'
import { idealLookups } from './helpers/ideal-tables'

describe('discovery in netsim', () => {
  it('60 nodes from 3 bootstrap nodes: connected graph, outbound targets, DHT lookups under churn', async () => {
    const f = await runFullStackScenario({ nodes: 60, probers: 2 })
    const s = summarize(f)
    const ideal = await idealLookups(60, 200, 'netsim links', seededRandom(60))
    const idealP50 = quantile(ideal.times, 0.5)
    console.log(JSON.stringify({ ...s, idealP50 }))
    expect(f.components).toBe(1)
    expect(quantile(f.outboundAtEnd, 0.5)).toBe(8)
    expect(s.outboundMinSettled).toBe(8)
    expect(s.lookups).toBeGreaterThanOrEqual(60)
    // issue 17's targets: every lookup before churn, >= 97% under it (before the warm connections, the stall
    // rule and fast eviction: 100% and 86-96%, and a p50 of 2.1-2.4 s)
    expect(s.successBeforeChurn).toBeGreaterThanOrEqual(0.99)
    expect(s.successUnderChurn).toBeGreaterThanOrEqual(0.97)
    // issue 17's time target: p50 within 2x of the in-process tables at the same size and link delays
    // (observed 0.40 s against 0.26 s; before the datagram wire 0.62 s, and 2.1-2.4 s before issue 17)
    expect(s.msP50).toBeLessThanOrEqual(2 * idealP50)
    expect(s.msP99).toBeLessThanOrEqual(1_500)
    // first contacts go by datagram (one round trip), so no query dials; our own limits refuse none
    expect(s.datagramShare).toBeGreaterThanOrEqual(0.5)
    expect(s.dialMsMean).toBe(0)
    expect(s.failuresPerLookup.busy ?? 0).toBeLessThan(0.1)
  }, 300_000)
})

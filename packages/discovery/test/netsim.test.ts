/**
 * The whole discovery stack in netsim (test/helpers/full-stack-scenario.ts) at a size that runs in seconds:
 * 60 nodes from 3 bootstrap nodes, 20% churn, lookups of random ids from two probers checked against the true
 * closest node. `netsim.scale.test.ts` runs 1,000 nodes.
 */
import { describe, expect, it } from 'vitest'
import { quantile, runFullStackScenario, summarize } from './helpers/full-stack-scenario'

describe('discovery in netsim', () => {
  it('60 nodes from 3 bootstrap nodes: connected graph, outbound targets, DHT lookups under churn', async () => {
    const f = await runFullStackScenario({ nodes: 60, probers: 2 })
    const s = summarize(f)
    console.log(JSON.stringify(s))
    expect(f.components).toBe(1)
    expect(quantile(f.outboundAtEnd, 0.5)).toBe(8)
    expect(s.outboundMinSettled).toBe(8)
    expect(s.lookups).toBeGreaterThanOrEqual(60)
    // issue 17's targets: every lookup before churn, >= 97% under it (before the warm connections, the stall
    // rule and fast eviction: 100% and 86-96%, and a p50 of 2.1-2.4 s)
    expect(s.successBeforeChurn).toBeGreaterThanOrEqual(0.99)
    expect(s.successUnderChurn).toBeGreaterThanOrEqual(0.97)
    // virtual time (the same for every run of the seed): observed p50 0.7 s and p99 1.4 s
    expect(s.msP50).toBeLessThanOrEqual(1_000)
    expect(s.msP99).toBeLessThanOrEqual(3_000)
    // most queries ride a warm connection (observed 64%), and our own limits refuse none
    expect(s.warmShare).toBeGreaterThanOrEqual(0.5)
    expect(s.failuresPerLookup.busy ?? 0).toBeLessThan(0.1)
  }, 300_000)
})

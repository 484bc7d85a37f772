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
    expect(s.successBeforeChurn).toBeGreaterThanOrEqual(0.7)
    expect(s.successUnderChurn).toBeGreaterThanOrEqual(0.6)
  }, 300_000)
})

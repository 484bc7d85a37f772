/**
 * The gossipsub hardening setup at a size for the fast suite: honest nodes, a quarter as many sybils
 * (censoring, GRAFT spam, covert flash) connecting to them, against the same honest network without sybils.
 * `netsim-sybil.xl.test.ts` runs the benchmark's 1,000 honest + 250 sybils.
 */
import { describe, expect, it } from 'vitest'
import { STRATEGIES } from './helpers/sim'
import { runSybilScenario, type SybilSetup } from './helpers/sybil'

const base: Omit<SybilSetup, 'sybils' | 'boot'> = {
  honest: 40,
  sybilDegree: 8,
  warmMs: 0,
  flashMs: 25_000,
  blockSize: '96KB',
  blockStartMs: 8_000,
  blockEvery: '3s',
  durationMs: 50_000,
  seed: 2,
  options: STRATEGIES.gossip as object,
}

/** p95, between netsim's p90 and p99. */
const p95 = (q: { p90: number | null; p99: number | null }) =>
  (q.p90 as number) + (((q.p99 as number) - (q.p90 as number)) * 5) / 9

describe('sybils in netsim', () => {
  it('40 honest + 10 sybils, cold boot: delivery >= 99%, p95 latency within 1.5x of no sybils', async () => {
    const without = (await runSybilScenario({ ...base, sybils: 0, boot: 'cold' })).report.summary.byVia
      ?.gossip
    const run = await runSybilScenario({ ...base, sybils: 10, boot: 'cold' })
    const withSybils = run.report.summary.byVia?.gossip
    console.log(JSON.stringify({ without, withSybils }))
    expect(withSybils?.published).toBeGreaterThanOrEqual(10)
    expect(withSybils?.deliveryRatio).toBeGreaterThanOrEqual(0.99)
    expect(p95(withSybils?.latencyMs as never)).toBeLessThanOrEqual(1.5 * p95(without?.latencyMs as never))
    // the honest nodes saw the sybils misbehave: GRAFT spam in backoff and censoring mesh peers
    const graylisted = run.statuses.reduce((s, x) => s + x.graylisted, 0)
    const pruned = run.statuses.reduce((s, x) => s + x.gossip.pruneSent, 0)
    expect(graylisted + pruned).toBeGreaterThan(0)
  }, 600_000)
})

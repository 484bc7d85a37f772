/**
 * 1,000 honest nodes + 250 sybils (a third censoring, a third spamming GRAFT, a third turning after behaving
 * well: covert flash), cold boot and warm, each against the same honest network without sybils
 * (`pnpm test:xl`). The README quotes the figures printed here.
 */
import { describe, expect, it } from 'vitest'
import { STRATEGIES } from './helpers/sim'
import { runSybilScenario, type SybilSetup } from './helpers/sybil'

const p95 = (q: { p90: number | null; p99: number | null }) =>
  (q.p90 as number) + (((q.p99 as number) - (q.p90 as number)) * 5) / 9

describe('1,000 honest + 250 sybils in netsim', () => {
  for (const boot of ['cold', 'warm'] as const) {
    it(`${boot} boot: delivery >= 99%, p95 latency within 1.5x of the run without sybils`, async () => {
      const setup: Omit<SybilSetup, 'sybils'> = {
        honest: 1_000,
        sybilDegree: 8,
        boot,
        warmMs: 40_000,
        flashMs: boot === 'warm' ? 75_000 : 60_000,
        blockSize: '256KB',
        // 4 blocks (the first one period after the start): 2 before the covert-flash sybils turn and 2 after
        // (cold), 1 and 3 (warm)
        blockEvery: '10s',
        durationMs: boot === 'warm' ? 110_000 : 85_000,
        seed: 3,
        options: STRATEGIES.gossip as object,
        cipher: 'null',
      }
      const base = await runSybilScenario({ ...setup, sybils: 0 })
      const without = base.report.summary.byVia?.gossip
      const run = await runSybilScenario({ ...setup, sybils: 250 })
      const withSybils = run.report.summary.byVia?.gossip
      console.log(
        boot,
        JSON.stringify({
          without: {
            delivery: without?.deliveryRatio,
            p95: p95(without?.latencyMs as never),
            published: without?.published,
          },
          withSybils: {
            delivery: withSybils?.deliveryRatio,
            p95: p95(withSybils?.latencyMs as never),
            published: withSybils?.published,
          },
          graylisted: run.statuses.reduce((s, x) => s + x.graylisted, 0),
          pruneSent: run.statuses.reduce((s, x) => s + x.gossip.pruneSent, 0),
        }),
        `${Math.round((base.stats.wallMs + run.stats.wallMs) / 1000)} s wall`,
        `${Math.round((base.stats.cpuMs + run.stats.cpuMs) / 1000)} s CPU`,
      )
      expect(withSybils?.published).toBe(4)
      expect(withSybils?.deliveryRatio).toBeGreaterThanOrEqual(0.99)
      expect(p95(withSybils?.latencyMs as never)).toBeLessThanOrEqual(1.5 * p95(without?.latencyMs as never))
      // the honest nodes saw the sybils misbehave (GRAFT spam in backoff, censoring mesh peers) and acted
      expect(run.statuses.reduce((s, x) => s + x.graylisted + x.gossip.pruneSent, 0)).toBeGreaterThan(0)
    }, 14_400_000)
  }
})

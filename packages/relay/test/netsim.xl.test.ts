/**
 * The benchmark's sizes as tests with thresholds (`pnpm test:xl`): 1,000 nodes, 1 MB blocks (one, at
 * 35 s, once every node knows its peers' round trips) and 250 B transactions, every strategy on the same
 * network and seed, as `pnpm bench relay` runs them. The README quotes the figures printed here.
 */
import { describe, expect, it } from 'vitest'
import { runRelayScenario, STRATEGIES } from './helpers/sim'

const NODES = 1_000
const scenario = (name: string, workload: object[], duration = '60s') => ({
  name,
  // netsim's null cipher: the same frames at the same virtual times (the report is the same), no AEAD CPU
  cipher: 'null' as const,
  duration,
  nodes: { count: NODES, startSpread: '5s' },
  topology: { type: 'random' as const, degree: 8 },
  links: { latency: { distribution: 'uniform' as const, min: '10ms', max: '100ms' }, bandwidth: '100Mbps' },
  workload: workload as never,
})

describe(`${NODES} nodes in netsim`, () => {
  it('1 MB blocks: gossip <= 2 duplicates per node per block, p99 <= 1.25x flood, delivery >= 99.9%; IDONTWANT saves bytes', async () => {
    const out: Record<
      string,
      { dup: number; dupBytes: number; p99: number; delivery: number; bytesIn: number }
    > = {}
    for (const name of ['flood', 'gossip', 'gossip-no-idontwant', 'announce']) {
      const r = await runRelayScenario({
        seed: 1,
        options: STRATEGIES[name] as object,
        scenario: scenario(name, [{ type: 'block', size: '1MB', at: ['35s'], via: name }], '52s'),
      })
      const v = r.report.summary.byVia?.[name]
      out[name] = {
        dup: v?.duplicatesPerNodePerMessage as number,
        dupBytes: v?.duplicateBytesPerNodePerMessage as number,
        p99: v?.latencyMs.p99 as number,
        delivery: v?.deliveryRatio as number,
        bytesIn: r.report.summary.bytesInPerNode.mean as number,
      }
      console.log(
        name,
        JSON.stringify(out[name]),
        `${Math.round(r.stats.wallMs / 1000)} s wall, ${Math.round(r.stats.cpuMs / 1000)} s CPU`,
      )
    }
    const flood = out.flood as NonNullable<typeof out.flood>
    const gossip = out.gossip as NonNullable<typeof out.gossip>
    expect(gossip.dup).toBeLessThanOrEqual(2)
    expect(gossip.dup).toBeLessThan(flood.dup)
    expect(gossip.p99).toBeLessThanOrEqual(1.25 * flood.p99)
    expect(gossip.delivery).toBeGreaterThanOrEqual(0.999)
    expect(flood.delivery).toBeGreaterThanOrEqual(0.999)
    expect(gossip.bytesIn).toBeLessThan(flood.bytesIn)
    expect(gossip.dupBytes).toBeLessThan((out['gossip-no-idontwant'] as typeof gossip).dupBytes)
    expect(out.announce?.dup).toBe(0)
    expect(out.announce?.delivery).toBeGreaterThanOrEqual(0.999)
  }, 14_400_000)

  it('250 B transactions: gossip and announce-pull cut the duplicates of flood', async () => {
    const out: Record<
      string,
      { dup: number; delivery: number; bytesIn: number; p50: number; p99: number; bytesOut: number }
    > = {}
    for (const name of ['flood', 'gossip', 'announce']) {
      const r = await runRelayScenario({
        seed: 2,
        options: STRATEGIES[name] as object,
        scenario: scenario(name, [
          { type: 'transaction', size: '250B', rate: 4, start: '10s', end: '30s', via: name },
        ]),
      })
      const v = r.report.summary.byVia?.[name]
      out[name] = {
        dup: v?.duplicatesPerNodePerMessage as number,
        delivery: v?.deliveryRatio as number,
        bytesIn: r.report.summary.bytesInPerNode.mean as number,
        bytesOut: r.report.summary.bytesOutPerNode.mean as number,
        p50: v?.latencyMs.p50 as number,
        p99: v?.latencyMs.p99 as number,
      }
      console.log(
        name,
        JSON.stringify(out[name]),
        `${Math.round(r.stats.wallMs / 1000)} s wall, ${Math.round(r.stats.cpuMs / 1000)} s CPU`,
      )
    }
    for (const v of Object.values(out)) expect(v.delivery).toBeGreaterThanOrEqual(0.999)
    expect(out.gossip?.dup).toBeLessThan(out.flood?.dup as number)
    expect(out.gossip?.bytesIn).toBeLessThan(out.flood?.bytesIn as number)
    expect(out.announce?.dup).toBe(0)
  }, 3_600_000)
})

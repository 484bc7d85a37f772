/**
 * The relay's strategies in netsim (the real network package, simulated links, virtual time), small enough
 * for the fast suite; `netsim.xl.test.ts` runs the benchmark's sizes (1,000 nodes, 1 MB blocks). Every
 * strategy runs on the same network and seed, and netsim measures them the same way.
 */
import { defineScenario, readWorkloadMessage, runScenario } from '@chainwire/netsim'
import { describe, expect, it } from 'vitest'
import { startSimRelay } from '../src/testing/index'
import { runRelayScenario, STRATEGIES } from './helpers/sim'

const NODES = 60
const network = (name: string, workload: NonNullable<Parameters<typeof defineScenario>[0]['workload']>) => ({
  name,
  duration: '60s',
  nodes: { count: NODES, startSpread: '2s' },
  topology: { type: 'random' as const, degree: 8 },
  links: { latency: { distribution: 'uniform' as const, min: '10ms', max: '100ms' }, bandwidth: '100Mbps' },
  workload,
})

describe('strategies in netsim (same network, same seed)', () => {
  it(`${NODES} nodes, 256 KB blocks: gossip sends far fewer duplicates than flood at a comparable tail latency`, async () => {
    const runs: Record<
      string,
      NonNullable<Awaited<ReturnType<typeof runRelayScenario>>['report']['summary']['byVia']>[string]
    > = {}
    for (const name of ['flood', 'gossip'] as const) {
      const r = await runRelayScenario({
        seed: 5,
        options: STRATEGIES[name] as object,
        // blocks after 35 s: the nodes have pinged each other (round trips known, as on a live network)
        scenario: network(name, [{ type: 'block', size: '256KB', at: ['36s', '42s'], via: name }]),
      })
      runs[name] = r.report.summary.byVia?.[name] as (typeof runs)[string]
    }
    const flood = runs.flood as (typeof runs)[string]
    const gossip = runs.gossip as (typeof runs)[string]
    console.log(JSON.stringify({ flood, gossip }))
    expect(flood.deliveryRatio).toBe(1)
    expect(gossip.deliveryRatio).toBe(1)
    expect(flood.duplicatesPerNodePerMessage).toBeGreaterThan(4)
    expect(gossip.duplicatesPerNodePerMessage).toBeLessThan(flood.duplicatesPerNodePerMessage / 2)
    expect(gossip.latencyMs.p99 as number).toBeLessThanOrEqual(1.25 * (flood.latencyMs.p99 as number))
  }, 600_000)

  it('announce-pull: transactions reach every node with no body sent twice', async () => {
    const r = await runRelayScenario({
      seed: 5,
      options: STRATEGIES.announce as object,
      scenario: network('announce', [
        { type: 'transaction', size: '250B', rate: 4, start: '5s', end: '25s', via: 'announce' },
      ]),
    })
    const a = r.report.summary.byVia?.announce
    expect(a?.published).toBeGreaterThan(40)
    expect(a?.deliveryRatio).toBe(1)
    expect(a?.duplicatesPerNodePerMessage).toBe(0)
    // every node asked for each transaction once, from one announcer
    const requested = r.statuses.reduce((s, x) => s + x.announce.itemsRequested, 0)
    expect(requested).toBe((a?.delivered ?? 0) + r.statuses.reduce((s, x) => s + x.announce.fallbacks, 0))
  }, 600_000)

  it('a block queued after a burst of transactions overtakes them (send classes)', async () => {
    const arrivals: { type: string; at: number }[] = []
    const scenario = defineScenario({
      duration: '30s',
      nodes: { count: 2, startSpread: '0s' },
      topology: { type: 'explicit', edges: [[0, 1]] },
      links: { latency: '20ms', bandwidth: '1MB/s' },
      workload: [
        { type: 'transaction', size: '2KB', at: Array(200).fill('10s'), from: 'n0', via: 'flood' },
        { type: 'block', size: '50KB', at: ['10005ms'], from: 'n0', via: 'flood' },
      ],
      setup: (node) => {
        if (node.index === 1) {
          for (const t of ['new_block', 'new_transaction'] as const) {
            node.network.on(`message:${t}` as 'message:new_block', () =>
              arrivals.push({ type: t, at: node.clock.now() }),
            )
          }
        }
        return startSimRelay(node, {
          options: STRATEGIES.flood as object,
          validate: (m) => (readWorkloadMessage(m)?.valid === false ? 'reject' : 'accept'),
        })
      },
    })
    await runScenario(scenario, { seed: 1 })
    const block = arrivals.findIndex((a) => a.type === 'new_block')
    expect(arrivals.filter((a) => a.type === 'new_transaction')).toHaveLength(200)
    // 200 transactions of 2 KB take 0.4 s on this link. Those already handed to the connection's stream go
    // first; the block, queued 5 ms later, goes ahead of every transaction still waiting in the send queue
    expect(block).toBeGreaterThanOrEqual(0)
    expect(arrivals.length - 1 - block).toBeGreaterThanOrEqual(100)
  }, 600_000)
})

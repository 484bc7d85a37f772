import { describe, expect, it } from 'vitest'
import { defineScenario, runScenario } from '../src/index'

describe('scale', () => {
  it('runs 1,000 real network nodes (degree 8, ~4,000 Noise connections) pinging for 60 s of virtual time', async () => {
    const scenario = defineScenario({
      name: 'scale-1000',
      duration: '60s',
      nodes: { count: 1_000, startSpread: '5s' },
      topology: { type: 'random', degree: 8 },
      workload: [{ type: 'ping', every: '10s' }],
    })
    const { report, stats } = await runScenario(scenario, { seed: 1 })
    const s = report.summary
    expect(report.nodes.every((n) => n.up)).toBe(true)
    expect(s.connections.connected).toBe(2 * report.scenario.edges)
    expect(s.connections.disconnected).toBe(0)
    expect(s.connections.peersAtEnd.min).toBeGreaterThanOrEqual(7)
    expect(s.connections.peersAtEnd.max).toBe(8)
    expect(s.pings.failed).toBe(0)
    expect(s.pings.sent).toBeGreaterThan(30_000)
    expect(s.pings.answered / s.pings.sent).toBeGreaterThan(0.99)
    expect(s.pings.rttMs.p50).toBe(100)
    expect(stats.virtualMs).toBe(60_000)
    console.log(
      `scale: 1,000 nodes, ${report.scenario.edges} connections, 60 s virtual in ${(stats.wallMs / 1000).toFixed(1)} s wall, ${stats.events} events`,
    )
  }, 300_000)
})

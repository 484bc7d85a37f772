import { describe, expect, it } from 'vitest'
import { defineScenario, type Report, reportJson, runScenario } from '../src/index'

/** The report as JSON with the cipher field set to one value: what the cipher must leave unchanged. */
function withoutCipher(report: Report): string {
  return reportJson({ ...report, scenario: { ...report.scenario, cipher: 'null' } })
}

describe('scale', () => {
  it('runs 1,000 real network nodes (degree 8, ~4,000 Noise connections) for 60 s of virtual time, byte for byte the same with either cipher', async () => {
    const scenario = defineScenario({
      name: 'scale-1000',
      duration: '60s',
      nodes: { count: 1_000, startSpread: '5s' },
      topology: { type: 'random', degree: 8 },
      workload: [
        { type: 'ping', every: '10s' },
        { type: 'transaction', rate: 0.5, size: 250 },
      ],
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
    expect(s.messages.published).toBeGreaterThan(15)
    expect(s.messages.deliveryRatio).toBe(1)
    expect(stats.virtualMs).toBe(60_000)
    expect(report.scenario.cipher).toBe('chacha20-poly1305')

    // The same seed again, with the null cipher: the same run, event for event (frames keep their sizes),
    // so the same bytes but for the cipher the report names.
    const fast = await runScenario(scenario, { seed: 1, cipher: 'null' })
    expect(fast.report.scenario.cipher).toBe('null')
    expect(withoutCipher(fast.report)).toBe(withoutCipher(report))
    console.log(
      `scale: 1,000 nodes, ${report.scenario.edges} connections, 60 s virtual, ${stats.events} events: ChaCha20-Poly1305 ${(stats.cpuMs / 1000).toFixed(1)} s CPU (${(stats.wallMs / 1000).toFixed(1)} s wall), null cipher ${(fast.stats.cpuMs / 1000).toFixed(1)} s CPU`,
    )
  }, 900_000)
})

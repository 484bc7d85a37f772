import { describe, expect, it } from 'vitest'
import { defineScenario, reportJson, runScenario } from '../src/index'

/** Everything random at once: drawn latencies, jitter, loss, regions, faults, churn and adversaries. */
const scenario = defineScenario({
  duration: '30s',
  nodes: { count: 24, regions: { eu: 1, us: 1 } },
  topology: { type: 'random', degree: 4 },
  links: {
    latency: { distribution: 'lognormal', median: '30ms', sigma: 0.6, max: '300ms' },
    jitter: { distribution: 'uniform', min: 0, max: '4ms' },
    bandwidth: '5MB/s',
    loss: 0.02,
    regions: { eu: { us: { distribution: 'normal', mean: '90ms', stddev: '15ms' } } },
  },
  workload: [
    { type: 'block', every: '4s', size: '30KB' },
    { type: 'transaction', rate: 3, size: 200 },
    { type: 'ping', every: '3s' },
  ],
  faults: [
    { at: '8s', partition: ['region:eu'] },
    { at: '12s', heal: true },
    { at: '14s', crash: { random: 2 } },
    { at: '20s', restart: 'all' },
    {
      at: '5s',
      churn: { until: '25s', rate: 0.3, downtime: { distribution: 'uniform', min: '1s', max: '4s' } },
    },
  ],
  adversaries: [
    { nodes: { random: 1 }, behaviour: 'drop', probability: 0.5 },
    { nodes: 'n20', behaviour: 'lie', probability: 0.5 },
    { nodes: 'n21', behaviour: 'delay', delay: { distribution: 'exponential', mean: '500ms' } },
  ],
})

describe('determinism', () => {
  it('gives identical reports for the same scenario and seed, byte for byte', async () => {
    const a = await runScenario(scenario, { seed: 42 })
    const b = await runScenario(scenario, { seed: 42 })
    expect(b.report).toEqual(a.report)
    expect(reportJson(b.report)).toBe(reportJson(a.report))
    expect(b.svg).toBe(a.svg)
    expect(a.report.summary.messages.latencyMs.count).toBeGreaterThan(100)
    expect(a.report.summary.events).toBe(b.report.summary.events)
  }, 120_000)

  it('gives a different report for a different seed', async () => {
    const a = await runScenario(scenario, { seed: 42 })
    const c = await runScenario(scenario, { seed: 43 })
    expect(c.report.summary.messages).not.toEqual(a.report.summary.messages)
    expect(c.report.nodes.map((n) => n.peerId)).not.toEqual(a.report.nodes.map((n) => n.peerId))
  })

  it('accepts text seeds and the scenario seed', async () => {
    const small = defineScenario({
      duration: '8s',
      nodes: 6,
      seed: 'alpha',
      workload: [{ type: 'transaction', rate: 2, size: 64 }],
    })
    const a = await runScenario(small)
    const b = await runScenario(small, { seed: 'alpha' })
    expect(a.report).toEqual(b.report)
    expect(a.report.scenario.seed).toBe('alpha')
  })
})

import { describe, expect, it } from 'vitest'
import { defineScenario, type Report, renderSvg, runScenario, type TimelinePoint } from '../src/index'
import { faultBands, layoutBands } from '../src/report/bands'

/** The timeline points whose window starts in [fromS, toS). */
function windows(report: Report, fromS: number, toS: number): TimelinePoint[] {
  return report.timeline.points.filter((p) => p.startMs >= fromS * 1_000 && p.startMs < toS * 1_000)
}

describe('timeline: delivery over time shows the faults', () => {
  it('drops on-time delivery during a partition, and honest nodes up during a crash', async () => {
    const { report } = await runScenario(
      defineScenario({
        duration: '40s',
        nodes: 20,
        topology: { type: 'random', degree: 4 },
        links: { latency: '30ms' },
        workload: [{ type: 'block', every: '1s', size: '4KB' }],
        faults: [
          { at: '10s', partition: ['n0..n9', 'n10..n19'] },
          { at: '20s', heal: true },
          { at: '26s', crash: 'n12..n16' },
          { at: '31s', restart: 'n12..n16' },
        ],
        report: { buckets: 40, deadline: '1s' },
      }),
      { seed: 3 },
    )
    expect(report.scenario.deadlineMs).toBe(1_000)
    for (const p of windows(report, 4, 9)) expect(p.onTimeRatio).toBeGreaterThan(0.95)
    // Across the split, a block reaches only its own half in time; every one of them arrives after the heal.
    for (const p of windows(report, 11, 19)) {
      expect(p.onTimeRatio).toBeLessThan(0.6)
      expect(p.deliveryRatio).toBe(1)
    }
    for (const p of windows(report, 27, 30)) expect(p.honestUp).toBe(15)
    for (const p of windows(report, 4, 25)) expect(p.honestUp).toBe(20)
    for (const p of windows(report, 33, 36)) expect(p.honestUp).toBe(20)
    const s = report.summary.messages
    expect(s.onTime).toBeLessThan(s.delivered)
    expect(s.onTimeRatio).toBeCloseTo(s.onTime / s.targets, 6)
  })

  it('counts the adversaries: spam per window and the messages they dropped, delayed or tampered with', async () => {
    const { report } = await runScenario(
      defineScenario({
        duration: '20s',
        nodes: 16,
        topology: { type: 'random', degree: 4 },
        workload: [{ type: 'transaction', rate: 4, size: 100 }],
        adversaries: [
          { nodes: ['n1', 'n2'], behaviour: 'drop' },
          { nodes: 'n3', behaviour: 'delay', delay: '2s' },
          { nodes: 'n4', behaviour: 'lie' },
          { nodes: 'n5', behaviour: 'spam', rate: 3, size: 80 },
        ],
        report: { buckets: 20 },
      }),
      { seed: 8 },
    )
    const points = report.timeline.points
    const sum = (k: 'spam' | 'dropped' | 'delayed' | 'tampered'): number =>
      points.reduce((a, p) => a + p[k], 0)
    const byNode = (k: 'dropped' | 'delayed' | 'tampered'): number =>
      report.nodes.reduce((a, n) => a + n[k], 0)
    const a = report.summary.adversaryActions
    expect(sum('spam')).toBe(report.summary.byKind.spam?.published)
    expect(sum('spam')).toBeGreaterThan(20)
    for (const k of ['dropped', 'delayed', 'tampered'] as const) {
      expect(a[k]).toBeGreaterThan(5)
      expect(sum(k)).toBe(a[k])
      expect(byNode(k)).toBe(a[k])
    }
    expect(report.nodes.find((n) => n.name === 'n1')?.dropped).toBeGreaterThan(0)
    expect(report.nodes.find((n) => n.name === 'n0')?.dropped).toBe(0)
    const svg = renderSvg(report)
    for (const cls of ['adversary-spam', 'adversary-dropped', 'adversary-delayed', 'adversary-tampered']) {
      expect(svg).toContain(`class="${cls}"`)
    }
    expect(svg).toContain('adversaries: drop \u00d72, delay \u00d71, lie \u00d71, spam \u00d71')
  })

  it('shows an attack window: delivery drops while censors are active, and recovers after', async () => {
    const { report, svg } = await runScenario(
      defineScenario({
        duration: '30s',
        nodes: 12,
        topology: { type: 'ring' },
        workload: [{ type: 'transaction', every: '500ms', size: 100 }],
        adversaries: [{ nodes: ['n3', 'n9'], behaviour: 'drop', start: '10s', end: '20s' }],
        report: { buckets: 30 },
      }),
      { seed: 2 },
    )
    expect(report.adversaries).toEqual([{ name: 'drop', nodes: 2, startMs: 10_000, endMs: 20_000 }])
    // Two censors cut the ring in two arcs: a message reaches only its own arc while they are active.
    for (const p of windows(report, 11, 19)) expect(p.deliveryRatio).toBeLessThan(0.8)
    for (const p of [...windows(report, 3, 9), ...windows(report, 21, 28)]) {
      expect(p.deliveryRatio).toBe(1)
      expect(p.dropped).toBe(0)
    }
    expect(windows(report, 10, 20).reduce((k, p) => k + p.dropped, 0)).toBe(
      report.summary.adversaryActions.dropped,
    )
    expect(svg).toContain('adversaries: drop \u00d72')
    expect(() =>
      defineScenario({
        duration: '30s',
        nodes: 4,
        adversaries: [{ nodes: 'n1', behaviour: 'drop', start: '10s', end: '5s' }],
      }),
    ).toThrow(expect.objectContaining({ details: expect.objectContaining({ path: 'adversaries[0].end' }) }))
  })

  it('reports no messages as "no messages", not as 100%', async () => {
    const { report, svg } = await runScenario(
      defineScenario({ duration: '5s', nodes: 4, workload: [{ type: 'ping', every: '1s' }] }),
      { seed: 1 },
    )
    const m = report.summary.messages
    expect(m.published).toBe(0)
    expect(m.deliveryRatio).toBeNull()
    expect(m.onTimeRatio).toBeNull()
    expect(report.timeline.points.every((p) => p.deliveryRatio === null && p.onTimeRatio === null)).toBe(true)
    expect(svg).toContain('no workload messages')
    expect(svg).toContain('no messages published')
    expect(svg).not.toContain('100% reached')
  })
})

describe('fault bands', () => {
  const base = (faults: Report['faults'], adversaries: Report['adversaries'] = []): Report =>
    ({ scenario: { durationMs: 60_000 }, faults, adversaries }) as unknown as Report

  it('turns faults into intervals: partition to heal, crash to restart, churn with its crash count', () => {
    const bands = faultBands(
      base(
        [
          { atMs: 5_000, type: 'churn-start', nodes: [] },
          { atMs: 7_000, type: 'churn-crash', nodes: ['n3'] },
          { atMs: 9_000, type: 'churn-crash', nodes: ['n4'] },
          { atMs: 10_000, type: 'partition', nodes: [] },
          { atMs: 12_000, type: 'crash', nodes: ['n1', 'n2', 'n5'] },
          { atMs: 15_000, type: 'churn-end', nodes: [] },
          { atMs: 20_000, type: 'heal', nodes: [] },
          { atMs: 30_000, type: 'restart', nodes: ['n2'] },
          { atMs: 40_000, type: 'cut', nodes: ['n1', 'n7'] },
        ],
        [
          { name: 'drop', nodes: 2, startMs: 0, endMs: 60_000 },
          { name: 'spam', nodes: 1, startMs: 0, endMs: 60_000 },
          { name: 'drop', nodes: 0, startMs: 0, endMs: 60_000 },
          { name: 'lie', nodes: 5, startMs: 30_000, endMs: 45_000 },
        ],
      ),
    )
    expect(bands.map((b) => [b.kind, b.startMs, b.endMs, b.label])).toEqual([
      ['adversaries', 0, 60_000, 'adversaries: drop \u00d72, spam \u00d71'],
      ['churn', 5_000, 15_000, 'churn: 2 crashes'],
      ['partition', 10_000, 20_000, 'partition'],
      ['crash', 12_000, 30_000, 'crash 3 nodes'],
      ['adversaries', 30_000, 45_000, 'adversaries: lie \u00d75'],
      ['cut', 40_000, 60_000, 'cut n1 n7'],
    ])
  })

  it('lays bands out in lanes where no two labels or bands meet', () => {
    const bands = faultBands(
      base([
        { atMs: 10_000, type: 'partition', nodes: [] },
        { atMs: 11_000, type: 'crash', nodes: ['n1'] },
        { atMs: 12_000, type: 'heal', nodes: [] },
        { atMs: 12_500, type: 'restart', nodes: ['n1'] },
        { atMs: 13_000, type: 'crash', nodes: ['n2'] },
        { atMs: 50_000, type: 'restart', nodes: ['n2'] },
      ]),
    )
    const width = (t: string): number => t.length * 7
    const placed = layoutBands(bands, (ms) => 100 + ms / 100, 100, 700, width)
    expect(placed).toHaveLength(3)
    for (const a of placed) {
      expect(a.labelX).toBeGreaterThanOrEqual(100)
      expect(a.labelX + a.labelWidth).toBeLessThanOrEqual(700)
      for (const b of placed) {
        if (a === b || a.lane !== b.lane) continue
        const [aFrom, aTo] = [Math.min(a.x1, a.labelX), Math.max(a.x2, a.labelX + a.labelWidth)]
        const [bFrom, bTo] = [Math.min(b.x1, b.labelX), Math.max(b.x2, b.labelX + b.labelWidth)]
        expect(aTo <= bFrom || bTo <= aFrom).toBe(true)
      }
    }
    expect(new Set(placed.map((b) => b.lane)).size).toBeGreaterThan(1)
  })
})

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { defineScenario, type Report, renderSvg, reportJson, runScenario, writeReport } from '../src/index'
import { cdf, quantile, quantiles } from '../src/metrics/stats'
import { escapeXml, logTicks, niceTicks } from '../src/report/svg'

/**
 * A small XML well-formedness check: the document is a prolog, then only tags (with quoted attributes), text
 * and comments; tags nest properly; entities are the five predefined or numeric ones. Returns the element
 * names in document order.
 */
function parseXml(doc: string): { name: string; attrs: Record<string, string> }[] {
  const body = doc.replace(/^<\?xml[^?]*\?>\s*/, '')
  const token =
    /<\/([A-Za-z][\w:.-]*)\s*>|<([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y
  const stack: string[] = []
  const elements: { name: string; attrs: Record<string, string> }[] = []
  let pos = 0
  while (pos < body.length) {
    token.lastIndex = pos
    const m = token.exec(body)
    if (m === null) throw new Error(`malformed XML at ${pos}: ${body.slice(pos, pos + 40)}`)
    pos = token.lastIndex
    const [, close, open, attrText, selfClose, text] = m
    if (close !== undefined) {
      if (stack.pop() !== close) throw new Error(`unbalanced </${close}>`)
    } else if (open !== undefined) {
      const attrs: Record<string, string> = {}
      for (const a of (attrText ?? '').matchAll(/([A-Za-z_:][\w:.-]*)="([^"]*)"/g)) {
        if ((a[1] as string) in attrs) throw new Error(`duplicate attribute ${a[1]}`)
        attrs[a[1] as string] = a[2] as string
        checkEntities(a[2] as string)
      }
      elements.push({ name: open, attrs })
      if (selfClose !== '/') stack.push(open)
    } else if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root element')
      checkEntities(text)
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`)
  return elements
}

function checkEntities(text: string): void {
  for (const m of text.matchAll(/&([^;\s]*);?/g)) {
    if (!/^(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+)$/i.test(m[1] as string) || !m[0].endsWith(';')) {
      throw new Error(`bad entity ${m[0]}`)
    }
  }
}

let report: Report
let svg: string

beforeAll(async () => {
  const scenario = defineScenario({
    name: 'report <test> & "quotes"',
    duration: '20s',
    nodes: 12,
    topology: { type: 'random', degree: 4 },
    workload: [
      { type: 'block', every: '4s', size: '10KB' },
      { type: 'transaction', rate: 2, size: 200 },
      { type: 'ping', every: '5s' },
    ],
    faults: [
      { at: '8s', crash: 'n2' },
      { at: '12s', restart: 'n2' },
    ],
  })
  ;({ report, svg } = await runScenario(scenario, { seed: 5 }))
})

describe('statistics', () => {
  it('computes nearest-rank quantiles and summaries', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(
      quantile(
        [...xs].sort((a, b) => a - b),
        0.5,
      ),
    ).toBe(50)
    expect(quantiles(xs)).toEqual({ count: 100, min: 1, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 })
    expect(quantiles([])).toEqual({
      count: 0,
      min: null,
      mean: null,
      p50: null,
      p90: null,
      p99: null,
      max: null,
    })
  })

  it('scales a CDF to its population, so undelivered members keep it below 1', () => {
    const points = cdf([10, 20, 30, 40], 8, 5)
    expect(points[points.length - 1]).toEqual({ x: 40, fraction: 0.5 })
    expect(points[0]).toEqual({ x: 10, fraction: 0.125 })
    expect(cdf([], 8, 5)).toEqual([])
  })

  it('picks round ticks covering the range', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100])
    expect(niceTicks(0, 137, 5)).toEqual([0, 50, 100, 150])
    expect(niceTicks(0, 0.9, 4)).toEqual([0, 0.5, 1])
    expect(niceTicks(0, 0.9, 8)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(logTicks(35, 12_000)).toEqual([10, 100, 1_000, 10_000, 100_000])
    expect(escapeXml('<a & "b">')).toBe('&#60;a &#38; &#34;b&#34;&#62;')
  })
})

describe('report.json', () => {
  it('summarises deliveries, traffic, pings, connections and faults', () => {
    const s = report.summary
    expect(report.version).toBe(1)
    expect(report.scenario).toMatchObject({
      nodes: 12,
      seed: 5,
      durationMs: 20_000,
      topology: 'random (degree 4)',
    })
    expect(s.messages.published).toBe(report.messages.length)
    expect(s.messages.delivered).toBeLessThanOrEqual(s.messages.targets)
    expect(s.messages.deliveryRatio).toBeGreaterThan(0.9)
    expect(s.messages.latencyMs.p50).toBeGreaterThanOrEqual(50)
    expect(s.byKind.block?.published).toBeGreaterThan(0)
    expect(s.byKind.transaction?.published).toBeGreaterThan(0)
    expect(s.pings.sent).toBeGreaterThan(0)
    expect(s.pings.rttMs.p50).toBe(100)
    expect(s.connections.connected).toBeGreaterThanOrEqual(2 * report.scenario.edges)
    expect(s.duplicatesPerNode.count).toBe(12)
    expect(report.nodes).toHaveLength(12)
    const n2 = report.nodes[2]
    expect(n2).toMatchObject({ name: 'n2', crashes: 1, restarts: 1, up: true })
    for (const node of report.nodes) {
      expect(node.peerId).toMatch(/^cw[a-z2-7]+$/)
      expect(node.bytesOut).toBeGreaterThan(0)
    }
    expect(report.faults.map((f) => [f.atMs, f.type, f.nodes])).toEqual([
      [8_000, 'crash', ['n2']],
      [12_000, 'restart', ['n2']],
    ])
    expect(report.timeline.points).toHaveLength(60)
    expect(report.latencyCdf.block?.length).toBe(101)
    expect(Object.keys(report.latencyCdf)).toEqual(['block', 'transaction', 'all'])
  })

  it('serialises to JSON and back unchanged', () => {
    const text = reportJson(report)
    expect(text.endsWith('\n')).toBe(true)
    expect(JSON.parse(text)).toEqual(report)
  })

  it('writes report.json and report.svg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netsim-report-'))
    try {
      const files = await writeReport(join(dir, 'out'), { report, svg })
      expect(JSON.parse(readFileSync(files.json, 'utf8'))).toEqual(report)
      expect(readFileSync(files.svg, 'utf8')).toBe(svg)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('report.svg', () => {
  it('is a well-formed, self-contained SVG document', () => {
    const elements = parseXml(svg)
    expect(elements[0]).toMatchObject({ name: 'svg', attrs: { xmlns: 'http://www.w3.org/2000/svg' } })
    expect(svg).not.toMatch(/<script|href=|@import|url\(/)
    expect(svg).toContain('report &#60;test&#62; &#38; &#34;quotes&#34;')
  })

  it('has the CDF, the delivery chart with its series, legend and fault bands, and the adversary chart', () => {
    const elements = parseXml(svg)
    const texts = svg.match(/>([^<]+)<\/text>/g)?.map((t) => t.slice(1, -7)) ?? []
    for (const t of [
      'Latency CDF (first delivery per node)',
      'Delivery by publication time',
      'publication time (s, virtual)',
      'Adversary traffic by time',
      'no adversaries',
      '100%',
      'crash n2',
      'reached (eventually)',
      'within 1 s',
      'honest nodes up',
      'Summary',
    ]) {
      expect(texts).toContain(t)
    }
    expect(texts.some((t) => t.startsWith('latency since publication (ms'))).toBe(true)
    const polylines = elements.filter((e) => e.name === 'polyline')
    const cdfLines = polylines.filter((e) => e.attrs.class === 'series')
    expect(cdfLines).toHaveLength(3)
    expect(polylines.filter((e) => e.attrs.class === 'series on-time')).toHaveLength(1)
    expect(polylines.filter((e) => e.attrs.class === 'series honest-up')).toHaveLength(1)
    expect(elements.filter((e) => e.name === 'rect' && e.attrs.class === 'delivered').length).toBeGreaterThan(
      5,
    )
    const points = (e: { attrs: Record<string, string> }) =>
      (e.attrs.points ?? '').split(' ').map((pair) => pair.split(',').map(Number) as [number, number])
    // The plots' top edge: where the fault shades start.
    const shade = elements.find((e) => e.attrs.class === 'band-shade')
    const top = Number(shade?.attrs.y)
    const bottom = top + Number(shade?.attrs.height)
    for (const e of cdfLines) {
      for (const [x, y] of points(e)) {
        expect(x).toBeGreaterThanOrEqual(70)
        expect(x).toBeLessThanOrEqual(490)
        expect(y).toBeGreaterThanOrEqual(top)
        expect(y).toBeLessThanOrEqual(bottom)
      }
    }
    for (const e of polylines.filter((x) => x.attrs.class !== 'series')) {
      for (const [x, y] of points(e)) {
        expect(x).toBeGreaterThanOrEqual(560)
        expect(x).toBeLessThanOrEqual(980)
        expect(y).toBeGreaterThanOrEqual(top)
      }
    }
    // The crash band and its label sit in a lane above the plot, not over the data.
    const bandRects = elements.filter((e, k) => e.name === 'rect' && elements[k - 1]?.attrs.class === 'band')
    expect(bandRects.length).toBe(1)
    for (const r of bandRects) expect(Number(r.attrs.y) + Number(r.attrs.height)).toBeLessThanOrEqual(top)
    const labels = elements.filter((e) => e.attrs.class === 'band-label')
    expect(labels.length).toBe(1)
    for (const l of labels) expect(Number(l.attrs.y)).toBeLessThan(top)
  })

  it('renders an empty run without errors', () => {
    const empty = renderSvg({
      ...report,
      messages: [],
      latencyCdf: {},
      faults: [],
      timeline: {
        bucketMs: report.timeline.bucketMs,
        points: report.timeline.points.map((p) => ({ ...p, published: 0, deliveryRatio: null })),
      },
      summary: { ...report.summary, messages: { ...report.summary.messages, published: 0 } },
    })
    parseXml(empty)
    expect(empty).toContain('no messages delivered')
    expect(empty).toContain('no messages published')
    expect(empty).toContain('no workload messages')
  })
})

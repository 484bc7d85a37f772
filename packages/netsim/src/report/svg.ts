import type { CdfPoint } from '../metrics/stats'
import {
  duration,
  emptyNote,
  escapeXml,
  frame,
  int,
  logTicks,
  n,
  niceTicks,
  type Plot,
  pct,
  plot,
  textWidth,
} from './svg-kit'
import { adversaryPanel, LANE_H, lanesNeeded, timelinePanel } from './svg-timeline'
import type { DeliverySummary, Report } from './types'

export { escapeXml, logTicks, niceTicks } from './svg-kit'

const WIDTH = 1000
const PANEL_W = 420
const PANEL_H = 260
const LEFT_X = 70
const RIGHT_X = 560
/** Baseline of the first row's panel titles; fault lanes start just below it. */
const ROW1_TITLE_Y = 120
/** Height of the adversary panel of the second row. */
const ROW2_H = 120
const COLORS: Record<string, string> = { block: '#1f77b4', transaction: '#ff7f0e', all: '#2ca02c' }

/**
 * Whether the CDF needs a log axis: when the slowest delivery is more than 20 times the median, a linear axis
 * would squeeze the bulk of the curve against the left edge.
 */
function wantsLog(report: Report, maxX: number): boolean {
  const p50 = report.summary.messages.latencyMs.p50
  return p50 !== null && p50 > 0 && maxX / p50 > 20
}

function cdfPanel(report: Report, top: number): string[] {
  const series = Object.entries(report.latencyCdf).filter(([, pts]) => pts.length > 0)
  let maxX = 0
  let minX = Number.POSITIVE_INFINITY
  for (const [, pts] of series) {
    for (const p of pts) {
      maxX = Math.max(maxX, p.x)
      if (p.x > 0) minX = Math.min(minX, p.x)
    }
  }
  const log = wantsLog(report, maxX) && Number.isFinite(minX)
  const xTicks = log ? logTicks(minX, maxX) : niceTicks(0, maxX > 0 ? maxX : 1, 5)
  const box = { x0: LEFT_X, top, width: PANEL_W, height: PANEL_H }
  const a = plot(box, xTicks[xTicks.length - 1] as number, 1, log ? (xTicks[0] as number) : undefined)
  const out = frame(a, {
    title: 'Latency CDF (first delivery per node)',
    titleY: ROW1_TITLE_Y,
    xLabel: log ? 'latency since publication (ms, virtual; log scale)' : 'latency since publication (ms, virtual)',
    yLabel: 'share of target nodes reached',
    xTicks,
    yTicks: [0, 0.25, 0.5, 0.75, 1],
    yFmt: pct,
  })
  if (series.length === 0) {
    out.push(emptyNote(a, 'no messages delivered'))
    return out
  }
  for (const [kind, pts] of series) {
    out.push(`<polyline class="series" stroke="${COLORS[kind] ?? '#555'}" points="${stepPoints(pts, a)}"/>`)
  }
  // The legend sits in the bottom-right corner, which a CDF leaves empty.
  const boxW = 120
  const boxH = 10 + series.length * 18
  const bx = a.x0 + PANEL_W - boxW - 8
  const by = a.y0 - boxH - 8
  out.push(`<rect x="${bx}" y="${by}" width="${boxW}" height="${boxH}" class="legend-box"/>`)
  series.forEach(([kind], k) => {
    const ly = by + 14 + k * 18
    out.push(`<line x1="${bx + 8}" y1="${ly}" x2="${bx + 30}" y2="${ly}" stroke="${COLORS[kind] ?? '#555'}" stroke-width="3"/>`)
    out.push(`<text x="${bx + 36}" y="${ly}" class="legend" dominant-baseline="middle">${escapeXml(kind)}</text>`)
  })
  return out
}

/** A CDF drawn as steps: horizontal to each new x, then up to its fraction. */
function stepPoints(pts: readonly CdfPoint[], a: Plot): string {
  const out: string[] = [`${n(a.sx(a.xMin))},${n(a.sy(0))}`]
  let prev = 0
  for (const p of pts) {
    out.push(`${n(a.sx(p.x))},${n(a.sy(prev))}`)
    out.push(`${n(a.sx(p.x))},${n(a.sy(p.fraction))}`)
    prev = p.fraction
  }
  out.push(`${n(a.sx(a.xMax))},${n(a.sy(prev))}`)
  return out.join(' ')
}

/** One line of the summary block: a kind's delivery, or why there is none. */
function deliveryText(what: string, d: DeliverySummary | undefined, deadlineMs: number): string {
  if (d === undefined || d.published === 0) return `${what}: none published`
  if (d.deliveryRatio === null) return `${what}: ${int(d.published)} published, no targets`
  const lat = d.latencyMs
  return `${what}: ${int(d.published)} published, ${pct(d.deliveryRatio)} reached, ${pct(d.onTimeRatio ?? 0)} within ${duration(deadlineMs)}; p50 ${duration(lat.p50 ?? 0)}, p99 ${duration(lat.p99 ?? 0)}`
}

/** The figures behind the charts, as text, in the second row's left half. */
function summaryBlock(report: Report, top: number): string[] {
  const s = report.scenario
  const r = report.summary
  const a = r.adversaryActions
  const spam = r.byKind.spam
  const lines = [
    deliveryText('blocks', r.byKind.block, s.deadlineMs),
    deliveryText('transactions', r.byKind.transaction, s.deadlineMs),
    s.adversaries === 0
      ? 'adversaries: none'
      : `adversaries: ${int(s.adversaries)} nodes; ${int(spam?.published ?? 0)} spam messages, ${int(a.dropped)} dropped, ${int(a.delayed)} delayed, ${int(a.tampered)} tampered`,
    `faults: ${r.faults === 0 ? 'none' : `${int(r.faults)} actions (the bands above the delivery chart)`}`,
    `pings: ${int(r.pings.answered)}/${int(r.pings.sent)} answered, rtt p50 ${duration(r.pings.rttMs.p50 ?? 0)}`,
    `connections: ${int(r.connections.connected)} opened, ${int(r.connections.disconnected)} closed, ${int(r.connections.rejected)} rejected`,
    `Noise transport cipher: ${s.cipher === 'null' ? 'null (netsim only: same frames, no encryption)' : 'ChaCha20-Poly1305'}; ${int(r.events)} events`,
  ]
  const out = [`<text x="${LEFT_X - 50}" y="${top}" class="panel-title">Summary</text>`]
  let y = top + 26
  for (const line of lines) {
    for (const [k, part] of wrap(line, SUMMARY_W).entries()) {
      out.push(`<text x="${LEFT_X - 50 + (k > 0 ? 12 : 0)}" y="${y}" class="summary">${escapeXml(part)}</text>`)
      y += 18
    }
  }
  return out
}

/** Width of the summary block: the left half of the page, clear of the adversary chart's axis label. */
const SUMMARY_W = RIGHT_X - 80 - (LEFT_X - 50)

/** Splits `text` at spaces into lines at most `width` wide (at the summary's 12 px); continuations are indented. */
function wrap(text: string, width: number): string[] {
  const out: string[] = []
  let line = ''
  // A unit stays with its number: "121 ms" is one word here.
  const words: string[] = []
  for (const w of text.split(' ')) {
    if (/^(ms|s)[,;)]?$/.test(w) && words.length > 0) words[words.length - 1] += ` ${w}`
    else words.push(w)
  }
  for (const word of words) {
    const next = line === '' ? word : `${line} ${word}`
    if (line !== '' && textWidth(next, 12) > width - (out.length > 0 ? 12 : 0)) {
      out.push(line)
      line = word
    } else line = next
  }
  if (line !== '') out.push(line)
  return out
}

/** The headline under the title: delivery and latency, or "no messages" rather than a 100% of nothing. */
function headline(report: Report): string {
  const m = report.summary.messages
  const lat = m.latencyMs
  if (m.published === 0) return 'no workload messages'
  if (m.deliveryRatio === null) return `${m.published} messages, no targets (no other honest node was running)`
  return `${m.published} messages, reached ${pct(m.deliveryRatio)} (${pct(m.onTimeRatio ?? 0)} within ${duration(report.scenario.deadlineMs)}), latency p50 ${duration(lat.p50 ?? 0)}, p90 ${duration(lat.p90 ?? 0)}, p99 ${duration(lat.p99 ?? 0)}`
}

/**
 * Renders the report's chart as a self-contained SVG document (no scripts, no external fonts or styles):
 * a title with the headline figures; the latency CDF per message kind; delivery by publication time (reached
 * eventually, reached within the deadline, honest nodes up) under labelled bands for every fault and the
 * adversaries; the adversaries' traffic (spam, dropped, tampered, delayed) on the same time axis; and the
 * figures behind them as text.
 */
export function renderSvg(report: Report): string {
  const s = report.scenario
  const lanes = lanesNeeded(report, RIGHT_X, PANEL_W)
  const lanesTop = ROW1_TITLE_Y + 10
  const plotTop = lanesTop + lanes * LANE_H + 10
  const row2Top = plotTop + PANEL_H + 130
  const height = row2Top + ROW2_H + 90
  const sub = `${int(s.nodes)} nodes (${int(s.adversaries)} adversarial), ${s.topology}, ${int(s.edges)} initial connections, ${Number((s.durationMs / 1000).toPrecision(6))} s virtual, seed ${s.seed}`
  const body = [
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="30" class="title" text-anchor="middle">${escapeXml(`netsim: ${s.name}`)}</text>`,
    `<text x="${WIDTH / 2}" y="54" class="subtitle" text-anchor="middle">${escapeXml(headline(report))}</text>`,
    `<text x="${WIDTH / 2}" y="74" class="subtitle" text-anchor="middle">${escapeXml(sub)}</text>`,
    ...cdfPanel(report, plotTop),
    ...timelinePanel(report, {
      x0: RIGHT_X,
      width: PANEL_W,
      lanesTop,
      lanes,
      plotTop,
      plotHeight: PANEL_H,
      titleY: ROW1_TITLE_Y,
    }),
    ...summaryBlock(report, row2Top - 12),
    ...adversaryPanel(report, { x0: RIGHT_X, top: row2Top, width: PANEL_W, height: ROW2_H }),
  ]
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(`netsim report: ${s.name} (seed ${s.seed})`)}</title>`,
    '<style>',
    '.title{font-size:20px;font-weight:bold;fill:#222}',
    '.subtitle{font-size:13px;fill:#444}',
    '.panel-title{font-size:15px;font-weight:bold;fill:#222}',
    '.label{font-size:12px;fill:#333}',
    '.tick{font-size:11px;fill:#555}',
    '.legend{font-size:12px;fill:#222}',
    '.summary{font-size:12px;fill:#333}',
    '.empty{font-size:14px;fill:#999}',
    '.grid{stroke:#e5e5e5;stroke-width:1}',
    '.axis{stroke:#333;stroke-width:1}',
    '.series{fill:none;stroke-width:2.5}',
    '.band-edge{stroke-width:1;stroke-dasharray:4 3;stroke-opacity:0.6}',
    '.band-label{font-size:11px;font-weight:bold}',
    '.legend-box{fill:#ffffff;fill-opacity:0.9;stroke:#cccccc}',
    '</style>',
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

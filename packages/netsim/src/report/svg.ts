import type { CdfPoint } from '../metrics/stats'
import type { Report } from './types'

const WIDTH = 1000
const HEIGHT = 480
const PANEL_W = 420
const PANEL_H = 290
const PANEL_TOP = 110
const LEFT_X = 70
const RIGHT_X = 560
const COLORS: Record<string, string> = { block: '#1f77b4', transaction: '#ff7f0e', all: '#2ca02c' }
const FAULT_COLORS: Record<string, string> = {
  partition: '#d62728',
  cut: '#d62728',
  heal: '#2ca02c',
  crash: '#7f3c8d',
  restart: '#11a579',
  churn: '#555555',
}

/** Escapes text for SVG content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min]
  const raw = (max - min) / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power
  const ticks: number[] = []
  const last = Math.ceil(max / step - 1e-9) * step
  for (let v = Math.floor(min / step + 1e-9) * step; v <= last + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)))
  }
  return ticks
}

/** Powers of ten covering [min, max] (min > 0), for a log axis. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = []
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e)
  return ticks
}

/** A duration in ms as text: `117 ms`, `4.05 s`. */
function duration(msValue: number): string {
  return msValue >= 1_000 ? `${Number((msValue / 1_000).toPrecision(3))} s` : `${Number(msValue.toPrecision(3))} ms`
}

function fmt(v: number): string {
  if (v === 0) return '0'
  if (Math.abs(v) >= 1000) return `${Number((v / 1000).toPrecision(3))}k`
  return String(Number(v.toPrecision(3)))
}

function pct(v: number): string {
  return `${Number((v * 100).toFixed(1))}%`
}

function n(v: number): string {
  return String(Math.round(v * 100) / 100)
}

interface Axes {
  readonly x0: number
  readonly y0: number
  readonly xMin: number
  readonly xMax: number
  readonly yMax: number
  sx(v: number): number
  sy(v: number): number
}

function axes(x0: number, xMax: number, yMax: number, logFrom?: number): Axes {
  const y0 = PANEL_TOP + PANEL_H
  const xMin = logFrom ?? 0
  const sx =
    logFrom === undefined
      ? (v: number) => x0 + (xMax === 0 ? 0 : (v / xMax) * PANEL_W)
      : (v: number) => {
          const span = Math.log10(xMax) - Math.log10(logFrom)
          const at = (Math.log10(Math.max(v, logFrom)) - Math.log10(logFrom)) / span
          return x0 + Math.min(1, Math.max(0, at)) * PANEL_W
        }
  return { x0, y0, xMin, xMax, yMax, sx, sy: (v) => y0 - (yMax === 0 ? 0 : (v / yMax) * PANEL_H) }
}

function frame(a: Axes, title: string, xLabel: string, yLabel: string, xTicks: number[], yTicks: number[], yFmt: (v: number) => string): string[] {
  const out: string[] = []
  out.push(`<text x="${n(a.x0 + PANEL_W / 2)}" y="${PANEL_TOP - 14}" class="panel-title" text-anchor="middle">${escapeXml(title)}</text>`)
  for (const t of yTicks) {
    const y = n(a.sy(t))
    out.push(`<line x1="${a.x0}" y1="${y}" x2="${a.x0 + PANEL_W}" y2="${y}" class="grid"/>`)
    out.push(`<text x="${a.x0 - 8}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeXml(yFmt(t))}</text>`)
  }
  for (const t of xTicks) {
    const x = n(a.sx(t))
    out.push(`<line x1="${x}" y1="${a.y0}" x2="${x}" y2="${a.y0 + 5}" class="axis"/>`)
    out.push(`<text x="${x}" y="${a.y0 + 19}" class="tick" text-anchor="middle">${escapeXml(fmt(t))}</text>`)
  }
  out.push(`<line x1="${a.x0}" y1="${a.y0}" x2="${a.x0 + PANEL_W}" y2="${a.y0}" class="axis"/>`)
  out.push(`<line x1="${a.x0}" y1="${PANEL_TOP}" x2="${a.x0}" y2="${a.y0}" class="axis"/>`)
  out.push(`<text x="${n(a.x0 + PANEL_W / 2)}" y="${a.y0 + 42}" class="label" text-anchor="middle">${escapeXml(xLabel)}</text>`)
  const ly = n(PANEL_TOP + PANEL_H / 2)
  out.push(`<text x="${a.x0 - 50}" y="${ly}" class="label" text-anchor="middle" transform="rotate(-90 ${a.x0 - 50} ${ly})">${escapeXml(yLabel)}</text>`)
  return out
}

/**
 * Whether the CDF needs a log axis: when the slowest delivery is more than 20 times the median, a linear axis
 * would squeeze the bulk of the curve against the left edge.
 */
function wantsLog(report: Report, maxX: number): boolean {
  const p50 = report.summary.messages.latencyMs.p50
  return p50 !== null && p50 > 0 && maxX / p50 > 20
}

function cdfPanel(report: Report): string[] {
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
  const a = axes(LEFT_X, xTicks[xTicks.length - 1] as number, 1, log ? (xTicks[0] as number) : undefined)
  const xLabel = log ? 'latency since publication (ms, virtual; log scale)' : 'latency since publication (ms, virtual)'
  const out = frame(a, 'Latency CDF (first delivery per node)', xLabel, 'share of target nodes reached', xTicks, [0, 0.25, 0.5, 0.75, 1], pct)
  if (series.length === 0) {
    out.push(`<text x="${n(a.x0 + PANEL_W / 2)}" y="${n(PANEL_TOP + PANEL_H / 2)}" class="empty" text-anchor="middle">no messages delivered</text>`)
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
function stepPoints(pts: readonly CdfPoint[], a: Axes): string {
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

function timelinePanel(report: Report): string[] {
  const seconds = report.scenario.durationMs / 1_000
  const xTicks = niceTicks(0, seconds, 6)
  const a = axes(RIGHT_X, seconds, 1)
  const out = frame(a, 'Delivery ratio by publication time', 'publication time (s, virtual)', 'delivery ratio', xTicks.filter((t) => t <= seconds), [0, 0.25, 0.5, 0.75, 1], pct)
  const bucketS = report.timeline.bucketMs / 1_000
  const barW = Math.max(1, (bucketS / seconds) * PANEL_W - 1)
  for (const p of report.timeline.points) {
    if (p.deliveryRatio === null) continue
    const x = a.sx(p.startMs / 1_000)
    const y = a.sy(p.deliveryRatio)
    const fill = p.deliveryRatio >= 0.99 ? '#4e9a06' : p.deliveryRatio >= 0.9 ? '#c4a000' : '#cc0000'
    out.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(barW)}" height="${n(a.y0 - y)}" fill="${fill}" fill-opacity="0.75"><title>${escapeXml(`${fmt(p.startMs / 1000)} s: ${p.delivered}/${p.targets} (${pct(p.deliveryRatio)}), ${p.published} published`)}</title></rect>`)
  }
  for (const f of report.faults) {
    const color = Object.entries(FAULT_COLORS).find(([k]) => f.type.includes(k))?.[1] ?? '#888'
    if (f.type === 'churn-crash' || f.type === 'churn-restart') continue
    const x = n(a.sx(f.atMs / 1_000))
    const label = f.nodes.length === 0 ? f.type : f.nodes.length <= 2 ? `${f.type} ${f.nodes.join(' ')}` : `${f.type} (${f.nodes.length})`
    out.push(`<line x1="${x}" y1="${PANEL_TOP}" x2="${x}" y2="${a.y0}" class="fault" stroke="${color}"/>`)
    out.push(`<text x="${n(Number(x) + 4)}" y="${PANEL_TOP + 4}" class="fault-label" fill="${color}" transform="rotate(90 ${n(Number(x) + 4)} ${PANEL_TOP + 4})">${escapeXml(label)}</text>`)
  }
  if (!report.timeline.points.some((p) => p.deliveryRatio !== null)) {
    out.push(`<text x="${n(a.x0 + PANEL_W / 2)}" y="${n(PANEL_TOP + PANEL_H / 2)}" class="empty" text-anchor="middle">no messages published</text>`)
  }
  return out
}

/**
 * Renders the report's chart as a self-contained SVG document (no scripts, no external fonts or styles):
 * a title with the headline figures, the latency CDF per message kind, and the delivery ratio of the
 * messages published in each time window with the faults marked.
 */
export function renderSvg(report: Report): string {
  const s = report.scenario
  const m = report.summary.messages
  const lat = m.latencyMs
  const headline =
    m.published === 0
      ? 'no workload messages'
      : `${m.published} messages, delivery ${pct(m.deliveryRatio)}, latency p50 ${duration(lat.p50 ?? 0)}, p90 ${duration(lat.p90 ?? 0)}, p99 ${duration(lat.p99 ?? 0)}`
  const sub = `${s.nodes} nodes, ${s.topology}, ${s.edges} initial connections, ${fmt(s.durationMs / 1000)} s virtual, seed ${s.seed}; pings ${report.summary.pings.answered}/${report.summary.pings.sent}, rtt p50 ${duration(report.summary.pings.rttMs.p50 ?? 0)}`
  const body = [
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="30" class="title" text-anchor="middle">${escapeXml(`netsim: ${s.name}`)}</text>`,
    `<text x="${WIDTH / 2}" y="54" class="subtitle" text-anchor="middle">${escapeXml(headline)}</text>`,
    `<text x="${WIDTH / 2}" y="74" class="subtitle" text-anchor="middle">${escapeXml(sub)}</text>`,
    ...cdfPanel(report),
    ...timelinePanel(report),
  ]
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(`netsim report: ${s.name} (seed ${s.seed})`)}</title>`,
    '<style>',
    '.title{font-size:20px;font-weight:bold;fill:#222}',
    '.subtitle{font-size:13px;fill:#444}',
    '.panel-title{font-size:15px;font-weight:bold;fill:#222}',
    '.label{font-size:12px;fill:#333}',
    '.tick{font-size:11px;fill:#555}',
    '.legend{font-size:12px;fill:#222}',
    '.empty{font-size:14px;fill:#999}',
    '.grid{stroke:#e5e5e5;stroke-width:1}',
    '.axis{stroke:#333;stroke-width:1}',
    '.series{fill:none;stroke-width:2.5}',
    '.fault{stroke-width:1.5;stroke-dasharray:5 4}',
    '.fault-label{font-size:11px;font-weight:bold;paint-order:stroke;stroke:#ffffff;stroke-width:3px}',
    '.legend-box{fill:#ffffff;fill-opacity:0.9;stroke:#cccccc}',
    '</style>',
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

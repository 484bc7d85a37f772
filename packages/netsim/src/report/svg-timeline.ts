import { type BandKind, faultBands, layoutBands, type PlacedBand } from './bands'
import {
  duration,
  emptyNote,
  escapeXml,
  fmt,
  frame,
  int,
  legendRow,
  n,
  niceTicks,
  type Plot,
  pct,
  plot,
  textWidth,
} from './svg-kit'
import type { Report, TimelinePoint } from './types'

/** Height of one lane of fault bands above the delivery plot. */
export const LANE_H = 18

/** Fill of each kind of band. */
const BAND_COLORS: Record<BandKind, string> = {
  partition: '#d62728',
  cut: '#ff7f0e',
  crash: '#7b3294',
  churn: '#737373',
  adversaries: '#8c510a',
}

/** Colours of the delivery series and of the adversary series. */
export const SERIES = {
  delivered: '#9ecae1',
  onTime: '#08519c',
  up: '#41ab5d',
  spam: '#762a83',
  dropped: '#d73027',
  tampered: '#fc8d59',
  delayed: '#bf812d',
} as const

/** The bands of a report laid out over a time axis. */
export function placeBands(report: Report, p: Plot): PlacedBand[] {
  return layoutBands(
    faultBands(report),
    (ms) => p.sx(ms / 1_000),
    p.x0,
    p.x0 + p.width,
    (t) => textWidth(t, 11) + 4,
  )
}

/** Lanes the bands of `report` need over a plot `width` wide (the page reserves them before drawing). */
export function lanesNeeded(report: Report, x0: number, width: number): number {
  const seconds = report.scenario.durationMs / 1_000
  const p = plot({ x0, top: 0, width, height: 1 }, seconds, 1)
  const placed = placeBands(report, p)
  return placed.length === 0 ? 0 : Math.max(...placed.map((b) => b.lane)) + 1
}

/**
 * The bands in their lanes above the plot (`lanesTop` is the top of the first lane), a faint shade of each
 * over the plot behind the data, and dashed lines at their edges; the labels stay in the lanes.
 */
function drawBands(placed: readonly PlacedBand[], p: Plot, lanesTop: number): { under: string[]; over: string[] } {
  const under: string[] = []
  const over: string[] = []
  for (const b of placed) {
    const color = BAND_COLORS[b.kind]
    const y = lanesTop + b.lane * LANE_H
    const w = b.x2 - b.x1
    over.push(`<g class="band" data-kind="${b.kind}">`)
    over.push(`<rect x="${n(b.x1)}" y="${n(y + 1)}" width="${n(w)}" height="${LANE_H - 3}" fill="${color}" fill-opacity="0.22" stroke="${color}" stroke-width="1"/>`)
    if (b.labelWidth > 0) {
      over.push(`<text x="${n(b.labelX)}" y="${n(y + LANE_H / 2)}" class="band-label" fill="${color}" dominant-baseline="middle">${escapeXml(b.label)}</text>`)
    }
    over.push('</g>')
    if (b.kind === 'adversaries') continue
    under.push(`<rect x="${n(b.x1)}" y="${p.top}" width="${n(w)}" height="${p.height}" fill="${color}" fill-opacity="0.07" class="band-shade"/>`)
    for (const x of [b.x1, b.x2]) {
      if (x > p.x0 + 0.5 && x < p.x0 + p.width - 0.5) {
        under.push(`<line x1="${n(x)}" y1="${n(y + LANE_H - 2)}" x2="${n(x)}" y2="${p.y0}" class="band-edge" stroke="${color}"/>`)
      }
    }
  }
  return { under, over }
}

/** What the delivery panel needs to know about the page. */
export interface TimelineLayout {
  readonly x0: number
  readonly width: number
  /** Top of the first band lane; the plot starts below the lanes. */
  readonly lanesTop: number
  readonly lanes: number
  readonly plotTop: number
  readonly plotHeight: number
  readonly titleY: number
}

/**
 * Delivery by publication time: the share of targets each window's messages eventually reached (bars), the
 * share reached within the deadline (a line that drops under a partition, a crash or an attack), the share
 * of honest nodes running (a dashed line), fault and adversary bands in lanes above, and a legend below.
 */
export function timelinePanel(report: Report, layout: TimelineLayout): string[] {
  const seconds = report.scenario.durationMs / 1_000
  const p = plot({ x0: layout.x0, top: layout.plotTop, width: layout.width, height: layout.plotHeight }, seconds, 1)
  const out = frame(p, {
    title: 'Delivery by publication time',
    titleY: layout.titleY,
    xLabel: 'publication time (s, virtual)',
    yLabel: 'share of targets reached',
    xTicks: niceTicks(0, seconds, 6).filter((t) => t <= seconds),
    yTicks: [0, 0.25, 0.5, 0.75, 1],
    yFmt: pct,
  })
  const bands = drawBands(placeBands(report, p), p, layout.lanesTop)
  out.push(...bands.under)
  const points = report.timeline.points
  const bucketS = report.timeline.bucketMs / 1_000
  const barW = Math.max(1, (bucketS / seconds) * p.width - 1)
  const deadline = duration(report.scenario.deadlineMs)
  for (const pt of points) {
    if (pt.deliveryRatio === null) continue
    const x = p.sx(pt.startMs / 1_000)
    const y = p.sy(pt.deliveryRatio)
    const tip = `${fmt(pt.startMs / 1_000)} s: ${int(pt.delivered)}/${int(pt.targets)} reached (${pct(pt.deliveryRatio)}), ${pct(pt.onTimeRatio ?? 0)} within ${deadline}; ${pt.published} published`
    out.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(barW)}" height="${n(p.y0 - y)}" fill="${SERIES.delivered}" class="delivered"><title>${escapeXml(tip)}</title></rect>`)
  }
  const mid = (pt: TimelinePoint): number => p.sx(pt.startMs / 1_000 + bucketS / 2)
  const honest = report.scenario.honestNodes
  if (honest > 0) {
    const up = points.flatMap((pt) => {
      const y = p.sy(pt.honestUp / honest)
      const x = p.sx(pt.startMs / 1_000)
      return [`${n(x)},${n(y)}`, `${n(x + (bucketS / seconds) * p.width)},${n(y)}`]
    })
    out.push(`<polyline class="series honest-up" stroke="${SERIES.up}" stroke-dasharray="6 3" points="${up.join(' ')}"/>`)
  }
  // Windows without messages have no value: the line joins the windows on either side of them.
  const onTime = points.flatMap((pt) => (pt.onTimeRatio === null ? [] : [[mid(pt), p.sy(pt.onTimeRatio)] as const]))
  if (onTime.length > 0) {
    const line = onTime.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')
    out.push(`<polyline class="series on-time" stroke="${SERIES.onTime}" points="${line}"/>`)
  }
  for (const [x, y] of onTime) out.push(`<circle cx="${n(x)}" cy="${n(y)}" r="2.2" fill="${SERIES.onTime}"/>`)
  if (!points.some((pt) => pt.published > 0)) out.push(emptyNote(p, 'no messages published'))
  else if (!points.some((pt) => pt.deliveryRatio !== null)) out.push(emptyNote(p, 'no targets: no honest node up'))
  out.push(...bands.over)
  out.push(
    ...legendRow(p.x0, p.y0 + 62, p.width, [
      { label: 'reached (eventually)', color: SERIES.delivered, mark: 'box' },
      { label: `within ${deadline}`, color: SERIES.onTime, mark: 'line' },
      { label: 'honest nodes up', color: SERIES.up, mark: 'dash' },
    ]),
  )
  return out
}

/**
 * What adversaries did per window, as stacked bars on the delivery panel's time axis: spam messages
 * published, and messages dropped, tampered with and delayed (censorship). Says so when there were none.
 */
export function adversaryPanel(report: Report, box: { x0: number; top: number; width: number; height: number }): string[] {
  const seconds = report.scenario.durationMs / 1_000
  const points = report.timeline.points
  const keys = ['spam', 'dropped', 'tampered', 'delayed'] as const
  const stack = (pt: TimelinePoint): number => pt.spam + pt.dropped + pt.tampered + pt.delayed
  const yTicks = niceTicks(0, Math.max(1, ...points.map(stack)), 3)
  const yMax = yTicks[yTicks.length - 1] as number
  const p = plot(box, seconds, yMax)
  const out = frame(p, {
    title: 'Adversary traffic by time',
    titleY: box.top - 12,
    xLabel: 'time (s, virtual)',
    yLabel: 'messages per window',
    xTicks: niceTicks(0, seconds, 6).filter((t) => t <= seconds),
    yTicks,
    yFmt: fmt,
  })
  const bucketS = report.timeline.bucketMs / 1_000
  const barW = Math.max(1, (bucketS / seconds) * p.width - 1)
  for (const pt of points) {
    let base = 0
    for (const key of keys) {
      const v = pt[key]
      if (v === 0) continue
      const yTop = p.sy(base + v)
      out.push(`<rect x="${n(p.sx(pt.startMs / 1_000))}" y="${n(yTop)}" width="${n(barW)}" height="${n(p.sy(base) - yTop)}" fill="${SERIES[key]}" class="adversary-${key}"><title>${escapeXml(`${fmt(pt.startMs / 1_000)} s: ${v} ${key === 'spam' ? 'spam messages' : key}`)}</title></rect>`)
      base += v
    }
  }
  if (report.scenario.adversaries === 0) out.push(emptyNote(p, 'no adversaries'))
  else if (!points.some((pt) => stack(pt) > 0)) out.push(emptyNote(p, 'no adversary traffic'))
  out.push(
    ...legendRow(p.x0, p.y0 + 62, p.width, [
      { label: 'spam published', color: SERIES.spam, mark: 'box' },
      { label: 'dropped', color: SERIES.dropped, mark: 'box' },
      { label: 'tampered', color: SERIES.tampered, mark: 'box' },
      { label: 'delayed', color: SERIES.delayed, mark: 'box' },
    ]),
  )
  return out
}

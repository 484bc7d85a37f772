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
export function duration(msValue: number): string {
  return msValue >= 1_000
    ? `${Number((msValue / 1_000).toPrecision(3))} s`
    : `${Number(msValue.toPrecision(3))} ms`
}

/** A tick value: `0`, `2.5`, `12k`. */
export function fmt(v: number): string {
  if (v === 0) return '0'
  if (Math.abs(v) >= 1000) return `${Number((v / 1000).toPrecision(3))}k`
  return String(Number(v.toPrecision(3)))
}

/** A share as `98.7%`. */
export function pct(v: number): string {
  return `${Number((v * 100).toFixed(1))}%`
}

/** A coordinate, rounded to 1/100 px. */
export function n(v: number): string {
  return String(Math.round(v * 100) / 100)
}

/** A whole number with thousands separators. */
export function int(v: number): string {
  return Math.round(v).toLocaleString('en-US')
}

/** Width of `text` at 11-12 px in the chart's sans-serif font, a little generous (no font metrics in SVG). */
export function textWidth(text: string, px = 11): number {
  return text.length * px * 0.6
}

/** Where a plot sits on the page and how values map onto it. */
export interface Plot {
  /** Left edge of the plot area. */
  readonly x0: number
  /** Top edge of the plot area. */
  readonly top: number
  readonly width: number
  readonly height: number
  /** Bottom edge (the x axis). */
  readonly y0: number
  readonly xMin: number
  readonly xMax: number
  sx(v: number): number
  sy(v: number): number
}

/** A plot of [0 or logFrom, xMax] by [0, yMax] in the given box; `logFrom` makes the x axis logarithmic. */
export function plot(
  box: { x0: number; top: number; width: number; height: number },
  xMax: number,
  yMax: number,
  logFrom?: number,
): Plot {
  const { x0, top, width, height } = box
  const y0 = top + height
  const xMin = logFrom ?? 0
  const sx =
    logFrom === undefined
      ? (v: number) => x0 + (xMax === 0 ? 0 : (v / xMax) * width)
      : (v: number) => {
          const span = Math.log10(xMax) - Math.log10(logFrom)
          const at = (Math.log10(Math.max(v, logFrom)) - Math.log10(logFrom)) / span
          return x0 + Math.min(1, Math.max(0, at)) * width
        }
  return { x0, top, width, height, y0, xMin, xMax, sx, sy: (v) => y0 - (yMax === 0 ? 0 : (v / yMax) * height) }
}

/** The labels of a plot's frame. */
export interface FrameLabels {
  readonly title: string
  /** Where the title's baseline goes (above the plot, and above any fault lanes). */
  readonly titleY: number
  readonly xLabel: string
  readonly yLabel: string
  readonly xTicks: readonly number[]
  readonly yTicks: readonly number[]
  readonly yFmt: (v: number) => string
}

/** Title, grid, ticks, axes and axis labels of a plot. */
export function frame(p: Plot, labels: FrameLabels): string[] {
  const out: string[] = []
  const mid = n(p.x0 + p.width / 2)
  out.push(`<text x="${mid}" y="${labels.titleY}" class="panel-title" text-anchor="middle">${escapeXml(labels.title)}</text>`)
  for (const t of labels.yTicks) {
    const y = n(p.sy(t))
    out.push(`<line x1="${p.x0}" y1="${y}" x2="${p.x0 + p.width}" y2="${y}" class="grid"/>`)
    out.push(`<text x="${p.x0 - 8}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${escapeXml(labels.yFmt(t))}</text>`)
  }
  for (const t of labels.xTicks) {
    const x = n(p.sx(t))
    out.push(`<line x1="${x}" y1="${p.y0}" x2="${x}" y2="${p.y0 + 5}" class="axis"/>`)
    out.push(`<text x="${x}" y="${p.y0 + 19}" class="tick" text-anchor="middle">${escapeXml(fmt(t))}</text>`)
  }
  out.push(`<line x1="${p.x0}" y1="${p.y0}" x2="${p.x0 + p.width}" y2="${p.y0}" class="axis"/>`)
  out.push(`<line x1="${p.x0}" y1="${p.top}" x2="${p.x0}" y2="${p.y0}" class="axis"/>`)
  out.push(`<text x="${mid}" y="${p.y0 + 40}" class="label" text-anchor="middle">${escapeXml(labels.xLabel)}</text>`)
  const ly = n(p.top + p.height / 2)
  const lx = p.x0 - 50
  out.push(`<text x="${lx}" y="${ly}" class="label" text-anchor="middle" transform="rotate(-90 ${lx} ${ly})">${escapeXml(labels.yLabel)}</text>`)
  return out
}

/** A centred grey note in an empty plot ("no messages published"). */
export function emptyNote(p: Plot, text: string): string {
  return `<text x="${n(p.x0 + p.width / 2)}" y="${n(p.top + p.height / 2)}" class="empty" text-anchor="middle">${escapeXml(text)}</text>`
}

/** How a legend entry is drawn: a filled swatch, a solid line or a dashed line. */
export interface LegendEntry {
  readonly label: string
  readonly color: string
  readonly mark: 'box' | 'line' | 'dash'
}

/** A one-row legend starting at (x, y); entries that do not fit in `width` wrap to a second row. */
export function legendRow(x: number, y: number, width: number, entries: readonly LegendEntry[]): string[] {
  const out: string[] = [`<g class="legend-row">`]
  let cx = x
  let cy = y
  for (const e of entries) {
    const w = 28 + textWidth(e.label, 12) + 16
    if (cx + w > x + width && cx > x) {
      cx = x
      cy += 18
    }
    if (e.mark === 'box') {
      out.push(`<rect x="${n(cx)}" y="${n(cy - 6)}" width="20" height="12" fill="${e.color}"/>`)
    } else {
      const dash = e.mark === 'dash' ? ' stroke-dasharray="5 3"' : ''
      out.push(`<line x1="${n(cx)}" y1="${n(cy)}" x2="${n(cx + 20)}" y2="${n(cy)}" stroke="${e.color}" stroke-width="2.5"${dash}/>`)
    }
    out.push(`<text x="${n(cx + 26)}" y="${n(cy)}" class="legend" dominant-baseline="middle">${escapeXml(e.label)}</text>`)
    cx += w
  }
  out.push('</g>')
  return out
}

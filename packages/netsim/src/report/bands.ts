import type { Report } from './types'

/** What a band on the time axis stands for. */
export type BandKind = 'partition' | 'cut' | 'crash' | 'churn' | 'adversaries'

/** An interval of the run during which a fault or an adversary was active, in virtual ms. */
export interface Band {
  readonly kind: BandKind
  readonly startMs: number
  readonly endMs: number
  readonly label: string
}

/** A band placed in a lane above the plot, with where its label goes. */
export interface PlacedBand extends Band {
  readonly lane: number
  readonly x1: number
  readonly x2: number
  /** Left end of the label text. */
  readonly labelX: number
  readonly labelWidth: number
}

/** Most lanes drawn above a plot; a band that finds no room in them is drawn in the last one, unlabelled. */
export const MAX_LANES = 6

/** Node names as a label: `n42`, `n3 n7`, or `12 nodes`. */
function names(nodes: readonly string[]): string {
  return nodes.length <= 2 ? nodes.join(' ') : `${nodes.length} nodes`
}

/**
 * The faults of a report as intervals: a partition until the heal (or the next partition), a cut until its
 * heal, a crash until the restart of any of its nodes, churn from its start to its end (with its crash count),
 * and one band for the adversaries over the whole run. A fault still open at the end runs to the end.
 */
export function faultBands(report: Report): Band[] {
  const end = report.scenario.durationMs
  const bands: Band[] = []
  let partition: number | undefined
  const cuts = new Map<string, { startMs: number; nodes: readonly string[] }>()
  let crashes: { startMs: number; nodes: Set<string>; label: string }[] = []
  let churn: { startMs: number; crashes: number } | undefined
  const closeCrashes = (atMs: number, restarted: readonly string[] | undefined): void => {
    crashes = crashes.filter((c) => {
      if (restarted !== undefined && !restarted.some((x) => c.nodes.has(x))) return true
      bands.push({ kind: 'crash', startMs: c.startMs, endMs: atMs, label: c.label })
      return false
    })
  }
  for (const f of report.faults) {
    switch (f.type) {
      case 'partition':
        if (partition !== undefined) bands.push({ kind: 'partition', startMs: partition, endMs: f.atMs, label: 'partition' })
        partition = f.atMs
        break
      case 'cut':
        cuts.set(f.nodes.join(' '), { startMs: f.atMs, nodes: f.nodes })
        break
      case 'heal': {
        const healAll = f.nodes.length === 0
        if (healAll && partition !== undefined) {
          bands.push({ kind: 'partition', startMs: partition, endMs: f.atMs, label: 'partition' })
          partition = undefined
        }
        for (const [key, cut] of cuts) {
          if (!healAll && key !== f.nodes.join(' ')) continue
          bands.push({ kind: 'cut', startMs: cut.startMs, endMs: f.atMs, label: `cut ${names(cut.nodes)}` })
          cuts.delete(key)
        }
        break
      }
      case 'crash':
        if (f.nodes.length > 0) {
          crashes.push({ startMs: f.atMs, nodes: new Set(f.nodes), label: `crash ${names(f.nodes)}` })
        }
        break
      case 'restart':
        closeCrashes(f.atMs, f.nodes)
        break
      case 'churn-start':
        churn = { startMs: f.atMs, crashes: 0 }
        break
      case 'churn-crash':
        if (churn !== undefined) churn.crashes++
        break
      case 'churn-end':
        if (churn !== undefined) bands.push(churnBand(churn, f.atMs))
        churn = undefined
        break
    }
  }
  if (partition !== undefined) bands.push({ kind: 'partition', startMs: partition, endMs: end, label: 'partition' })
  for (const cut of cuts.values()) {
    bands.push({ kind: 'cut', startMs: cut.startMs, endMs: end, label: `cut ${names(cut.nodes)}` })
  }
  closeCrashes(end, undefined)
  if (churn !== undefined) bands.push(churnBand(churn, end))
  bands.push(...adversaryBands(report))
  return bands.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs)
}

function churnBand(churn: { startMs: number; crashes: number }, endMs: number): Band {
  const label = `churn: ${churn.crashes} crash${churn.crashes === 1 ? '' : 'es'}`
  return { kind: 'churn', startMs: churn.startMs, endMs, label }
}

/** One band per attack window, labelled with what plays in it: `adversaries: drop ×4, delay ×2`. */
function adversaryBands(report: Report): Band[] {
  const windows = new Map<string, { startMs: number; endMs: number; count: Map<string, number> }>()
  for (const a of report.adversaries) {
    if (a.nodes === 0) continue
    const key = `${a.startMs}-${a.endMs}`
    const w = windows.get(key) ?? { startMs: a.startMs, endMs: a.endMs, count: new Map<string, number>() }
    w.count.set(a.name, (w.count.get(a.name) ?? 0) + a.nodes)
    windows.set(key, w)
  }
  return [...windows.values()].map((w) => ({
    kind: 'adversaries' as const,
    startMs: w.startMs,
    endMs: w.endMs,
    label: `adversaries: ${[...w.count].map(([name, k]) => `${name} \u00d7${k}`).join(', ')}`,
  }))
}

/**
 * Puts each band in the first lane where neither it nor its label meets another (bands in time order), so
 * labels never overlap each other or the data below. `sx` maps ms to x; labels start inside the band and
 * may run past its end into free lane space, and are pulled left to stay within [left, right].
 */
export function layoutBands(
  bands: readonly Band[],
  sx: (ms: number) => number,
  left: number,
  right: number,
  width: (text: string) => number,
): PlacedBand[] {
  const laneEnds: number[] = []
  const placed: PlacedBand[] = []
  for (const band of bands) {
    const x1 = sx(band.startMs)
    const x2 = Math.max(x1 + 2, sx(band.endMs))
    const labelWidth = width(band.label)
    const labelX = Math.max(left + 2, Math.min(x1 + 4, right - labelWidth - 2))
    const from = Math.min(x1, labelX)
    const to = Math.max(x2, labelX + labelWidth)
    let lane = laneEnds.findIndex((e) => e + 6 <= from)
    if (lane < 0 && laneEnds.length < MAX_LANES) lane = laneEnds.length
    if (lane < 0) {
      // No room left: the band is still drawn (in the last lane), its label is not.
      lane = MAX_LANES - 1
      placed.push({ ...band, lane, x1, x2, labelX, labelWidth: 0 })
      continue
    }
    laneEnds[lane] = to
    placed.push({ ...band, lane, x1, x2, labelX, labelWidth })
  }
  return placed
}

/**
 * Unit parsing for scenario values. Each parser returns `undefined` for input it cannot read, so the
 * validator can report the field's path.
 */

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1_024,
  mib: 1_048_576,
  gib: 1_073_741_824,
}

/** Bits-per-second units, as bytes per second. */
const BIT_RATE_UNITS: Record<string, number> = {
  bps: 1 / 8,
  kbps: 1_000 / 8,
  mbps: 1_000_000 / 8,
  gbps: 1_000_000_000 / 8,
}

const NUMBER_WITH_UNIT = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-z/]*)\s*$/i

/** A duration in ms: a non-negative number (ms) or `'<n><ns|us|ms|s|m|h>'`. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const m = NUMBER_WITH_UNIT.exec(value)
  if (m === null) return undefined
  const unit = (m[2] as string).toLowerCase()
  const factor = unit === '' ? 1 : DURATION_UNITS[unit]
  if (factor === undefined) return undefined
  const ms = Number(m[1]) * factor
  return Number.isFinite(ms) ? ms : undefined
}

/** A size in bytes (rounded to an integer): a non-negative number or `'<n><B|KB|MB|GB|KiB|MiB|GiB>'`. */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined
  }
  if (typeof value !== 'string') return undefined
  const m = NUMBER_WITH_UNIT.exec(value)
  if (m === null) return undefined
  const unit = (m[2] as string).toLowerCase()
  const factor = unit === '' ? 1 : SIZE_UNITS[unit]
  if (factor === undefined) return undefined
  const bytes = Math.round(Number(m[1]) * factor)
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

/**
 * A bandwidth in bytes per second: a positive number, `'unlimited'` (Infinity), `'<size>/s'` (`'1MB/s'`) or
 * a bit rate (`'100Mbps'`).
 */
export function parseBandwidth(value: unknown): number | undefined {
  if (value === 'unlimited' || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const m = NUMBER_WITH_UNIT.exec(value)
  if (m === null) return undefined
  const unit = (m[2] as string).toLowerCase()
  let rate: number | undefined
  if (unit.endsWith('/s')) {
    const size = unit.slice(0, -2)
    const factor = SIZE_UNITS[size === '' ? 'b' : size]
    rate = factor === undefined ? undefined : Number(m[1]) * factor
  } else if (unit === '') {
    rate = Number(m[1])
  } else {
    const factor = BIT_RATE_UNITS[unit]
    rate = factor === undefined ? undefined : Number(m[1]) * factor
  }
  return rate !== undefined && Number.isFinite(rate) && rate > 0 ? rate : undefined
}

import { ScenarioInvalidError } from '../errors'
import type { Distribution } from '../random/distribution'
import type { DistributionInput } from './types'
import { parseBandwidth, parseByteSize, parseDuration } from './units'

/** Joins a parent path and a key: `links` + `latency` = `links.latency`; `faults` + 2 = `faults[2]`. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path === '' ? key : `${path}.${key}`
}

/** Throws {@link ScenarioInvalidError} for `path`. */
export function fail(path: string, reason: string, value?: unknown): never {
  throw new ScenarioInvalidError(path, reason, value === undefined ? {} : { value: preview(value) })
}

function preview(value: unknown): unknown {
  if (typeof value === 'function') return '[function]'
  try {
    const text = JSON.stringify(value)
    return text !== undefined && text.length > 120 ? `${text.slice(0, 117)}...` : value
  } catch {
    return String(value)
  }
}

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Requires a plain object and rejects keys outside `allowed` (typos fail loudly). */
export function record(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isRecord(value)) fail(path, 'must be an object', value)
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(at(path, key), `unknown field (expected one of: ${allowed.join(', ')})`)
  }
  return value
}

/** A duration in ms. */
export function duration(value: unknown, path: string): number {
  const ms = parseDuration(value)
  if (ms === undefined)
    fail(path, "must be a duration: ms as a number, or a string such as '250ms', '2s', '1m'", value)
  return ms
}

/** A size in bytes. */
export function byteSize(value: unknown, path: string): number {
  const bytes = parseByteSize(value)
  if (bytes === undefined)
    fail(path, "must be a size: bytes as a number, or a string such as '64KB', '1MiB'", value)
  return bytes
}

/** A bandwidth in bytes per second (Infinity for unlimited). */
export function bandwidth(value: unknown, path: string): number {
  const rate = parseBandwidth(value)
  if (rate === undefined) {
    fail(path, "must be a bandwidth: bytes/s as a number, or '1MB/s', '100Mbps', 'unlimited'", value)
  }
  return rate
}

/** A finite number within [min, max]. */
export function number(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(path, `must be a number from ${min} to ${max}`, value)
  }
  return value
}

/** An integer within [min, max]. */
export function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `must be an integer from ${min} to ${max}`, value)
  }
  return value
}

/** A string. */
export function string(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'must be a string', value)
  return value
}

/** An array. */
export function array(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(path, 'must be an array', value)
  return value
}

/** A duration or a distribution of durations. */
export function distribution(value: unknown, path: string): Distribution {
  if (typeof value === 'number' || typeof value === 'string') {
    return { distribution: 'fixed', value: duration(value, path) }
  }
  if (!isRecord(value)) fail(path, 'must be a duration or a distribution object', value)
  const d = value as Partial<DistributionInput> & Record<string, unknown>
  const kind = d.distribution
  const max = (keys: string[]): number | undefined => {
    record(value, path, ['distribution', ...keys, 'max'])
    return d.max === undefined ? undefined : duration(d.max, at(path, 'max'))
  }
  const withMax = <T extends Distribution>(dist: T, limit: number | undefined): T =>
    limit === undefined ? dist : { ...dist, max: limit }
  switch (kind) {
    case 'fixed':
      record(value, path, ['distribution', 'value'])
      return { distribution: 'fixed', value: duration(d.value, at(path, 'value')) }
    case 'uniform': {
      record(value, path, ['distribution', 'min', 'max'])
      const min = duration(d.min, at(path, 'min'))
      const hi = duration(d.max, at(path, 'max'))
      if (hi < min) fail(at(path, 'max'), 'must be at least min', d.max)
      return { distribution: 'uniform', min, max: hi }
    }
    case 'normal': {
      const limit = max(['mean', 'stddev'])
      return withMax(
        {
          distribution: 'normal',
          mean: duration(d.mean, at(path, 'mean')),
          stddev: duration(d.stddev, at(path, 'stddev')),
        },
        limit,
      )
    }
    case 'lognormal': {
      const limit = max(['median', 'sigma'])
      return withMax(
        {
          distribution: 'lognormal',
          median: duration(d.median, at(path, 'median')),
          sigma: number(d.sigma, at(path, 'sigma'), 0, 10),
        },
        limit,
      )
    }
    case 'pareto': {
      const limit = max(['scale', 'shape'])
      const scale = duration(d.scale, at(path, 'scale'))
      if (scale <= 0) fail(at(path, 'scale'), 'must be greater than 0', d.scale)
      const shape = number(d.shape, at(path, 'shape'), 0.01, 100)
      return withMax({ distribution: 'pareto', scale, shape }, limit)
    }
    case 'exponential': {
      const limit = max(['mean'])
      return withMax({ distribution: 'exponential', mean: duration(d.mean, at(path, 'mean')) }, limit)
    }
    default:
      fail(
        at(path, 'distribution'),
        'must be one of: fixed, uniform, normal, lognormal, pareto, exponential',
        kind,
      )
  }
}

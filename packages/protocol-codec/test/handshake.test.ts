import { describe, expect, it } from 'vitest'
import {
  checkClockSkew,
  DEFAULT_MAX_CLOCK_SKEW_MS,
  isCompatibleVersion,
  MIN_PROTOCOL_VERSION,
  negotiateVersion,
  PROTOCOL_VERSION,
} from '../src'

describe('protocol versions', () => {
  it('accepts our version and newer ones, refuses older and malformed ones', () => {
    expect(PROTOCOL_VERSION).toBeGreaterThanOrEqual(MIN_PROTOCOL_VERSION)
    expect(isCompatibleVersion(PROTOCOL_VERSION)).toBe(true)
    expect(isCompatibleVersion(MIN_PROTOCOL_VERSION)).toBe(true)
    expect(isCompatibleVersion(PROTOCOL_VERSION + 5)).toBe(true)
    expect(isCompatibleVersion(MIN_PROTOCOL_VERSION - 1)).toBe(false)
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, -1, 2 ** 32])
      expect(isCompatibleVersion(bad)).toBe(false)
  })

  it('negotiates the lower version', () => {
    expect(negotiateVersion(PROTOCOL_VERSION + 3)).toBe(PROTOCOL_VERSION)
    expect(negotiateVersion(MIN_PROTOCOL_VERSION)).toBe(MIN_PROTOCOL_VERSION)
    expect(negotiateVersion(0)).toBeUndefined()
  })
})

describe('checkClockSkew', () => {
  const now = 1_700_000_000_000

  it('defaults to a 10 minute tolerance, inclusive', () => {
    expect(DEFAULT_MAX_CLOCK_SKEW_MS).toBe(600_000)
    expect(checkClockSkew(now + 600_000, now)).toEqual({ skewMs: 600_000, ok: true, maxSkewMs: 600_000 })
    expect(checkClockSkew(now - 600_000, now).ok).toBe(true)
    expect(checkClockSkew(now + 600_001, now)).toEqual({ skewMs: 600_001, ok: false, maxSkewMs: 600_000 })
    expect(checkClockSkew(now - 600_001, now)).toMatchObject({ skewMs: -600_001, ok: false })
  })

  it('reports the signed skew (remote ahead is positive) and honours a custom tolerance', () => {
    expect(checkClockSkew(now + 3_000, now, 5_000)).toEqual({ skewMs: 3_000, ok: true, maxSkewMs: 5_000 })
    expect(checkClockSkew(now - 3_000, now, 2_000)).toEqual({ skewMs: -3_000, ok: false, maxSkewMs: 2_000 })
  })

  it('refuses non-finite input', () => {
    const r = checkClockSkew(Number.NaN, now)
    expect(r.ok).toBe(false)
    expect(Number.isNaN(r.skewMs)).toBe(true)
    expect(checkClockSkew(now, Number.POSITIVE_INFINITY).ok).toBe(false)
  })
})

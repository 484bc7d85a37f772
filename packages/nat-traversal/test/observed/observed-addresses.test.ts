import { ManualClock, testPeerId } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { NatError } from '../../src/errors'
import { ObservedAddresses } from '../../src/observed/observed-addresses'

const ME = 'tcp://203.0.113.50:7000'
const LIE = 'tcp://198.51.100.66:7000'

describe('ObservedAddresses', () => {
  it('confirms an address only once three distinct network groups report it', () => {
    const o = new ObservedAddresses(new ManualClock(), { onlyRoutable: false })
    expect(o.record(ME, testPeerId(1), '1.1.0.1')).toBe('counted')
    expect(o.record(ME, testPeerId(2), '2.2.0.1')).toBe('counted')
    expect(o.confirmedAddresses()).toEqual([])
    expect(o.record(ME, testPeerId(3), '3.3.0.1')).toBe('confirmed')
    expect(o.confirmedAddresses()).toEqual([ME])
    expect(o.confirmedHosts()).toEqual(['203.0.113.50'])
    expect(o.record(ME, testPeerId(4), '4.4.0.1')).toBe('counted')
  })

  it('one peer repeating a false address, or many peers of one group, never confirm it', () => {
    const o = new ObservedAddresses(new ManualClock(), { onlyRoutable: false })
    for (let i = 0; i < 50; i++) o.record(LIE, testPeerId(1), '9.9.0.1')
    for (let i = 0; i < 50; i++) o.record(LIE, testPeerId(100 + i), `9.9.${i}.1`)
    expect(o.support(LIE)).toBe(1)
    expect(o.confirmedAddresses()).toEqual([])
    o.record(ME, testPeerId(1), '1.1.0.1')
    o.record(ME, testPeerId(2), '2.2.0.1')
    o.record(ME, testPeerId(3), '3.3.0.1')
    expect(o.confirmedAddresses()).toEqual([ME])
  })

  it('counts hosts across ports (a NAT gives each connection its own port)', () => {
    const o = new ObservedAddresses(new ManualClock(), { onlyRoutable: false })
    o.record('tcp://203.0.113.50:40001', testPeerId(1), '1.1.0.1')
    o.record('tcp://203.0.113.50:40002', testPeerId(2), '2.2.0.1')
    o.record('tcp://203.0.113.50:40003', testPeerId(3), '3.3.0.1')
    expect(o.confirmedAddresses()).toEqual([])
    expect(o.confirmedHosts()).toEqual(['203.0.113.50'])
  })

  it('reports expire after reportTtlMs', () => {
    const clock = new ManualClock()
    const o = new ObservedAddresses(clock, { onlyRoutable: false, reportTtlMs: 1_000 })
    o.record(ME, testPeerId(1), '1.1.0.1')
    o.record(ME, testPeerId(2), '2.2.0.1')
    clock.advance(1_001)
    o.record(ME, testPeerId(3), '3.3.0.1')
    expect(o.confirmedAddresses()).toEqual([])
    expect(o.support(ME)).toBe(1)
  })

  it('ignores malformed, memory, port-0 and (by default) unroutable addresses, and bounds its memory', () => {
    const o = new ObservedAddresses(new ManualClock(), { maxCandidates: 4, maxReportersPerCandidate: 2 })
    expect(o.record('not an address', testPeerId(1), '1.1.0.1')).toBe('ignored')
    expect(o.record('memory://x', testPeerId(1), '1.1.0.1')).toBe('ignored')
    expect(o.record('tcp://8.8.8.8:0', testPeerId(1), '1.1.0.1')).toBe('ignored')
    expect(o.record('tcp://10.0.0.1:7000', testPeerId(1), '1.1.0.1')).toBe('ignored')
    for (let i = 0; i < 1_000; i++)
      o.record(`tcp://8.8.${i % 250}.${Math.floor(i / 250) + 1}:7000`, testPeerId(i), `${i % 200}.1.0.1`)
    const inner = (o as unknown as { candidates: Map<string, Map<string, unknown>> }).candidates
    expect(inner.size).toBeLessThanOrEqual(8)
    for (const reports of inner.values()) expect(reports.size).toBeLessThanOrEqual(2)
  })

  it('forgetReporter drops a lying peer', () => {
    const o = new ObservedAddresses(new ManualClock(), { onlyRoutable: false })
    o.record(LIE, testPeerId(1), '1.1.0.1')
    o.forgetReporter(testPeerId(1))
    expect(o.support(LIE)).toBe(0)
  })

  it('refuses bad options with ERR_INVALID_OPTIONS', () => {
    const err = (() => {
      try {
        new ObservedAddresses(new ManualClock(), { confirmations: 0 })
      } catch (e) {
        return e
      }
    })()
    expect(NatError.isInstance(err) && err.code).toBe('ERR_INVALID_OPTIONS')
  })
})

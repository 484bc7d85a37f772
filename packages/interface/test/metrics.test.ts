import { describe, expect, it } from 'vitest'
import { noopLogger, noopMetrics } from '../src/index'
import { MemoryMetrics } from '../src/testing/index'

describe('metrics', () => {
  it('MemoryMetrics records counters, gauges and histograms by label set', () => {
    const m = new MemoryMetrics()
    const c = m.counter({ name: 'msgs_total', help: 'x', labelNames: ['type'] })
    c.inc(1, { type: 'ping' })
    c.inc(2, { type: 'ping' })
    c.inc(1, { type: 'pong' })
    expect(m.get('msgs_total', { type: 'ping' })).toBe(3)
    expect(m.total('msgs_total')).toBe(4)
    const g = m.gauge({ name: 'peers', help: 'x' })
    g.set(5)
    g.dec()
    expect(m.get('peers')).toBe(4)
    const h = m.histogram({ name: 'latency', help: 'x' })
    h.observe(10)
    h.observe(20)
    expect(m.observations('latency')).toEqual([10, 20])
  })

  it('the no-op registry and logger accept every call', () => {
    noopMetrics.counter({ name: 'a', help: 'a' }).inc()
    noopMetrics.gauge({ name: 'b', help: 'b' }).set(1)
    noopMetrics.histogram({ name: 'c', help: 'c' }).observe(1)
    noopLogger.info({ a: 1 }, 'hello')
    expect(noopLogger.child({ x: 1 })).toBe(noopLogger)
  })
})

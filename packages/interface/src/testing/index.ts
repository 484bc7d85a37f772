/**
 * @packageDocumentation
 * Test helpers for chainwire users and packages: a manual clock and an in-memory metrics registry.
 */
export { ManualClock, type ManualClockOptions } from './manual-clock'
export { MemoryMetrics } from './memory-metrics'

/**
 * @packageDocumentation
 * Test helpers for chainwire users and packages: a manual clock and ways to run it until work settles, an
 * in-memory metrics registry, a seeded random generator and canonical test peer ids.
 */
export { ManualClock, type ManualClockOptions } from './manual-clock'
export { MemoryMetrics } from './memory-metrics'
export { randomBytes, seededRandom, testPeerId } from './random'
export { advanceUntil, type SettleOptions, settle } from './settle'

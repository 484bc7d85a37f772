import { expect } from 'vitest'
import { type NatPopulationFigures, summarizeNatPopulation } from './nat-population'

/**
 * The thresholds the NATed population must meet at every size: >= 99% of the NATed nodes reachable, the
 * connections answering, >= 95% of the endpoint-independent pairs punched and no symmetric one, the median
 * time to direct under 12 relayed round trips, and no connection lost to a NAT mapping timeout.
 */
export function expectNatPopulationHolds(figures: NatPopulationFigures): void {
  const s = summarizeNatPopulation(figures)
  expect(s.reachableShare).toBeGreaterThanOrEqual(0.99)
  expect(s.pingShare).toBeGreaterThanOrEqual(0.99)
  expect(s.directShareEim).toBeGreaterThanOrEqual(0.95)
  expect(s.directShareSymmetric).toBe(0)
  // connect + sync + a simultaneous open + Noise over the direct connection: a handful of round trips
  expect(s.timeToDirectRtts.p50).toBeLessThan(12)
  expect(figures.nat.expiredConnections).toBe(0)
}

import { latencyValue } from './factors/latency'
import type { ResolvedOptions } from './options'
import type { PeerRecord } from './record'

/**
 * Whole decay periods between the decay anchor and `now`. Decay is a function of the clock, not of how often
 * a timer fired: a late timer, a stalled event loop or a restart all apply the same number of periods.
 */
export function periodsElapsed(anchor: number, now: number, periodMs: number): number {
  return now > anchor ? Math.floor((now - anchor) / periodMs) : 0
}

/**
 * How many of the `periods` boundaries after `anchor` fall inside a ban freeze ending at `bannedUntil`;
 * those periods are skipped for the banned peer.
 */
export function frozenPeriods(
  anchor: number,
  periods: number,
  periodMs: number,
  bannedUntil: number,
): number {
  if (bannedUntil <= anchor) return 0
  return Math.min(periods, Math.floor((bannedUntil - anchor) / periodMs))
}

/**
 * Applies `periods` decay periods to a record: every counter (blocks, transactions, behaviour, stability),
 * the latency freshness and, while disconnected, the uptime credit are multiplied by `decayFactor^periods`;
 * whatever falls below `decayToZero` points becomes exactly 0. Validator status does not decay.
 */
export function decayRecord(r: PeerRecord, periods: number, o: ResolvedOptions): void {
  if (periods <= 0 || o.decayFactor === 1) return
  const k = o.decayFactor ** periods
  const floor = o.decayToZero
  r.blocks = toZero(r.blocks * k, floor)
  r.transactions = toZero(r.transactions * k, floor)
  r.behaviour = toZero(r.behaviour * k, floor)
  r.stability = toZero(r.stability * k, floor)
  if (r.connections === 0 && r.uptimeCreditMs > 0) {
    const credit = r.uptimeCreditMs * k
    r.uptimeCreditMs = (100 * credit) / o.uptime.fullCreditMs < floor ? 0 : credit
  }
  if (r.latencyMs !== undefined && r.latencyFreshness > 0) {
    const freshness = r.latencyFreshness * k
    r.latencyFreshness = Math.abs(latencyValue(r.latencyMs, o.latency) * freshness) < floor ? 0 : freshness
  }
}

function toZero(x: number, floor: number): number {
  return Math.abs(x) < floor ? 0 : x
}

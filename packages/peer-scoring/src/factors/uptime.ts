import { clampSubScore } from './weights'

/** The resolved uptime options (see `UptimeOptions`). */
export interface UptimeRules {
  fullCreditMs: number
  shortSessionMs: number
  shortSessionPenalty: number
}

/**
 * Connected-time credit at `now`: the stored credit plus the session in progress, capped at `fullCreditMs`.
 * `connectedSince` is undefined while the peer has no open connection.
 */
export function uptimeCredit(
  storedCreditMs: number,
  connectedSince: number | undefined,
  now: number,
  fullCreditMs: number,
): number {
  const session = connectedSince === undefined ? 0 : Math.max(0, now - connectedSince)
  return Math.min(fullCreditMs, storedCreditMs + session)
}

/**
 * The uptime sub-score: up to +100 for `fullCreditMs` of connected time, plus the stability counter (0 or
 * negative, from flaps), clamped to [-100, 100].
 */
export function uptimeSubScore(creditMs: number, stability: number, fullCreditMs: number): number {
  return clampSubScore((100 * creditMs) / fullCreditMs + stability)
}

/**
 * Default tolerance between a peer's hello timestamp and our clock: 10 minutes. Honest machines with NTP
 * agree to well under a second and the handshake itself takes at most 5 s, so this only catches clocks that
 * are really wrong (a wrong time zone, a dead RTC battery) and would make the peer refuse or produce blocks
 * by their timestamps. Bitcoin only warns at 70 minutes because it never disconnects for skew; a handshake
 * that does disconnect should not wait for a full hour of error.
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 10 * 60 * 1000

/** Result of {@link checkClockSkew}. */
export interface ClockSkew {
  /** Remote time minus local time, in ms: positive when the peer's clock is ahead. `NaN` for bad input. */
  readonly skewMs: number
  /** True when `|skewMs| <= maxSkewMs`. */
  readonly ok: boolean
  /** The tolerance applied. */
  readonly maxSkewMs: number
}

/**
 * Compares a peer's hello `timestamp` with our clock (`localNow`, from the injected `Clock`). Disconnect
 * with `clock_skew` when `ok` is false; record `skewMs` (for example a median over peers) to notice when
 * our own clock is the wrong one.
 */
export function checkClockSkew(
  remoteTimestamp: number,
  localNow: number,
  maxSkewMs: number = DEFAULT_MAX_CLOCK_SKEW_MS,
): ClockSkew {
  const skewMs =
    Number.isFinite(remoteTimestamp) && Number.isFinite(localNow) ? remoteTimestamp - localNow : Number.NaN
  return { skewMs, ok: Math.abs(skewMs) <= maxSkewMs, maxSkewMs }
}

/** An opaque handle returned by {@link Clock.setTimeout} and {@link Clock.setInterval}. */
export type TimerHandle = { readonly __timer: unique symbol } | object

/**
 * The only source of time and timers in chainwire. Every package takes one through its components so the
 * network simulator can run real nodes in virtual time and tests can use fake time without patching globals.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (virtual time under a simulated clock). */
  now(): number
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle
  /** Cancels a timer from {@link Clock.setTimeout}; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle | undefined): void
  /** Runs `fn` every `ms` milliseconds until cleared. */
  setInterval(fn: () => void, ms: number): TimerHandle
  /** Cancels a timer from {@link Clock.setInterval}. */
  clearInterval(handle: TimerHandle | undefined): void
  /** Resolves after `ms` milliseconds; rejects with an {@link AbortError} if `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

import type { Clock } from './clock'
import { TimeoutError } from './errors'

/** A signal that aborts at a deadline or when a parent signal aborts; call `clear()` when done. */
export interface Deadline {
  readonly signal: AbortSignal
  /** Stops the deadline timer and detaches from the parent signal. Idempotent. */
  clear(): void
}

/**
 * Combines an optional caller signal with a deadline measured on the injected clock, so timeouts run in
 * virtual time under netsim. The signal's reason is a {@link TimeoutError} when the deadline fires.
 */
export function deadline(clock: Clock, ms: number, parent?: AbortSignal, what = 'operation'): Deadline {
  const controller = new AbortController()
  const onParentAbort = (): void => controller.abort(parent?.reason)
  const timer = clock.setTimeout(() => {
    controller.abort(new TimeoutError(`${what} timed out after ${ms} ms`, { timeoutMs: ms }))
  }, ms)
  if (parent !== undefined) {
    if (parent.aborted) controller.abort(parent.reason)
    else parent.addEventListener('abort', onParentAbort, { once: true })
  }
  return {
    signal: controller.signal,
    clear: () => {
      clock.clearTimeout(timer)
      parent?.removeEventListener('abort', onParentAbort)
    },
  }
}

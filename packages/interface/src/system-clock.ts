import type { Clock, TimerHandle } from './clock'
import { AbortError } from './errors'

/**
 * The real clock: wall time and Node timers. Timers are left referenced on purpose, so a service that
 * forgets to clear one in `stop()` keeps the process alive and the lifecycle tests catch it.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (h) => {
    if (h !== undefined) clearTimeout(h as unknown as NodeJS.Timeout)
  },
  setInterval: (fn, ms) => setInterval(fn, ms) as unknown as TimerHandle,
  clearInterval: (h) => {
    if (h !== undefined) clearInterval(h as unknown as NodeJS.Timeout)
  },
  sleep: (ms, signal) => sleepWith(systemClock, ms, signal),
}

/** Implements {@link Clock.sleep} on top of any clock's `setTimeout`/`clearTimeout`. */
export function sleepWith(
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new AbortError(undefined, { cause: signal.reason }))
      return
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle)
      reject(new AbortError(undefined, { cause: signal?.reason }))
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

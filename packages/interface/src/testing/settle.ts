import { TimeoutError } from '../errors'
import type { ManualClock } from './manual-clock'

/** Options of {@link settle} and {@link advanceUntil}. */
export interface SettleOptions {
  /** Virtual milliseconds per step. @default 10 */
  stepMs?: number
  /** Virtual time after which to give up with an error. @default 600_000 */
  maxMs?: number
}

/**
 * Runs a manual clock forward in steps (letting promises and I/O settle after each timer) until `work`
 * settles, and returns its value or throws its error. For async code driven by the injected clock: lookups,
 * retries, timeouts. Throws when `maxMs` of virtual time pass first.
 */
export async function settle<T>(
  clock: ManualClock,
  work: Promise<T>,
  options: SettleOptions = {},
): Promise<T> {
  let done = false
  let failed = false
  let value: T | undefined
  let error: unknown
  work.then(
    (v) => {
      done = true
      value = v
    },
    (e: unknown) => {
      done = true
      failed = true
      error = e
    },
  )
  await advanceUntil(clock, () => done, options)
  if (failed) throw error
  return value as T
}

/**
 * Runs a manual clock forward in steps until `condition()` holds (checked before each step). Throws when
 * `maxMs` of virtual time pass first, so a test that waits for something that never happens fails rather
 * than hangs.
 */
export async function advanceUntil(
  clock: ManualClock,
  condition: () => boolean,
  options: SettleOptions = {},
): Promise<void> {
  const step = options.stepMs ?? 10
  const max = options.maxMs ?? 600_000
  await Promise.resolve()
  for (let spent = 0; !condition(); spent += step) {
    if (spent >= max)
      throw new TimeoutError(`condition not met after ${max} ms of virtual time`, { timeoutMs: max })
    await clock.advanceAsync(step)
  }
}

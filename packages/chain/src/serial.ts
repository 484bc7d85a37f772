import { fail } from './errors'

/**
 * Runs operations one at a time, in call order: every state change of a chain goes through one, so
 * concurrent callers (sync, relay, the API) see one order of events. Refuses work while not started.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve()
  started = false

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(() => {
      if (!this.started) fail('ERR_NOT_STARTED', 'not started (call start() first)')
      return fn()
    })
    this.tail = next.catch(() => {})
    return next
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => {})
  }
}

import type { EventEmitter } from 'eventemitter3'
import type { LightClientEvents, WatchedTransaction } from './types'

/**
 * The async iterator `watch()` returns: the client's `transaction` events for one key, buffered up to a
 * bound (the oldest dropped and counted beyond it), ended by `return()`, the signal, or the client's stop.
 */
export class WatchStream implements AsyncIterableIterator<WatchedTransaction> {
  private readonly buffer: WatchedTransaction[] = []
  private waiting: ((r: IteratorResult<WatchedTransaction>) => void) | undefined
  private failWaiting: ((err: unknown) => void) | undefined
  private done = false
  private error: unknown
  /** Transactions dropped because the consumer fell behind by more than the bound. */
  dropped = 0
  private readonly onTx = (tx: WatchedTransaction): void => {
    if (tx.key !== this.key || this.done) return
    if (this.waiting !== undefined) {
      const resolve = this.waiting
      this.waiting = undefined
      this.failWaiting = undefined
      resolve({ value: tx, done: false })
      return
    }
    if (this.buffer.length >= this.max) {
      this.buffer.shift()
      this.dropped++
    }
    this.buffer.push(tx)
  }
  private readonly onAbort = (): void => {
    void this.return()
  }

  constructor(
    private readonly events: EventEmitter<LightClientEvents>,
    private readonly key: string,
    private readonly max: number,
    private readonly signal?: AbortSignal,
  ) {
    events.on('transaction', this.onTx)
    signal?.addEventListener('abort', this.onAbort, { once: true })
    if (signal?.aborted === true) this.onAbort()
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchedTransaction> {
    return this
  }

  next(): Promise<IteratorResult<WatchedTransaction>> {
    const value = this.buffer.shift()
    if (value !== undefined) return Promise.resolve({ value, done: false })
    if (this.error !== undefined) return Promise.reject(this.error)
    if (this.done) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve, reject) => {
      this.waiting = resolve
      this.failWaiting = reject
    })
  }

  return(): Promise<IteratorResult<WatchedTransaction>> {
    if (!this.done) {
      this.done = true
      this.events.off('transaction', this.onTx)
      this.signal?.removeEventListener('abort', this.onAbort)
      this.buffer.length = 0
      const resolve = this.waiting
      this.waiting = undefined
      this.failWaiting = undefined
      resolve?.({ value: undefined, done: true })
    }
    return Promise.resolve({ value: undefined, done: true })
  }

  /** Ends the stream with an error (the key could not be watched). */
  fail(err: unknown): void {
    this.error = err
    const reject = this.failWaiting
    void this.return()
    reject?.(err)
  }
}

import { BinaryHeap } from '../binary-heap'
import type { Clock, TimerHandle } from '../clock'
import { sleepWith } from '../system-clock'

interface Timer {
  id: number
  at: number
  seq: number
  fn: () => void
  every: number | undefined
}

/** Options of {@link ManualClock}. */
export interface ManualClockOptions {
  /** Virtual wall time at creation, in ms since the epoch. @default 1_700_000_000_000 */
  start?: number
}

/**
 * A clock that only moves when told to: timers fire in (time, creation order) order as `advance()` passes
 * them. For unit tests of rate limiters, decay and timeouts without patching globals.
 */
export class ManualClock implements Clock {
  private time: number
  private seq = 0
  private readonly heap = new BinaryHeap<Timer>(before)
  private readonly live = new Map<number, Timer>()
  /**
   * Cleared timers still in the heap; purged once they outnumber the live ones, so that their closures (and
   * whatever those hold, such as a settled request's response) are not kept until their time comes.
   */
  private cleared = 0

  constructor(options: ManualClockOptions = {}) {
    this.time = options.start ?? 1_700_000_000_000
  }

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, undefined)
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, Math.max(1, ms))
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle === undefined || !this.live.delete((handle as { id: number }).id)) return
    if (++this.cleared > this.live.size) {
      this.heap.retain((t) => this.live.get(t.id) === t)
      this.cleared = 0
    }
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle)
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal)
  }

  /** Number of timers still scheduled. */
  pending(): number {
    return this.live.size
  }

  /** Moves time forward by `ms`, firing due timers synchronously in order. */
  advance(ms: number): void {
    const target = this.time + ms
    for (let t = this.popDue(target); t !== undefined; t = this.popDue(target)) this.fire(t)
    this.time = target
  }

  /**
   * Moves time forward by `ms`, letting promise chains and I/O callbacks settle after each timer fires, so
   * async code driven by timers behaves as it would in real time.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.time + ms
    await flush()
    for (let t = this.popDue(target); t !== undefined; t = this.popDue(target)) {
      this.fire(t)
      await flush()
    }
    this.time = target
    await flush()
  }

  private schedule(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const timer: Timer = { id: ++this.seq, at: this.time + Math.max(0, ms), seq: this.seq, fn, every }
    this.live.set(timer.id, timer)
    this.heap.push(timer)
    return { id: timer.id }
  }

  private fire(t: Timer): void {
    this.time = Math.max(this.time, t.at)
    if (t.every !== undefined) {
      t.at += t.every
      t.seq = ++this.seq
      this.heap.push(t)
    } else {
      this.live.delete(t.id)
    }
    t.fn()
  }

  private popDue(target: number): Timer | undefined {
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      if (this.live.get(top.id) !== top) {
        this.heap.pop()
        if (this.cleared > 0) this.cleared--
        continue
      }
      if (top.at > target) return undefined
      return this.heap.pop()
    }
    return undefined
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

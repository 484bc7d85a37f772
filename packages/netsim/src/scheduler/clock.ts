import { type Clock, sleepWith, type TimerHandle } from '@chainwire/interface'
import { CANCELLED, SimEvent, type TimerOwner } from './event'
import { NS_PER_MS, type Scheduler, toNs } from './scheduler'

/** A handle that is never scheduled: what a dead owner's `setTimeout` returns. */
const DEAD = new SimEvent(0, 0, () => {}, undefined, 0)
DEAD.state = CANCELLED

/**
 * A {@link Clock} on a {@link Scheduler}'s virtual time: what netsim hands every node as `components.clock`.
 * `now()` is whole milliseconds since the epoch (as `Date.now()`); timers fire in (time, creation) order.
 * As in Node, a delay below 1 ms (0, negative, NaN) is 1 ms, so a loop of zero-delay timers still lets
 * virtual time advance instead of spinning at one instant.
 * With an `owner`, the clock dies with it: once `owner.alive` is false its timers never fire and new ones
 * are never scheduled (a crashed node runs nothing).
 */
export class SimClock implements Clock {
  private readonly scheduler: Scheduler
  private readonly owner: TimerOwner | undefined

  constructor(scheduler: Scheduler, owner?: TimerOwner) {
    this.scheduler = scheduler
    this.owner = owner
  }

  now(): number {
    return this.scheduler.epochMs + Math.floor(this.scheduler.nowNs() / NS_PER_MS)
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (this.owner !== undefined && !this.owner.alive) return DEAD
    const s = this.scheduler
    return s.scheduleAtNs(s.nowNs() + delayNs(ms), fn, this.owner, 0)
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle instanceof SimEvent) this.scheduler.cancel(handle)
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    if (this.owner !== undefined && !this.owner.alive) return DEAD
    const s = this.scheduler
    const every = delayNs(ms)
    return s.scheduleAtNs(s.nowNs() + every, fn, this.owner, every)
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle)
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal)
  }
}

/** A timer delay in ns, with Node's rule: anything below 1 ms (or not a number) is 1 ms. */
function delayNs(ms: number): number {
  return ms >= 1 ? toNs(ms) : NS_PER_MS
}

/** Something that owns timers and can die: a node incarnation. Its timers never fire once `alive` is false. */
export interface TimerOwner {
  readonly alive: boolean
}

/** A {@link SimEvent} waiting to fire. */
export const PENDING = 0
/** A {@link SimEvent} that fired (a one-shot). */
export const FIRED = 1
/** A {@link SimEvent} that was cancelled, or whose owner died. */
export const CANCELLED = 2
/** State of a {@link SimEvent}. */
export type EventState = typeof PENDING | typeof FIRED | typeof CANCELLED

/**
 * One scheduled callback of the simulator: a timer of a node, a packet arrival, a workload action. Ordered by
 * virtual time (`at`, integer nanoseconds since the start), then by `seq` (scheduling order), so events at
 * the same instant fire first-scheduled-first, as Node's timers do.
 */
export class SimEvent {
  at: number
  seq: number
  readonly fn: () => void
  readonly owner: TimerOwner | undefined
  /** Period in ns for an interval, 0 for a one-shot. */
  readonly every: number
  state: EventState = PENDING
  /** Position in the scheduler's heap, -1 when it is not in it (fired, cancelled, or never scheduled). */
  index = -1

  constructor(at: number, seq: number, fn: () => void, owner: TimerOwner | undefined, every: number) {
    this.at = at
    this.seq = seq
    this.fn = fn
    this.owner = owner
    this.every = every
  }
}

/** True when `a` fires before `b`. */
export function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

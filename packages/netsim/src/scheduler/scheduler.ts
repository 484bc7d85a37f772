import { type OptionSpec, option, resolveOptions } from '@chainwire/interface'
import { InvalidArgumentError, SimulationAbortedError, SimulationFailedError } from '../errors'
import { CANCELLED, FIRED, PENDING, SimEvent, type TimerOwner } from './event'
import { EventHeap } from './heap'

/** Nanoseconds per millisecond: virtual time is kept in integer nanoseconds so sums are exact. */
export const NS_PER_MS = 1_000_000

/** Longest virtual run: 2^53 ns is about 104 days; netsim stops well short of it. */
export const MAX_VIRTUAL_MS = 30 * 24 * 3_600_000

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /**
   * Virtual wall time at the start, in ms since the epoch: what `clock.now()` returns at t = 0; a safe
   * integer >= 0. @default 1_700_000_000_000
   */
  epochMs?: number
  /**
   * Lets the work each event starts (promise continuations, `process.nextTick` callbacks, stream callbacks)
   * settle before the next event fires. @default {@link nextTurn} (one `setImmediate` turn)
   */
  settle?: () => Promise<void>
}

/** Options of {@link Scheduler.run}. */
export interface RunOptions {
  /** Stops the run early (checked after every event) with `ERR_SIMULATION_ABORTED`. @default none */
  signal?: AbortSignal
  /** Called every `progressEvery` events with the virtual time in ms and the events fired so far. @default none */
  onProgress?: (virtualMs: number, events: number) => void
  /** Events between two `onProgress` calls, at least 1. @default 10_000 */
  progressEvery?: number
}

/**
 * Resolves on the next `setImmediate` turn, by which time Node has drained every `process.nextTick` callback
 * and promise continuation queued before it, however deep the chain. The real packages use only those (and
 * the injected clock), so after it nothing an event started is left to run until the next event.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** An optional `AbortSignal` option. */
export const signalOption = option.custom<AbortSignal | undefined>(undefined, (v) =>
  v instanceof AbortSignal ? undefined : 'must be an AbortSignal',
)

const SCHEDULER_OPTIONS: OptionSpec<Required<SchedulerOptions>> = {
  epochMs: option.integer(1_700_000_000_000, { min: 0, max: Number.MAX_SAFE_INTEGER }),
  settle: option.callback<() => Promise<void>>(nextTurn),
}

const RUN_OPTIONS: OptionSpec<RunOptions & { progressEvery: number }> = {
  signal: signalOption,
  onProgress: option.callback<RunOptions['onProgress']>(undefined),
  progressEvery: option.integer(10_000, { min: 1 }),
}

/**
 * The discrete-event core: a virtual clock and a heap of events ordered by (time, sequence). `run()` fires
 * events in order and, after each, waits until the work it started has settled, so the same inputs always
 * give the same interleaving, and `now()` never moves while a continuation of an earlier event is pending.
 */
export class Scheduler {
  /** Virtual wall time at t = 0, in ms since the epoch. */
  readonly epochMs: number
  private time = 0
  private seq = 0
  private readonly heap = new EventHeap()
  private fired = 0
  private running = false
  private readonly settleFn: () => Promise<void>

  /** Throws `ERR_INVALID_OPTIONS` (`details.option` naming it) for an option that is unknown or out of range. */
  constructor(options: SchedulerOptions = {}) {
    const o = resolveOptions(SCHEDULER_OPTIONS, options)
    this.epochMs = o.epochMs
    this.settleFn = o.settle
  }

  /** Virtual time since the start, in integer nanoseconds. */
  nowNs(): number {
    return this.time
  }

  /** Virtual time since the start, in ms (with nanosecond precision). */
  nowMs(): number {
    return this.time / NS_PER_MS
  }

  /** Events fired so far (timers, packets, workload and fault actions). */
  get eventsFired(): number {
    return this.fired
  }

  /** Events still waiting (a cancelled event leaves the queue at once). */
  get pending(): number {
    return this.heap.size
  }

  /** Schedules `fn` to run `delayMs` from now (at least 0). Returns the event, for {@link cancel}. */
  schedule(delayMs: number, fn: () => void, owner?: TimerOwner): SimEvent {
    return this.scheduleAtNs(this.time + toNs(delayMs), fn, owner, 0)
  }

  /** Schedules `fn` at virtual time `atMs` since the start (or now, if that is in the past). */
  scheduleAt(atMs: number, fn: () => void, owner?: TimerOwner): SimEvent {
    return this.scheduleAtNs(Math.max(this.time, toNs(atMs)), fn, owner, 0)
  }

  /** Schedules `fn` every `everyMs` (at least 1 ns), first `everyMs` from now. */
  scheduleEvery(everyMs: number, fn: () => void, owner?: TimerOwner): SimEvent {
    const every = Math.max(1, toNs(everyMs))
    return this.scheduleAtNs(this.time + every, fn, owner, every)
  }

  /** Schedules `fn` at an absolute time in ns; `every` > 0 makes it an interval. */
  scheduleAtNs(at: number, fn: () => void, owner: TimerOwner | undefined, every: number): SimEvent {
    const ev = new SimEvent(Math.max(at, this.time), ++this.seq, fn, owner, every)
    this.heap.push(ev)
    return ev
  }

  /** Cancels an event; unknown, fired or already cancelled events are ignored. */
  cancel(ev: SimEvent | undefined): void {
    if (ev === undefined || ev.state !== PENDING) return
    ev.state = CANCELLED
    this.heap.remove(ev)
  }

  /**
   * Fires every event due up to `untilMs` (virtual ms since the start) in order, settling after each, then
   * leaves the clock at `untilMs`. A callback that throws fails the run with `ERR_SIMULATION_FAILED`.
   */
  async run(untilMs: number, options: RunOptions = {}): Promise<void> {
    if (this.running) {
      throw new InvalidArgumentError('the scheduler is already running', { argument: 'run' })
    }
    if (!(untilMs >= this.nowMs()) || untilMs > MAX_VIRTUAL_MS) {
      throw new InvalidArgumentError(`cannot run until ${untilMs} ms`, { argument: 'untilMs', untilMs })
    }
    const until = toNs(untilMs)
    const { signal, onProgress, progressEvery } = resolveOptions(RUN_OPTIONS, options)
    this.running = true
    try {
      await this.settleFn()
      if (isAborted(signal)) throw new SimulationAbortedError(this.nowMs(), { cause: signal?.reason })
      for (;;) {
        const ev = this.next(until)
        if (ev === undefined) break
        this.time = ev.at
        this.fire(ev)
        await this.settleFn()
        if (isAborted(signal)) throw new SimulationAbortedError(this.nowMs(), { cause: signal?.reason })
        if (onProgress !== undefined && this.fired % progressEvery === 0) onProgress(this.nowMs(), this.fired)
      }
      this.time = Math.max(this.time, until)
      await this.settleFn()
    } finally {
      this.running = false
    }
  }

  /** Drops every pending event (the end of a simulation). */
  clear(): void {
    this.heap.clear()
  }

  private next(until: number): SimEvent | undefined {
    for (;;) {
      const top = this.heap.peek()
      if (top === undefined || top.at > until) return undefined
      this.heap.pop()
      if (top.owner !== undefined && !top.owner.alive) {
        top.state = CANCELLED
        continue
      }
      return top
    }
  }

  private fire(ev: SimEvent): void {
    this.fired++
    if (ev.every > 0) {
      ev.at += ev.every
      ev.seq = ++this.seq
      this.heap.push(ev)
    } else {
      ev.state = FIRED
    }
    try {
      ev.fn()
    } catch (err) {
      throw new SimulationFailedError(
        `an event callback threw at ${this.nowMs()} ms`,
        { atMs: this.nowMs() },
        { cause: err },
      )
    }
  }
}

/** Milliseconds to integer nanoseconds (negative and NaN become 0). */
export function toNs(ms: number): number {
  return ms > 0 ? Math.round(ms * NS_PER_MS) : 0
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** Creates a {@link Scheduler}. */
export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  return new Scheduler(options)
}

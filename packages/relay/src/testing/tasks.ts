import type { Clock } from '@chainwire/interface'
import type { RelayNetwork } from '../types'

/** What kind of relay work one task was. */
export type RelayTaskKind = 'event' | 'request' | 'interval' | 'timeout'

/** The time of the relay's tasks, per kind: every synchronous run of a relay callback (see `timeRelayTasks`). */
export interface RelayTaskTimes {
  /** Tasks recorded, per kind. */
  count(kind?: RelayTaskKind): number
  /** The longest task's time, in ms. */
  maxMs(kind?: RelayTaskKind): number
  /** A percentile (0-100) of the tasks' time, in ms. */
  percentileMs(p: number, kind?: RelayTaskKind): number
  /** Total time of the tasks, in ms. */
  totalMs(kind?: RelayTaskKind): number
  /** The longest tasks, longest first: kind, what ran (the network event or request type) and ms. */
  slowest(): readonly { kind: RelayTaskKind; name: string; ms: number }[]
  /** Forgets what was recorded (to measure from now). */
  reset(): void
}

/** Most tasks recorded per kind; later ones are not kept. */
const MAX_RECORDED = 1_000_000
/** Tasks shorter than this (wall time, ms) are recorded by their wall time alone. */
const CPU_CHECK_MS = 1
/** A reading of the CPU clock this recent (wall time, ms) serves as the start of the next task too. */
const CPU_REUSE_MS = 0.5
/** Longest tasks kept by `slowest()`. */
const SLOWEST = 10

/**
 * Wraps the network and clock a relay is given so that every synchronous run of a relay callback (a network
 * event or request handler, a heartbeat or cleanup interval, a timeout) is timed: the longest of them is the
 * longest the relay holds the event loop. A task's time is the lesser of its wall time and the process's CPU
 * time over it (`process.cpuUsage`): a busy machine descheduling the process inflates the first, other
 * threads of the process (the garbage collector's helpers) the second, and neither inflates both. To keep
 * the wrapping light (the CPU clock is a system call, and a busy relay runs thousands of tasks a second), a
 * task under 1 ms of wall time is recorded by its wall time alone, and a task starting within 0.5 ms of the
 * last reading of the CPU clock takes that reading as its start (its CPU time may then include up to 0.5 ms
 * before it; the lesser of the two never exceeds its wall time). For benchmarks and scale tests; Node only.
 */
export function timeRelayTasks(
  network: RelayNetwork,
  clock: Clock,
): { network: RelayNetwork; clock: Clock; times: RelayTaskTimes } {
  const recorded = new Map<RelayTaskKind, number[]>()
  let slowest: { kind: RelayTaskKind; name: string; ms: number }[] = []
  let cpuRead = process.cpuUsage()
  let cpuReadAt = Number.NEGATIVE_INFINITY
  const timed =
    <A extends unknown[], R>(kind: RelayTaskKind, fn: (...args: A) => R, name: string = kind) =>
    (...args: A): R => {
      const started = performance.now()
      // the process's CPU clock is a system call: a reading at most CPU_REUSE_MS old is reused as this
      // task's start (the CPU time then counts up to that much from before the task, never less than its own)
      if (started - cpuReadAt > CPU_REUSE_MS) {
        cpuRead = process.cpuUsage()
        cpuReadAt = started
      }
      const before = cpuRead
      try {
        return fn(...args)
      } finally {
        const ended = performance.now()
        const wall = ended - started
        // CPU time is read again only for tasks long enough for it to matter: below a millisecond the wall
        // time is the figure
        let ms = wall
        if (wall >= CPU_CHECK_MS) {
          cpuRead = process.cpuUsage()
          cpuReadAt = ended
          const used = (cpuRead.user - before.user + cpuRead.system - before.system) / 1_000
          ms = Math.min(used, wall)
        }
        let list = recorded.get(kind)
        if (list === undefined) recorded.set(kind, (list = []))
        if (list.length < MAX_RECORDED) list.push(ms)
        if (slowest.length < SLOWEST || ms > (slowest[slowest.length - 1]?.ms ?? 0)) {
          slowest = [...slowest, { kind, name, ms }].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST)
        }
      }
    }
  const wrapped = new Map<unknown, unknown>()
  const on = network.on.bind(network) as (event: string, fn: (...args: unknown[]) => void) => unknown
  const off = network.off.bind(network) as (event: string, fn: (...args: unknown[]) => void) => unknown
  const overrides: Record<string, unknown> = {
    on(event: string, fn: (...args: unknown[]) => void) {
      const w = timed('event', fn, event)
      wrapped.set(fn, w)
      on(event, w)
      return timedNetwork
    },
    off(event: string, fn: (...args: unknown[]) => void) {
      off(event, (wrapped.get(fn) as typeof fn | undefined) ?? fn)
      wrapped.delete(fn)
      return timedNetwork
    },
    handle(type: Parameters<RelayNetwork['handle']>[0], handler: Parameters<RelayNetwork['handle']>[1]) {
      return network.handle(type, timed('request', handler, type))
    },
  }
  // everything else is the network's own, bound to it (private fields and all), each bound once
  const bound = new Map<PropertyKey, unknown>()
  const timedNetwork: RelayNetwork = new Proxy(network, {
    get(target, key) {
      if (typeof key === 'string' && key in overrides) return overrides[key]
      const value = Reflect.get(target, key, target) as unknown
      if (typeof value !== 'function') return value
      let fn = bound.get(key)
      if (fn === undefined) bound.set(key, (fn = value.bind(target)))
      return fn
    },
  })
  const timedClock: Clock = {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(timed('timeout', fn), ms),
    clearTimeout: (h) => clock.clearTimeout(h),
    setInterval: (fn, ms) => clock.setInterval(timed('interval', fn), ms),
    clearInterval: (h) => clock.clearInterval(h),
    sleep: (ms, signal) => clock.sleep(ms, signal),
  }
  const of = (kind?: RelayTaskKind): number[] =>
    kind === undefined ? [...recorded.values()].flat() : (recorded.get(kind) ?? [])
  const times: RelayTaskTimes = {
    count: (kind) => of(kind).length,
    maxMs: (kind) => of(kind).reduce((m, x) => Math.max(m, x), 0),
    percentileMs(p, kind) {
      const sorted = [...of(kind)].sort((a, b) => a - b)
      if (sorted.length === 0) return 0
      return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
    },
    totalMs: (kind) => of(kind).reduce((s, x) => s + x, 0),
    slowest: () => slowest,
    reset: () => {
      recorded.clear()
      slowest = []
    },
  }
  return { network: timedNetwork, clock: timedClock, times }
}

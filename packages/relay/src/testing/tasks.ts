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
/** Longest tasks kept by `slowest()`. */
const SLOWEST = 10

/**
 * Wraps the network and clock a relay is given so that every synchronous run of a relay callback (a network
 * event or request handler, a heartbeat or cleanup interval, a timeout) is timed: the longest of them is the
 * longest the relay holds the event loop. A task's time is the lesser of its wall time and the process's CPU
 * time over it (`process.cpuUsage`): a busy machine descheduling the process inflates the first, other
 * threads of the process (the garbage collector's helpers) the second, and neither inflates both (a task
 * under 1 ms of wall time is recorded by its wall time alone). For benchmarks and scale tests; Node only.
 */
export function timeRelayTasks(
  network: RelayNetwork,
  clock: Clock,
): { network: RelayNetwork; clock: Clock; times: RelayTaskTimes } {
  const recorded = new Map<RelayTaskKind, number[]>()
  let slowest: { kind: RelayTaskKind; name: string; ms: number }[] = []
  const timed =
    <A extends unknown[], R>(kind: RelayTaskKind, fn: (...args: A) => R, name: string = kind) =>
    (...args: A): R => {
      const before = process.cpuUsage()
      const started = performance.now()
      try {
        return fn(...args)
      } finally {
        const wall = performance.now() - started
        // CPU time is read again only for tasks long enough for it to matter (fewer system calls on the
        // many short ones): below a millisecond the wall time is the figure
        let ms = wall
        if (wall >= CPU_CHECK_MS) {
          const used = process.cpuUsage(before)
          ms = Math.min((used.user + used.system) / 1_000, wall)
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

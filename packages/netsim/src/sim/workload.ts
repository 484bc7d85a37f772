import type { Random } from '../random/random'
import { resolveSelector, type SelectorContext } from '../scenario/selector'
import type { Scenario, Schedule } from '../scenario/types'
import type { Scheduler } from '../scheduler/scheduler'
import type { SimNode } from './node'

/** What the workload is played on. */
export interface WorkloadContext {
  readonly scenario: Scenario
  readonly scheduler: Scheduler
  readonly nodes: readonly SimNode[]
  readonly random: Random
  readonly selectorCtx: SelectorContext
  /** Set once the scenario's time is over: pending workload events then do nothing. */
  readonly running: { readonly ended: boolean }
}

/**
 * Calls `fire` at each time of `schedule`, scheduling one event at a time (a schedule of a million
 * arrivals never sits in the heap at once). `every` fires at start + every, start + 2 every, ...
 */
export function playSchedule(
  schedule: Schedule,
  scheduler: Scheduler,
  random: Random,
  fire: () => void,
): void {
  switch (schedule.kind) {
    case 'at':
      for (const t of [...schedule.timesMs].sort((a, b) => a - b)) scheduler.scheduleAt(t, fire)
      return
    case 'every': {
      const next = (t: number): void => {
        if (t > schedule.endMs) return
        scheduler.scheduleAt(t, () => {
          fire()
          next(t + schedule.everyMs)
        })
      }
      next(schedule.startMs + schedule.everyMs)
      return
    }
    case 'rate': {
      const meanMs = 1_000 / schedule.perSecond
      const next = (t: number): void => {
        const at = t + random.exponential(meanMs)
        if (at > schedule.endMs) return
        scheduler.scheduleAt(at, () => {
          fire()
          next(at)
        })
      }
      next(schedule.startMs)
      return
    }
  }
}

/** Schedules every workload item of the scenario. */
export function scheduleWorkload(ctx: WorkloadContext): void {
  const { scenario, scheduler, nodes, running } = ctx
  for (const [k, w] of scenario.workload.entries()) {
    const random = ctx.random.fork(String(k))
    if (w.type === 'ping') {
      for (const node of nodes) {
        let t = w.startMs + random.uniform(0, w.everyMs)
        const round = (): void => {
          if (running.ended) return
          node.pingPeers()
          t += w.everyMs
          if (t <= w.endMs) scheduler.scheduleAt(t, round)
        }
        if (t <= w.endMs) scheduler.scheduleAt(t, round)
      }
      continue
    }
    const pool =
      w.from === undefined
        ? nodes.filter((n) => !n.adversarial)
        : resolveSelector(w.from, ctx.selectorCtx, random.fork('from')).map((i) => nodes[i] as SimNode)
    const picks = random.fork('picks')
    playSchedule(w.schedule, scheduler, random.fork('times'), () => {
      if (running.ended) return
      const up = pool.filter((n) => n.up)
      if (up.length === 0) return
      picks.pick(up).publish(w.type, w.sizeBytes, w.type, w.via)
    })
  }
}

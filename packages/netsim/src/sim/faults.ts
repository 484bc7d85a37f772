import type { SimNetwork } from '../links/sim-network'
import type { MetricsCollector } from '../metrics/collector'
import { sample } from '../random/distribution'
import type { Random } from '../random/random'
import { resolveSelector, type SelectorContext } from '../scenario/selector'
import type { Fault, Scenario } from '../scenario/types'
import type { Scheduler } from '../scheduler/scheduler'
import type { SimNode } from './node'
import { playSchedule } from './workload'

/** What faults act on. */
export interface FaultContext {
  readonly scenario: Scenario
  readonly scheduler: Scheduler
  readonly nodes: readonly SimNode[]
  readonly simnet: SimNetwork
  readonly metrics: MetricsCollector
  readonly random: Random
  readonly selectorCtx: SelectorContext
  /** Set once the scenario's time is over: pending fault actions (churn restarts) then do nothing. */
  readonly running: { readonly ended: boolean }
}

/** Schedules every fault of the scenario; each applied one is recorded for the report. */
export function scheduleFaults(ctx: FaultContext): void {
  for (const [k, fault] of ctx.scenario.faults.entries()) {
    const random = ctx.random.fork(String(k))
    ctx.scheduler.scheduleAt(fault.atMs, () => {
      if (!ctx.running.ended) apply(ctx, fault, random)
    })
  }
}

function apply(ctx: FaultContext, fault: Fault, random: Random): void {
  const { simnet, nodes, metrics, scheduler } = ctx
  const select = (sel: Parameters<typeof resolveSelector>[0], label: string): number[] =>
    resolveSelector(sel, ctx.selectorCtx, random.fork(label))
  const now = scheduler.nowMs()
  switch (fault.type) {
    case 'partition': {
      const groupOf = new Int32Array(nodes.length).fill(fault.groups.length)
      for (let g = fault.groups.length - 1; g >= 0; g--) {
        for (const i of select(fault.groups[g] as (typeof fault.groups)[number], `group/${g}`)) {
          groupOf[i] = g
        }
      }
      simnet.partition(groupOf)
      metrics.fault(now, 'partition', [])
      return
    }
    case 'heal-all':
      simnet.healAll()
      metrics.fault(now, 'heal', [])
      return
    case 'cut':
    case 'heal': {
      const a = select(fault.a, 'a')
      const b = select(fault.b, 'b')
      if (fault.type === 'cut') simnet.cut(a, b)
      else simnet.heal(a, b)
      metrics.fault(
        now,
        fault.type,
        [...new Set([...a, ...b])].sort((x, y) => x - y),
      )
      return
    }
    case 'crash': {
      const hit = select(fault.nodes, 'nodes').filter((i) => (nodes[i] as SimNode).running)
      for (const i of hit) (nodes[i] as SimNode).crash()
      metrics.fault(now, 'crash', hit)
      return
    }
    case 'restart': {
      const hit = select(fault.nodes, 'nodes').filter((i) => !(nodes[i] as SimNode).running)
      for (const i of hit) (nodes[i] as SimNode).start()
      metrics.fault(now, 'restart', hit)
      return
    }
    case 'churn': {
      const pool =
        fault.nodes === undefined
          ? nodes.filter((x) => !x.adversarial)
          : select(fault.nodes, 'nodes').map((i) => nodes[i] as SimNode)
      const picks = random.fork('picks')
      const downtimes = random.fork('downtime')
      metrics.fault(now, 'churn-start', [])
      scheduler.scheduleAt(fault.untilMs, () => metrics.fault(scheduler.nowMs(), 'churn-end', []))
      playSchedule(
        { kind: 'rate', perSecond: fault.perSecond, startMs: fault.atMs, endMs: fault.untilMs },
        scheduler,
        random.fork('times'),
        () => {
          const up = pool.filter((x) => x.running)
          if (up.length === 0) return
          const victim = picks.pick(up)
          victim.crash()
          metrics.fault(scheduler.nowMs(), 'churn-crash', [victim.index])
          scheduler.schedule(sample(fault.downtime, downtimes), () => {
            if (victim.running || ctx.running.ended) return
            victim.start()
            metrics.fault(scheduler.nowMs(), 'churn-restart', [victim.index])
          })
        },
      )
      return
    }
  }
}

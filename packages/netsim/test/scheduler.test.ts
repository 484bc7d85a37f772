import { AbortError, deadline, TimeoutError } from '@chainwire/interface'
import { describe, expect, it } from 'vitest'
import {
  type NetsimError,
  Random,
  Scheduler,
  SimClock,
  SimulationAbortedError,
  SimulationFailedError,
  type TimerOwner,
} from '../src/index'

describe('Scheduler', () => {
  it('fires events in time order, and in scheduling order at the same time', async () => {
    const s = new Scheduler()
    const log: string[] = []
    s.schedule(30, () => log.push('c@30'))
    s.schedule(10, () => log.push('a@10'))
    s.schedule(20, () => log.push('b1@20'))
    s.schedule(20, () => log.push('b2@20'))
    s.scheduleAt(10, () => log.push('a2@10'))
    await s.run(100)
    expect(log).toEqual(['a@10', 'a2@10', 'b1@20', 'b2@20', 'c@30'])
    expect(s.nowMs()).toBe(100)
    expect(s.eventsFired).toBe(5)
  })

  it('keeps virtual time exact in nanoseconds', async () => {
    const s = new Scheduler()
    const seen: number[] = []
    s.schedule(0.000001, () => seen.push(s.nowNs()))
    s.schedule(1.5, () => seen.push(s.nowNs()))
    s.schedule(50.0123456, () => seen.push(s.nowMs()))
    await s.run(60)
    expect(seen).toEqual([1, 1_500_000, 50.012346])
  })

  it('cancels events, ignoring unknown and fired ones', async () => {
    const s = new Scheduler()
    const log: number[] = []
    const a = s.schedule(10, () => log.push(1))
    const b = s.schedule(20, () => log.push(2))
    s.schedule(5, () => s.cancel(b))
    s.cancel(a)
    s.cancel(a)
    s.cancel(undefined)
    await s.run(50)
    expect(log).toEqual([])
    const c = s.schedule(1, () => log.push(3))
    await s.run(60)
    s.cancel(c)
    expect(log).toEqual([3])
  })

  it('takes cancelled events out of the queue at once', async () => {
    const s = new Scheduler()
    const keep = s.schedule(10, () => {})
    for (let i = 0; i < 10_000; i++) s.cancel(s.schedule(100 + i, () => {}))
    expect(s.pending).toBe(1)
    await s.run(20)
    expect(keep.state).toBe(1)
    expect(s.pending).toBe(0)
  })

  it('fires what is left in (time, sequence) order after random cancellations', async () => {
    const s = new Scheduler()
    const random = new Random('heap')
    const fired: number[] = []
    const live = new Map<number, { at: number; ev: ReturnType<Scheduler['schedule']> }>()
    for (let k = 0; k < 5_000; k++) {
      const at = Math.floor(random.uniform(0, 200))
      live.set(k, { at, ev: s.schedule(at, () => fired.push(k)) })
      if (random.chance(0.4)) {
        const victim = Math.floor(random.uniform(0, k + 1))
        const entry = live.get(victim)
        if (entry !== undefined) {
          s.cancel(entry.ev)
          live.delete(victim)
        }
      }
    }
    expect(s.pending).toBe(live.size)
    await s.run(1_000)
    const expected = [...live.entries()].sort((a, b) => a[1].at - b[1].at || a[0] - b[0]).map(([k]) => k)
    expect(fired).toEqual(expected)
    expect(s.pending).toBe(0)
  })

  it('repeats intervals until cancelled', async () => {
    const s = new Scheduler()
    const times: number[] = []
    const ev = s.scheduleEvery(10, () => {
      times.push(s.nowMs())
      if (times.length === 3) s.cancel(ev)
    })
    await s.run(100)
    expect(times).toEqual([10, 20, 30])
  })

  it('lets promise chains and nextTicks an event starts settle before the next event', async () => {
    const s = new Scheduler()
    const log: string[] = []
    s.schedule(10, () => {
      void (async () => {
        for (let i = 0; i < 50; i++) await Promise.resolve()
        await new Promise<void>((resolve) => process.nextTick(resolve))
        log.push(`chain done at ${s.nowMs()}`)
      })()
    })
    s.schedule(10, () => log.push(`second event at ${s.nowMs()}`))
    await s.run(20)
    expect(log).toEqual(['chain done at 10', 'second event at 10'])
  })

  it('fails the run when a callback throws', async () => {
    const s = new Scheduler()
    s.schedule(5, () => {
      throw new Error('boom')
    })
    const err = await s.run(10).catch((e: unknown) => e)
    expect(SimulationFailedError.isInstance(err)).toBe(true)
    expect((err as NetsimError).code).toBe('ERR_SIMULATION_FAILED')
    expect((err as NetsimError).details.atMs).toBe(5)
  })

  it('stops when its signal aborts', async () => {
    const s = new Scheduler()
    const controller = new AbortController()
    s.scheduleEvery(1, () => {
      if (s.nowMs() >= 50) controller.abort()
    })
    const err = await s.run(1_000, { signal: controller.signal }).catch((e: unknown) => e)
    expect(SimulationAbortedError.isInstance(err)).toBe(true)
    expect((err as NetsimError).code).toBe('ERR_SIMULATION_ABORTED')
    expect(s.nowMs()).toBe(50)
  })

  it('reports progress and refuses bad bounds and reentry', async () => {
    const s = new Scheduler()
    for (let i = 1; i <= 25; i++) s.schedule(i, () => {})
    const progress: number[] = []
    await s.run(30, { progressEvery: 10, onProgress: (ms) => progress.push(ms) })
    expect(progress).toEqual([10, 20])
    await expect(s.run(10)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    const running = s.run(40)
    await expect(s.run(50)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    await running
  })

  it('skips the events of a dead owner', async () => {
    const s = new Scheduler()
    const owner = { alive: true }
    const log: number[] = []
    s.schedule(10, () => log.push(1), owner)
    s.scheduleEvery(3, () => log.push(2), owner)
    s.schedule(5, () => {
      owner.alive = false
    })
    await s.run(20)
    expect(log).toEqual([2])
  })
})

describe('SimClock', () => {
  it('reads whole virtual milliseconds since the epoch', async () => {
    const s = new Scheduler({ epochMs: 1_000 })
    const clock = new SimClock(s)
    expect(clock.now()).toBe(1_000)
    s.schedule(2.7, () => {})
    await s.run(2.7)
    expect(clock.now()).toBe(1_002)
  })

  it('runs timeouts and intervals, and clears them', async () => {
    const s = new Scheduler()
    const clock = new SimClock(s)
    const log: string[] = []
    clock.setTimeout(() => log.push(`t@${s.nowMs()}`), 25)
    const cleared = clock.setTimeout(() => log.push('never'), 10)
    clock.clearTimeout(cleared)
    const iv = clock.setInterval(() => {
      log.push(`i@${s.nowMs()}`)
      if (s.nowMs() >= 20) clock.clearInterval(iv)
    }, 10)
    clock.clearTimeout(undefined)
    clock.clearInterval({})
    await s.run(100)
    expect(log).toEqual(['i@10', 'i@20', 't@25'])
  })

  it('treats delays below 1 ms as 1 ms, as Node does', async () => {
    const s = new Scheduler()
    const clock = new SimClock(s)
    const at: number[] = []
    clock.setTimeout(() => at.push(s.nowMs()), 0)
    clock.setTimeout(() => at.push(s.nowMs()), -5)
    clock.setTimeout(() => at.push(s.nowMs()), Number.NaN)
    clock.setTimeout(() => at.push(s.nowMs()), 1.5)
    await s.run(10)
    expect(at).toEqual([1, 1, 1, 1.5])
  })

  it('sleeps in virtual time and rejects with AbortError when aborted', async () => {
    const s = new Scheduler()
    const clock = new SimClock(s)
    const controller = new AbortController()
    const slept = clock.sleep(40).then(() => s.nowMs())
    const aborted = clock.sleep(1_000, controller.signal).catch((e: unknown) => e)
    s.schedule(15, () => controller.abort())
    await s.run(2_000)
    expect(await slept).toBe(40)
    const err = await aborted
    expect(AbortError.isInstance(err)).toBe(true)
    await expect(clock.sleep(5, controller.signal)).rejects.toMatchObject({ code: 'ERR_ABORTED' })
  })

  it('drives deadlines from @chainwire/interface in virtual time', async () => {
    const s = new Scheduler()
    const d = deadline(new SimClock(s), 10_000, undefined, 'dial')
    await s.run(9_999)
    expect(d.signal.aborted).toBe(false)
    await s.run(10_000)
    expect(TimeoutError.isInstance(d.signal.reason)).toBe(true)
  })

  it('dies with its owner: pending timers never fire, new ones are never scheduled', async () => {
    const s = new Scheduler()
    const owner: TimerOwner & { alive: boolean } = { alive: true }
    const clock = new SimClock(s, owner)
    const log: string[] = []
    clock.setInterval(() => log.push(`tick@${s.nowMs()}`), 10)
    s.schedule(25, () => {
      owner.alive = false
    })
    await s.run(100)
    clock.setTimeout(() => log.push('late'), 1)
    clock.setInterval(() => log.push('late interval'), 1)
    await s.run(200)
    expect(log).toEqual(['tick@10', 'tick@20'])
    expect(s.pending).toBe(0)
  })
})

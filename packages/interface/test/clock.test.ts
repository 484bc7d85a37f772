import { describe, expect, it } from 'vitest'
import { AbortError, deadline, systemClock, TimeoutError } from '../src/index'
import { ManualClock } from '../src/testing/index'

describe('ManualClock', () => {
  it('fires timers in time order, then creation order', () => {
    const clock = new ManualClock({ start: 0 })
    const seen: string[] = []
    clock.setTimeout(() => seen.push('b@20'), 20)
    clock.setTimeout(() => seen.push('a@10'), 10)
    clock.setTimeout(() => seen.push('c@20'), 20)
    clock.advance(15)
    expect(seen).toEqual(['a@10'])
    expect(clock.now()).toBe(15)
    clock.advance(5)
    expect(seen).toEqual(['a@10', 'b@20', 'c@20'])
    expect(clock.pending()).toBe(0)
  })

  it('repeats intervals until cleared and reports the time of each firing', () => {
    const clock = new ManualClock({ start: 0 })
    const at: number[] = []
    const h = clock.setInterval(() => at.push(clock.now()), 100)
    clock.advance(350)
    expect(at).toEqual([100, 200, 300])
    clock.clearInterval(h)
    clock.advance(1000)
    expect(at).toHaveLength(3)
    expect(clock.pending()).toBe(0)
  })

  it('does not fire a cleared timeout', () => {
    const clock = new ManualClock()
    let fired = false
    const h = clock.setTimeout(() => {
      fired = true
    }, 5)
    clock.clearTimeout(h)
    clock.advance(10)
    expect(fired).toBe(false)
  })

  it('keeps its order when many cleared timers are purged from its queue', () => {
    const clock = new ManualClock({ start: 0 })
    const fired: number[] = []
    const handles = Array.from({ length: 400 }, (_, i) =>
      clock.setTimeout(() => fired.push(i), (i * 37) % 101),
    )
    const kept: number[] = []
    handles.forEach((h, i) => {
      if (i % 4 === 0) kept.push(i)
      else clock.clearTimeout(h)
    })
    const tick = clock.setInterval(() => fired.push(-1), 60)
    clock.advance(100)
    clock.clearInterval(tick)
    expect(clock.pending()).toBe(0)
    const expected = [...kept.map((i) => ({ i, at: (i * 37) % 101 })), { i: -1, at: 60 }]
      .sort((a, b) => a.at - b.at || (a.i === -1 ? 1 : b.i === -1 ? -1 : a.i - b.i))
      .map((x) => x.i)
    expect(fired).toEqual(expected)
  })

  it('sleep resolves in virtual time and rejects with AbortError on abort', async () => {
    const clock = new ManualClock({ start: 0 })
    const p = clock.sleep(1000)
    await clock.advanceAsync(1000)
    await expect(p).resolves.toBeUndefined()
    const ac = new AbortController()
    const q = clock.sleep(1000, ac.signal)
    ac.abort()
    await expect(q).rejects.toSatisfy((e) => AbortError.isInstance(e))
    expect(clock.pending()).toBe(0)
  })

  it('advanceAsync lets promise chains scheduled by timers run before later timers', async () => {
    const clock = new ManualClock({ start: 0 })
    const order: string[] = []
    void (async () => {
      await clock.sleep(10)
      order.push('first sleep done')
      await clock.sleep(10)
      order.push('second sleep done')
    })()
    await clock.advanceAsync(25)
    expect(order).toEqual(['first sleep done', 'second sleep done'])
  })
})

describe('deadline', () => {
  it('aborts with a TimeoutError after the given time on the injected clock', () => {
    const clock = new ManualClock()
    const d = deadline(clock, 500, undefined, 'dial')
    clock.advance(499)
    expect(d.signal.aborted).toBe(false)
    clock.advance(1)
    expect(d.signal.aborted).toBe(true)
    expect(TimeoutError.isInstance(d.signal.reason)).toBe(true)
    expect((d.signal.reason as TimeoutError).code).toBe('ERR_TIMEOUT')
  })

  it('follows the parent signal and leaves no timer after clear()', () => {
    const clock = new ManualClock()
    const parent = new AbortController()
    const d = deadline(clock, 500, parent.signal)
    parent.abort('stop')
    expect(d.signal.aborted).toBe(true)
    expect(d.signal.reason).toBe('stop')
    d.clear()
    expect(clock.pending()).toBe(0)
  })

  it('works on the system clock', async () => {
    const d = deadline(systemClock, 5)
    await new Promise((r) => d.signal.addEventListener('abort', r, { once: true }))
    expect(TimeoutError.isInstance(d.signal.reason)).toBe(true)
    d.clear()
  })
})

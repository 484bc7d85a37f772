import { before, type SimEvent } from './event'

/**
 * A binary min-heap of {@link SimEvent}s ordered by (time, sequence). Each event knows its position
 * (`SimEvent.index`, -1 when it is not in the heap), so a cancelled event is taken out at once in O(log n)
 * instead of waiting, with everything its callback holds, until its time comes: a cancelled timer (a request
 * deadline, an idle timer re-armed) leaves nothing behind for the garbage collector to trace.
 */
export class EventHeap {
  private items: SimEvent[] = []

  get size(): number {
    return this.items.length
  }

  peek(): SimEvent | undefined {
    return this.items[0]
  }

  push(ev: SimEvent): void {
    const h = this.items
    h.push(ev)
    this.up(ev, h.length - 1)
  }

  pop(): SimEvent | undefined {
    const h = this.items
    const top = h[0]
    if (top === undefined) return undefined
    const last = h.pop() as SimEvent
    top.index = -1
    if (h.length > 0) this.down(last, 0)
    return top
  }

  /** Takes `ev` out of the heap; no-op when it is not in it. */
  remove(ev: SimEvent): void {
    const i = ev.index
    const h = this.items
    if (i < 0 || h[i] !== ev) return
    ev.index = -1
    const last = h.pop() as SimEvent
    if (last === ev) return
    // The last event fills the hole, then moves up or down to where it belongs.
    if (i > 0 && before(last, h[(i - 1) >> 1] as SimEvent)) this.up(last, i)
    else this.down(last, i)
  }

  clear(): void {
    for (const ev of this.items) ev.index = -1
    this.items = []
  }

  private up(ev: SimEvent, from: number): void {
    const h = this.items
    let i = from
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = h[p] as SimEvent
      if (!before(ev, parent)) break
      h[i] = parent
      parent.index = i
      i = p
    }
    h[i] = ev
    ev.index = i
  }

  private down(ev: SimEvent, from: number): void {
    const h = this.items
    const n = h.length
    let i = from
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let m = l
      if (r < n && before(h[r] as SimEvent, h[l] as SimEvent)) m = r
      const child = h[m] as SimEvent
      if (!before(child, ev)) break
      h[i] = child
      child.index = i
      i = m
    }
    h[i] = ev
    ev.index = i
  }
}

import { before, type SimEvent } from './event'

/** A binary min-heap of {@link SimEvent}s ordered by (time, sequence). */
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
    let i = h.length
    h.push(ev)
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = h[p] as SimEvent
      if (!before(ev, parent)) break
      h[i] = parent
      i = p
    }
    h[i] = ev
  }

  pop(): SimEvent | undefined {
    const h = this.items
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined || h.length === 0) return top
    const n = h.length
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let m = l
      if (r < n && before(h[r] as SimEvent, h[l] as SimEvent)) m = r
      const child = h[m] as SimEvent
      if (!before(child, last)) break
      h[i] = child
      i = m
    }
    h[i] = last
    return top
  }

  /** Keeps only the events `keep` accepts and restores the heap order (used to purge cancelled timers). */
  filter(keep: (ev: SimEvent) => boolean): void {
    const kept = this.items.filter(keep)
    kept.sort((a, b) => (before(a, b) ? -1 : 1))
    this.items = kept
  }

  clear(): void {
    this.items = []
  }
}

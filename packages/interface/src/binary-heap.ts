/**
 * A binary heap ordered by `before`: the top is an element that no other element is before. Ties keep no
 * particular order, so callers that need a stable order put a sequence number into `before` (as the timer
 * queues do: time first, then creation order). The one heap of chainwire: timer queues, mempool eviction.
 */
export class BinaryHeap<T> {
  private items: T[] = []

  /** @param before true when `a` must come out before `b` */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  /** Elements held. */
  get size(): number {
    return this.items.length
  }

  /** The top element, without removing it. */
  peek(): T | undefined {
    return this.items[0]
  }

  /** Adds an element (O(log n)). */
  push(item: T): void {
    const h = this.items
    let i = h.length
    h.push(item)
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = h[p] as T
      if (!this.before(item, parent)) break
      h[i] = parent
      i = p
    }
    h[i] = item
  }

  /** Removes and returns the top element (O(log n)). */
  pop(): T | undefined {
    const h = this.items
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined || h.length === 0) return top
    h[0] = last
    this.siftDown(0)
    return top
  }

  /** Keeps only the elements `keep` accepts and restores the heap order (O(n)); for purging stale entries. */
  retain(keep: (item: T) => boolean): void {
    const kept = this.items.filter(keep)
    this.items = kept
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) this.siftDown(i)
  }

  /** Removes every element. */
  clear(): void {
    this.items = []
  }

  private siftDown(start: number): void {
    const h = this.items
    const n = h.length
    const item = h[start] as T
    let i = start
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const m = r < n && this.before(h[r] as T, h[l] as T) ? r : l
      const child = h[m] as T
      if (!this.before(child, item)) break
      h[i] = child
      i = m
    }
    h[i] = item
  }
}

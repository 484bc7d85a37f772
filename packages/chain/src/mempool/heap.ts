/** A binary heap ordered by `before` (the top is the element no other is before). */
export class Heap<T> {
  private readonly items: T[] = []

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const h = this.items
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.before(h[i] as T, h[p] as T)) break
      ;[h[i], h[p]] = [h[p] as T, h[i] as T]
      i = p
    }
  }

  pop(): T | undefined {
    const h = this.items
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.before(h[l] as T, h[m] as T)) m = l
        if (r < h.length && this.before(h[r] as T, h[m] as T)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m] as T, h[i] as T]
        i = m
      }
    }
    return top
  }

  /** Keeps only the elements `keep` accepts (used to drop stale entries). */
  retain(keep: (item: T) => boolean): void {
    const kept = this.items.filter(keep)
    this.items.length = 0
    for (const item of kept) this.push(item)
  }
}

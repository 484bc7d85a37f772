/**
 * A `Map` bounded to `max` entries that forgets the least recently used one when full. `set` and `get` (and
 * `touch`) make a key the most recent; `has` and iteration do not. A bound of 0 keeps nothing (a cache turned
 * off by its option). Every per-peer or per-item table that grows
 * with what peers send is one of these, or has a bound of its own.
 */
export class LruMap<K, V> extends Map<K, V> {
  /** The most entries kept. */
  readonly max: number
  private readonly onEvict: ((key: K, value: V) => void) | undefined

  /**
   * @param max the bound (an integer >= 0; 0 keeps nothing)
   * @param onEvict called with each entry forgotten because the map was full (not for `delete` or `clear`)
   */
  constructor(max: number, onEvict?: (key: K, value: V) => void) {
    super()
    if (!Number.isInteger(max) || max < 0)
      throw new RangeError(`LruMap max must be an integer >= 0, got ${max}`)
    this.max = max
    this.onEvict = onEvict
  }

  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined
    const value = super.get(key) as V
    super.delete(key)
    super.set(key, value)
    return value
  }

  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key)
    super.set(key, value)
    while (this.size > this.max) {
      const oldest = this.entries().next()
      if (oldest.done === true) break
      super.delete(oldest.value[0])
      this.onEvict?.(oldest.value[0], oldest.value[1])
    }
    return this
  }

  /** Reads a value without making it the most recent. */
  peek(key: K): V | undefined {
    return super.get(key)
  }

  /** Makes `key` the most recent, if present; returns whether it was. */
  touch(key: K): boolean {
    return this.get(key) !== undefined || super.has(key)
  }
}

/** A signal that aborts when any of `signals` does; call `clear()` to detach from them. */
export function anySignal(...signals: (AbortSignal | undefined)[]): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController()
  const present = signals.filter((s): s is AbortSignal => s !== undefined)
  const listeners: [AbortSignal, () => void][] = []
  const clear = (): void => {
    for (const [s, fn] of listeners) s.removeEventListener('abort', fn)
    listeners.length = 0
  }
  for (const s of present) {
    if (s.aborted) {
      controller.abort(s.reason)
      clear()
      break
    }
    const fn = (): void => {
      controller.abort(s.reason)
      clear()
    }
    s.addEventListener('abort', fn, { once: true })
    listeners.push([s, fn])
  }
  return { signal: controller.signal, clear }
}

/** A map that forgets its least recently set key beyond `max` entries. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super()
  }

  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key)
    super.set(key, value)
    while (this.size > this.max) {
      const oldest = this.keys().next()
      if (oldest.done === true) break
      super.delete(oldest.value)
    }
    return this
  }
}

/** A signal that aborts when any of its parents does; `clear()` detaches it from them. */
export interface LinkedSignal {
  readonly signal: AbortSignal
  clear(): void
}

/** Links optional parent signals into one (the first parent to abort gives the reason). */
export function linkSignals(...parents: (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController()
  const live = parents.filter((p): p is AbortSignal => p !== undefined)
  const listeners: [AbortSignal, () => void][] = []
  const clear = (): void => {
    for (const [p, fn] of listeners) p.removeEventListener('abort', fn)
    listeners.length = 0
  }
  for (const parent of live) {
    if (parent.aborted) {
      controller.abort(parent.reason)
      clear()
      break
    }
    const fn = (): void => {
      controller.abort(parent.reason)
      clear()
    }
    parent.addEventListener('abort', fn, { once: true })
    listeners.push([parent, fn])
  }
  return { signal: controller.signal, clear }
}

/** A signal that aborts when any of its parents does; `clear()` detaches it from them. */
export interface LinkedSignal {
  readonly signal: AbortSignal
  clear(): void
}

/** Nothing to detach: the signal of a single parent is that parent itself. */
const NOTHING = (): void => {}

/**
 * Links optional parent signals into one (the first parent to abort gives the reason). With a single parent
 * that parent is the result as it is: no controller and no listener are made for it.
 */
export function linkSignals(...parents: (AbortSignal | undefined)[]): LinkedSignal {
  const live = parents.filter((p): p is AbortSignal => p !== undefined)
  if (live.length === 1) return { signal: live[0] as AbortSignal, clear: NOTHING }
  const controller = new AbortController()
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

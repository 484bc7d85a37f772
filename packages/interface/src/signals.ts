/** A signal that aborts when any of its parents does; `clear()` detaches it from them. */
export interface LinkedSignal {
  readonly signal: AbortSignal
  /** Detaches from the parents (so a long-lived parent does not keep this one alive). Idempotent. */
  clear(): void
}

/**
 * Links optional parent signals into one: it aborts with the reason of the first parent to abort (at once if
 * one already has). Call `clear()` when the operation ends, or a long-lived parent keeps a listener per call.
 * Use {@link deadline} to add a timeout on the injected clock.
 */
export function linkSignals(...parents: (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController()
  const listeners: [AbortSignal, () => void][] = []
  const clear = (): void => {
    for (const [p, fn] of listeners) p.removeEventListener('abort', fn)
    listeners.length = 0
  }
  for (const parent of parents) {
    if (parent === undefined) continue
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

import type { ScoreEvent } from './types'

/** Longest `detail` kept with an event: reporters may pass text derived from what a peer sent. */
export const MAX_DETAIL_LENGTH = 256

/** Cuts a reporter's detail to {@link MAX_DETAIL_LENGTH} characters. */
export function boundedDetail(detail: string | undefined): string | undefined {
  if (detail === undefined) return undefined
  const text = String(detail)
  return text.length > MAX_DETAIL_LENGTH ? text.slice(0, MAX_DETAIL_LENGTH) : text
}

/**
 * Appends an event to a peer's history, keeping at most `limit` (oldest dropped first). Consecutive latency
 * samples replace each other, so frequent pings do not push behaviours out of the history.
 */
export function appendEvent(history: ScoreEvent[], event: ScoreEvent, limit: number): void {
  if (limit === 0) return
  const last = history[history.length - 1]
  if (event.kind === 'latency' && last?.kind === 'latency') history.pop()
  history.push(event)
  if (history.length > limit) history.splice(0, history.length - limit)
}

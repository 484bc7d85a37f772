import type { Logger } from '@chainwire/interface'
import type { EventEmitter } from 'eventemitter3'
import type { DiscoveryEvents } from '../events'

/** Emits an event without letting a throwing listener reach the service that emitted it. */
export function safeEmit<K extends keyof DiscoveryEvents>(
  emitter: EventEmitter<DiscoveryEvents>,
  log: Logger,
  event: K,
  payload: Parameters<DiscoveryEvents[K]>[0],
): void {
  try {
    ;(emitter.emit as (e: K, p: unknown) => boolean)(event, payload)
  } catch (err) {
    log.warn({ err, event }, 'discovery event listener threw')
  }
}

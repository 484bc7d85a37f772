import { EventEmitter } from 'eventemitter3'

/** One live event of the node, as the API's event stream and the dashboard see it. */
export interface LiveEvent {
  /** Sequence number since start (the SSE `id`). */
  seq: number
  /** Clock time, ms. */
  at: number
  type:
    | 'peer:connected'
    | 'peer:disconnected'
    | 'peer:banned'
    | 'block'
    | 'reorg'
    | 'finalized'
    | 'tx'
    | 'sync:state'
    | 'sync:progress'
    | 'partition'
    | 'reachability'
    | 'mined'
  data: Record<string, unknown>
}

/** Default of how many recent events are kept for clients that connect late. */
export const DEFAULT_RECENT_EVENTS = 256

/** A bounded log of recent events with a listener interface (no event is kept beyond `capacity`). */
export class EventLog extends EventEmitter<{ event: (e: LiveEvent) => void }> {
  private readonly ring: LiveEvent[] = []
  private seq = 0

  constructor(
    private readonly now: () => number,
    private readonly capacity = DEFAULT_RECENT_EVENTS,
  ) {
    super()
  }

  push(type: LiveEvent['type'], data: Record<string, unknown>): void {
    const e: LiveEvent = { seq: ++this.seq, at: this.now(), type, data }
    this.ring.push(e)
    if (this.ring.length > this.capacity) this.ring.shift()
    this.emit('event', e)
  }

  /** Events after `seq` still held, oldest first. */
  since(seq = 0): LiveEvent[] {
    return this.ring.filter((e) => e.seq > seq)
  }
}

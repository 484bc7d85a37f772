import { AbortError, TimeoutError } from '@chainwire/interface'
import { partsLength } from '@chainwire/protocol-codec'
import { SendError } from '../errors'
import type { MessageClass } from '../limits/message-class'

/** Options of {@link SendQueue}. */
export interface SendQueueOptions {
  /** Bytes queued at most (control messages may go `controlAllowanceBytes` beyond). */
  maxBytes: number
  /** Extra room for control messages (pong, disconnect) so liveness never waits behind bulk data. */
  controlAllowanceBytes: number
  /** Callers waiting for room at most; more are refused at once. */
  maxWaiters: number
}

/** Send order: control first, then blocks, transactions, bulk. */
const PRIORITY: Readonly<Record<MessageClass, number>> = { control: 0, blocks: 1, transactions: 2, bulk: 3 }

/**
 * An encoded frame as queued: one buffer, or pieces written out in order (`encodeFrameParts`: a large byte
 * field is the sender's own array, sent without a copy).
 */
export type OutFrame = Uint8Array | readonly Uint8Array[]

/** Bytes of an {@link OutFrame}. */
export function frameSize(frame: OutFrame): number {
  return frame instanceof Uint8Array ? frame.length : partsLength(frame)
}

class Lane {
  items: (OutFrame | undefined)[] = []
  head = 0

  get length(): number {
    return this.items.length - this.head
  }

  push(frame: OutFrame): void {
    this.items.push(frame)
  }

  shift(): OutFrame | undefined {
    if (this.head >= this.items.length) return undefined
    const frame = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return frame
  }

  clear(): void {
    this.items = []
    this.head = 0
  }
}

interface Waiter {
  frame: OutFrame
  size: number
  cls: MessageClass
  resolve: () => void
  reject: (err: Error) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/**
 * One peer's outgoing frames in four priority lanes, bounded in bytes. `tryPush` queues or refuses at once;
 * `push` waits for room (backpressure to the caller) until its signal aborts. A message always fits an empty
 * queue, so a message larger than the bound is never stuck. The queue remembers since when it has been
 * saturated (a sender refused or waiting, and not yet drained to half the bound), so the connection can drop
 * a peer that stopped reading.
 */
export class SendQueue {
  private readonly options: SendQueueOptions
  private readonly lanes: readonly Lane[] = [new Lane(), new Lane(), new Lane(), new Lane()]
  private readonly waiters: Waiter[] = []
  private queuedBytes = 0
  private saturatedAt: number | undefined
  private closedWith: Error | undefined

  constructor(options: SendQueueOptions) {
    this.options = options
  }

  /** Bytes queued now. */
  get bytes(): number {
    return this.queuedBytes
  }

  /** Frames queued now. */
  get length(): number {
    let n = 0
    for (const lane of this.lanes) n += lane.length
    return n
  }

  /** Callers waiting for room. */
  get waiting(): number {
    return this.waiters.length
  }

  /** Clock time since which the queue has been saturated, or undefined. */
  get saturatedSince(): number | undefined {
    return this.saturatedAt
  }

  /** Whether a frame of `size` bytes of class `cls` would be queued now. */
  hasRoom(size: number, cls: MessageClass): boolean {
    if (this.closedWith !== undefined) return false
    if (cls === 'control')
      return this.queuedBytes + size <= this.options.maxBytes + this.options.controlAllowanceBytes
    if (this.waiters.length > 0) return false
    return this.queuedBytes === 0 || this.queuedBytes + size <= this.options.maxBytes
  }

  /** Queues the frame if there is room; otherwise marks the queue saturated at `now` and returns false. */
  tryPush(frame: OutFrame, cls: MessageClass, now: number, size = frameSize(frame)): boolean {
    if (!this.hasRoom(size, cls)) {
      if (this.closedWith === undefined) this.saturatedAt ??= now
      return false
    }
    this.enqueue(frame, cls, size)
    return true
  }

  /**
   * Queues the frame, waiting for room when the queue is full. Rejects with the abort reason when `signal`
   * aborts first, with `ERR_QUEUE_FULL` when `maxWaiters` callers already wait, and with the close error
   * when the queue is closed.
   */
  push(
    frame: OutFrame,
    cls: MessageClass,
    now: number,
    signal?: AbortSignal,
    size = frameSize(frame),
  ): Promise<void> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith)
    if (this.tryPush(frame, cls, now, size)) return Promise.resolve()
    if (this.waiters.length >= this.options.maxWaiters) {
      return Promise.reject(
        new SendError('ERR_QUEUE_FULL', 'too many senders are waiting for this peer', {
          waiting: this.waiters.length,
        }),
      )
    }
    if (signal?.aborted === true) return Promise.reject(abortReason(signal))
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { frame, size, cls, resolve, reject, signal, onAbort: undefined }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter)
          if (i !== -1) this.waiters.splice(i, 1)
          reject(abortReason(signal))
          this.admitWaiters()
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.waiters.push(waiter)
    })
  }

  /** Takes the next frame to send, highest priority first. */
  shift(): OutFrame | undefined {
    for (const lane of this.lanes) {
      const frame = lane.shift()
      if (frame !== undefined) {
        this.queuedBytes -= frameSize(frame)
        this.admitWaiters()
        if (this.waiters.length === 0 && this.queuedBytes <= this.options.maxBytes / 2)
          this.saturatedAt = undefined
        return frame
      }
    }
    return undefined
  }

  /** Drops everything queued and fails every waiter with `err`; later pushes fail with it too. */
  close(err: Error): void {
    this.closedWith ??= err
    for (const lane of this.lanes) lane.clear()
    this.queuedBytes = 0
    this.saturatedAt = undefined
    for (const w of this.waiters.splice(0)) {
      if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort)
      w.reject(this.closedWith)
    }
  }

  private enqueue(frame: OutFrame, cls: MessageClass, size: number): void {
    ;(this.lanes[PRIORITY[cls]] as Lane).push(frame)
    this.queuedBytes += size
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0] as Waiter
      if (this.queuedBytes !== 0 && this.queuedBytes + w.size > this.options.maxBytes) return
      this.waiters.shift()
      if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort)
      this.enqueue(w.frame, w.cls, w.size)
      w.resolve()
    }
  }
}

/** A deadline's `TimeoutError` as it is (the caller maps it), anything else as an `AbortError`. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (TimeoutError.isInstance(reason) || AbortError.isInstance(reason)) return reason
  return new AbortError('the send was aborted', { cause: reason })
}

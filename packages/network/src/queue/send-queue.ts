import { AbortError, TimeoutError } from '@chainwire/interface'
import { partsLength } from '@chainwire/protocol-codec'
import { NetworkError, SendError } from '../errors'
import type { MessageClass } from '../limits/message-class'

/** Options of {@link SendQueue}. */
export interface SendQueueOptions {
  /** Bytes queued at most (control messages may go `controlAllowanceBytes` beyond). */
  maxBytes: number
  /** Extra room for control messages (pong, disconnect) so liveness never waits behind bulk data. */
  controlAllowanceBytes: number
  /** Callers waiting for room at most; more are refused at once. */
  maxWaiters: number
  /** Weights of the data lanes in the fair scheduler (positive integers). @default DEFAULT_LANE_WEIGHTS */
  weights?: Readonly<LaneWeights>
}

/** The classes that share the send bandwidth by weight; control goes first, outside the rounds. */
export type DataClass = Exclude<MessageClass, 'control'>

/** The weight of each data lane: its share of the bandwidth is its weight over the sum of the busy lanes'. */
export type LaneWeights = Record<DataClass, number>

/**
 * The default lane weights: blocks 4, transactions 2, bulk 1. With every lane busy, blocks get at least 4/7
 * of the bytes sent (57%), transactions 2/7 (29%) and bulk (addresses, the DHT, chunks) 1/7 (14%); a lane
 * alone gets everything, and two busy lanes split by their weights (blocks and bulk: 80% / 20%).
 */
export const DEFAULT_LANE_WEIGHTS: Readonly<LaneWeights> = Object.freeze({
  blocks: 4,
  transactions: 2,
  bulk: 1,
})

/** Bytes a lane of weight 1 may send per round of the scheduler (a lane of weight w: w times this). */
export const LANE_QUANTUM_BYTES = 64 * 1024

/** Lane indexes: control, then the data lanes in the order a round visits them. */
const LANE_OF: Readonly<Record<MessageClass, number>> = { control: 0, blocks: 1, transactions: 2, bulk: 3 }
const DATA_CLASSES: readonly DataClass[] = ['blocks', 'transactions', 'bulk']

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
  sizes: number[] = []
  head = 0
  /** Deficit round robin: bytes this lane may still send in the current round. */
  deficit = 0
  /** Whether the lane got its quantum for the visit in progress. */
  credited = false

  constructor(readonly quantum: number) {}

  get length(): number {
    return this.items.length - this.head
  }

  /** Bytes of the frame at the head (the lane must not be empty). */
  get headSize(): number {
    return this.sizes[this.head] as number
  }

  push(frame: OutFrame, size: number): void {
    this.items.push(frame)
    this.sizes.push(size)
  }

  shift(): OutFrame | undefined {
    if (this.head >= this.items.length) return undefined
    const frame = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.sizes = []
      this.head = 0
    } else if (this.head >= 1024) {
      this.items = this.items.slice(this.head)
      this.sizes = this.sizes.slice(this.head)
      this.head = 0
    }
    return frame
  }

  clear(): void {
    this.items = []
    this.sizes = []
    this.head = 0
    this.deficit = 0
    this.credited = false
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
 * One peer's outgoing frames in four lanes, bounded in bytes. Control frames go first; the blocks,
 * transactions and bulk lanes share what is left by weighted fair queueing (deficit round robin: each round
 * a busy lane may send its weight times {@link LANE_QUANTUM_BYTES}, a frame larger than that waits for the
 * credit of several rounds), so a class that always has data queued cannot starve the others: each busy lane
 * gets at least its weight's share of the bytes. `tryPush` queues or refuses at once;
 * `push` waits for room (backpressure to the caller) until its signal aborts. A message always fits an empty
 * queue, so a message larger than the bound is never stuck. The queue remembers since when it has been
 * saturated (a sender refused or waiting, and the queue not drained to half the bound since), so the
 * connection can drop a peer that stopped reading. Draining to half restarts that clock even when waiting
 * senders fill the queue again at once: a peer that keeps reading is never taken for one that stopped, however
 * much more there always is to send it (a node serving it 3.5 MB blocks, four requests at a time).
 */
export class SendQueue {
  private readonly options: SendQueueOptions
  private readonly lanes: readonly Lane[]
  /** The data lane (1-3) the scheduler is visiting. */
  private cursor = 1
  private readonly waiters: Waiter[] = []
  private queuedBytes = 0
  private saturatedAt: number | undefined
  private closedWith: Error | undefined

  constructor(options: SendQueueOptions) {
    this.options = options
    const weights = options.weights ?? DEFAULT_LANE_WEIGHTS
    for (const cls of DATA_CLASSES) {
      const w = weights[cls]
      if (!Number.isSafeInteger(w) || w < 1 || w > 1_000) {
        throw new NetworkError(
          'ERR_INVALID_OPTIONS',
          `lane weight of ${cls} must be an integer in [1, 1000]`,
          {
            option: `laneWeights.${cls}`,
            value: String(w),
          },
        )
      }
    }
    this.lanes = [new Lane(0), ...DATA_CLASSES.map((cls) => new Lane(weights[cls] * LANE_QUANTUM_BYTES))]
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

  /**
   * Takes the next frame to send: control first, then the data lanes in their fair rounds. `now` is the clock
   * time, from which a saturated queue that this frame drained to half counts as saturated again.
   */
  shift(now: number): OutFrame | undefined {
    const control = this.lanes[0] as Lane
    if (control.length > 0) return this.taken(control.headSize, control.shift() as OutFrame, now)
    const lanes = this.lanes
    if ((lanes[1] as Lane).length + (lanes[2] as Lane).length + (lanes[3] as Lane).length === 0) {
      this.cursor = 1
      return undefined
    }
    // Deficit round robin. Ends: some lane is busy, and each visit to a busy lane adds at least 64 KiB to its
    // deficit, so within (largest frame / 64 KiB) rounds a head frame fits.
    for (;;) {
      const lane = lanes[this.cursor] as Lane
      if (lane.length === 0) {
        lane.deficit = 0
        lane.credited = false
        this.next()
        continue
      }
      if (!lane.credited) {
        lane.deficit += lane.quantum
        lane.credited = true
      }
      const size = lane.headSize
      if (size <= lane.deficit) {
        lane.deficit -= size
        const frame = lane.shift() as OutFrame
        if (lane.length === 0) {
          lane.deficit = 0
          lane.credited = false
          this.next()
        }
        return this.taken(size, frame, now)
      }
      lane.credited = false
      this.next()
    }
  }

  /** Moves the scheduler to the next data lane. */
  private next(): void {
    this.cursor = this.cursor === 3 ? 1 : this.cursor + 1
  }

  /**
   * Accounts for a frame leaving the queue. When that drains it to half the bound, the peer is reading: the
   * saturation clock stops, or restarts at `now` if senders still wait after the waiting ones were admitted.
   */
  private taken(size: number, frame: OutFrame, now: number): OutFrame {
    this.queuedBytes -= size
    const drained = this.queuedBytes <= this.options.maxBytes / 2
    this.admitWaiters()
    if (drained && this.saturatedAt !== undefined) {
      this.saturatedAt = this.waiters.length > 0 ? now : undefined
    }
    return frame
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
    ;(this.lanes[LANE_OF[cls]] as Lane).push(frame, size)
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

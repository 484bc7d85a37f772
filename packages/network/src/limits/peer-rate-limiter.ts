import { type BucketRate, type Clock, TokenBucket } from '@chainwire/interface'
import { MESSAGE_CLASSES, type MessageClass } from './message-class'

/** The inbound limits of one message class, per peer. */
export interface ClassRateLimit {
  /** Messages per second, sustained. */
  messagesPerSecond: number
  /** Messages accepted in a burst. */
  messageBurst: number
  /** Bytes per second, sustained (framed size). */
  bytesPerSecond: number
  /** Bytes accepted in a burst; one message larger than this still passes when the bucket is full. */
  byteBurst: number
}

/** What the limiter decided about one message. */
export type RateVerdict = 'accept' | 'drop' | 'disconnect'

/** Messages and bytes dropped for one class. */
export interface DroppedCount {
  messages: number
  bytes: number
}

/**
 * One peer's inbound token buckets: messages and bytes per {@link MessageClass}, plus two tolerance buckets
 * that junk drains (a message dropped by the limits, one that does not decode, one that answers nothing we
 * asked): one token per such message, and its size from the junk byte bucket. A peer slightly over its
 * limits loses the excess; one that keeps sending junk empties either bucket and is to be disconnected, so
 * a few large junk messages cost as much as many small ones and decrypting junk has a bounded price.
 * Messages that are accepted never touch the tolerance buckets.
 */
export class PeerRateLimiter {
  private readonly messages: Record<MessageClass, TokenBucket>
  private readonly bytes: Record<MessageClass, TokenBucket>
  private readonly tolerance: TokenBucket
  private readonly junk: TokenBucket
  /** Dropped so far, per class. */
  readonly dropped: Record<MessageClass, DroppedCount>
  /** Bytes charged to the junk byte bucket so far. */
  junkBytes = 0

  constructor(
    clock: Clock,
    limits: Readonly<Record<MessageClass, ClassRateLimit>>,
    tolerance: BucketRate,
    junkBytes: BucketRate,
  ) {
    const make = (pick: (l: ClassRateLimit) => BucketRate): Record<MessageClass, TokenBucket> =>
      Object.fromEntries(MESSAGE_CLASSES.map((c) => [c, new TokenBucket(clock, pick(limits[c]))])) as Record<
        MessageClass,
        TokenBucket
      >
    this.messages = make((l) => ({ rate: l.messagesPerSecond, burst: l.messageBurst }))
    this.bytes = make((l) => ({ rate: l.bytesPerSecond, burst: l.byteBurst }))
    this.tolerance = new TokenBucket(clock, tolerance)
    this.junk = new TokenBucket(clock, junkBytes)
    this.dropped = Object.fromEntries(MESSAGE_CLASSES.map((c) => [c, { messages: 0, bytes: 0 }])) as Record<
      MessageClass,
      DroppedCount
    >
  }

  /** Charges one message of `size` bytes to `cls`, or counts it as dropped. */
  check(cls: MessageClass, size: number): RateVerdict {
    const messages = this.messages[cls]
    const bytes = this.bytes[cls]
    if (messages.canTake(1) && bytes.canTake(size)) {
      messages.take(1)
      bytes.take(size)
      return 'accept'
    }
    const d = this.dropped[cls]
    d.messages++
    d.bytes += size
    return this.penalize(size) ? 'drop' : 'disconnect'
  }

  /**
   * Charges another offence (an invalid or unrequested message of `size` bytes): one token and `size` junk
   * bytes. False when either budget is exhausted: the peer is to be disconnected.
   */
  penalize(size: number): boolean {
    const counted = this.tolerance.take(1)
    return this.chargeJunk(size) && counted
  }

  /**
   * Charges `size` junk bytes alone (a message ignored without penalty, such as an unknown type); false
   * when the junk byte budget is exhausted.
   */
  chargeJunk(size: number): boolean {
    if (size <= 0) return true
    this.junkBytes += size
    return this.junk.take(size)
  }

  /** Total messages dropped, all classes. */
  droppedMessages(): number {
    let n = 0
    for (const c of MESSAGE_CLASSES) n += this.dropped[c].messages
    return n
  }
}

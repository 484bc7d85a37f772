import type { Clock, PeerId } from '@chainwire/interface'
import { LruMap } from '@chainwire/interface'
import type { Message } from '@chainwire/protocol-codec'

/** A message kept for IWANT and get_data: what is sent to a peer that asks for it. */
export interface StoredMessage {
  readonly key: string
  readonly id: Uint8Array
  readonly topic: string
  /** The message as relayed (a catalog message, or an envelope with its hop count for the next hop). */
  readonly wire: Message
  /** Framed size in bytes (what it costs in a send queue). */
  readonly size: number
  /** Clock time it was stored. */
  readonly at: number
  /** Times it was sent to each peer in answer to IWANT (created on first use). */
  iwant: Map<PeerId, number> | undefined
}

/**
 * The messages relay can still hand out: bounded in entries and bytes (least recently stored dropped first)
 * and in time (`ttlMs` after storing).
 */
export class MessageStore {
  private readonly clock: Clock
  private readonly ttlMs: number
  private readonly maxBytes: number
  private bytesHeld = 0
  private readonly entries: LruMap<string, StoredMessage>

  constructor(clock: Clock, maxEntries: number, maxBytes: number, ttlMs: number) {
    this.clock = clock
    this.ttlMs = ttlMs
    this.maxBytes = maxBytes
    this.entries = new LruMap(maxEntries, (_k, m) => {
      this.bytesHeld -= m.size
    })
  }

  get size(): number {
    return this.entries.size
  }

  get bytes(): number {
    return this.bytesHeld
  }

  put(m: StoredMessage): void {
    const old = this.entries.peek(m.key)
    if (old !== undefined) {
      this.bytesHeld -= old.size
      this.entries.delete(m.key)
    }
    this.entries.set(m.key, m)
    this.bytesHeld += m.size
    for (const [key, e] of this.entries) {
      if (this.bytesHeld <= this.maxBytes || this.entries.size <= 1) break
      this.entries.delete(key)
      this.bytesHeld -= e.size
    }
  }

  get(key: string): StoredMessage | undefined {
    const m = this.entries.peek(key)
    if (m === undefined) return undefined
    if (this.clock.now() - m.at >= this.ttlMs) {
      this.delete(key)
      return undefined
    }
    return m
  }

  delete(key: string): void {
    const m = this.entries.peek(key)
    if (m === undefined) return
    this.entries.delete(key)
    this.bytesHeld -= m.size
  }

  /** Drops expired messages (oldest first). */
  cleanup(): void {
    const cutoff = this.clock.now() - this.ttlMs
    for (const [key, m] of this.entries) {
      if (m.at > cutoff) break
      this.entries.delete(key)
      this.bytesHeld -= m.size
    }
  }

  clear(): void {
    this.entries.clear()
    this.bytesHeld = 0
  }
}

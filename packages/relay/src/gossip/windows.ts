/**
 * The message cache windows of gossipsub (`mcache`): the ids of validated messages, one window per
 * heartbeat. IWANT is answered for ids in the last `history` windows, and IHAVE gossips the ids of the last
 * `gossip` ones. Bounded: at most `maxEntries` ids in all (more are not gossiped).
 */
export class MessageWindows {
  private windows: [topic: string, key: string, id: Uint8Array][][] = [[]]
  private readonly present = new Set<string>()
  private readonly history: number
  private readonly gossipWindows: number
  private readonly maxEntries: number

  constructor(history: number, gossipWindows: number, maxEntries: number) {
    this.history = history
    this.gossipWindows = gossipWindows
    this.maxEntries = maxEntries
  }

  get size(): number {
    return this.present.size
  }

  /** Adds an id (and its hex key) to the current window. */
  push(topic: string, key: string, id: Uint8Array): void {
    if (this.present.has(key) || this.present.size >= this.maxEntries) return
    this.present.add(key)
    ;(this.windows[0] as [string, string, Uint8Array][]).push([topic, key, id])
  }

  /** Whether an id is in the history (answerable to IWANT). */
  has(key: string): boolean {
    return this.present.has(key)
  }

  /** The ids of `topic` in the gossip windows, newest first. */
  gossip(topic: string): Uint8Array[] {
    const out: Uint8Array[] = []
    const n = Math.min(this.gossipWindows, this.windows.length)
    for (let i = 0; i < n; i++) {
      for (const [t, , id] of this.windows[i] as [string, string, Uint8Array][]) if (t === topic) out.push(id)
    }
    return out
  }

  /** Starts a new window (each heartbeat); the oldest beyond the history is forgotten. */
  shift(): void {
    this.windows.unshift([])
    while (this.windows.length > this.history) {
      for (const [, key] of this.windows.pop() as [string, string, Uint8Array][]) this.present.delete(key)
    }
  }

  clear(): void {
    this.windows = [[]]
    this.present.clear()
  }
}

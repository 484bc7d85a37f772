import type { PeerId } from '@chainwire/interface'
import type { PeerRecord } from './record'
import type { PeerScoreState } from './types'

/** Eviction preference by state: neutral peers go first, then low, then trusted. Banned peers never go. */
const STATE_RANK: Readonly<Record<PeerScoreState, number>> = { neutral: 0, low: 1, trusted: 2, banned: -1 }

/** A peer is protected from eviction while it is banned or its ban freeze is still running. */
export function isEvictionProtected(r: PeerRecord, now: number): boolean {
  return r.state === 'banned' || r.bannedUntil > now
}

/** What {@link ScoreStore.add} did. */
export interface AddResult {
  /** False when the store is full of protected peers and the new one could not be tracked. */
  added: boolean
  /** The peer evicted to make room, if any. */
  evicted: PeerRecord | undefined
}

/**
 * The bounded table of peer records, kept in least-recently-seen order (a Map's insertion order, refreshed on
 * every report). When full, a new peer evicts the least recently seen peer of the lowest rank: disconnected
 * before connected, then neutral before low before trusted. Banned peers are never evicted before their ban
 * decays; if every tracked peer is banned, the new peer is not tracked.
 */
export class ScoreStore {
  private readonly records = new Map<PeerId, PeerRecord>()

  constructor(private readonly maxPeers: number) {}

  /** Number of tracked peers. */
  get size(): number {
    return this.records.size
  }

  get(peerId: PeerId): PeerRecord | undefined {
    return this.records.get(peerId)
  }

  /** Marks a tracked record as the most recently seen. */
  touch(r: PeerRecord, now: number): void {
    r.lastSeen = Math.max(r.lastSeen, now)
    this.records.delete(r.peerId)
    this.records.set(r.peerId, r)
  }

  /** Adds a record as the most recently seen, evicting one if the store is full. */
  add(r: PeerRecord, now: number): AddResult {
    if (this.records.has(r.peerId)) {
      this.records.delete(r.peerId)
      this.records.set(r.peerId, r)
      return { added: true, evicted: undefined }
    }
    let evicted: PeerRecord | undefined
    if (this.records.size >= this.maxPeers) {
      evicted = this.victim(now)
      if (evicted === undefined) return { added: false, evicted: undefined }
      this.records.delete(evicted.peerId)
    }
    this.records.set(r.peerId, r)
    return { added: true, evicted }
  }

  delete(peerId: PeerId): boolean {
    return this.records.delete(peerId)
  }

  clear(): void {
    this.records.clear()
  }

  /** The records, least recently seen first. */
  values(): IterableIterator<PeerRecord> {
    return this.records.values()
  }

  /**
   * The record to evict: one pass in least-recently-seen order, stopping at the first disconnected neutral
   * peer (the usual case, found among the oldest entries).
   */
  private victim(now: number): PeerRecord | undefined {
    let best: PeerRecord | undefined
    let bestRank = Number.POSITIVE_INFINITY
    for (const r of this.records.values()) {
      if (isEvictionProtected(r, now)) continue
      const rank = (r.connections > 0 ? 3 : 0) + STATE_RANK[r.state]
      if (rank < bestRank) {
        best = r
        bestRank = rank
        if (rank === 0) break
      }
    }
    return best
  }
}

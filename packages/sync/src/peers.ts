import { LruMap, networkGroup, type PeerId } from '@chainwire/interface'
import type { PeerInfo } from '@chainwire/network'

/** The hello capability that says a node speaks compact blocks (`send_compact` and `compact_block`). */
export const COMPACT_BLOCKS_CAPABILITY = 'compact-blocks'
/** The hello capability that says a node sends and accepts `mempool_sync`. */
export const MEMPOOL_SYNC_CAPABILITY = 'mempool-sync'

/** Blocks a peer said it lacks, remembered per peer at most. */
const MAX_LACKS = 4_096

/** What sync knows about one connected peer. */
export class SyncPeer {
  readonly peerId: PeerId
  /** Manual and persistent peers: never disconnected for stalling. */
  readonly protected: boolean
  /** The peer's network group (IPv4 /16, IPv6 /32), for partition recovery. */
  readonly group: string
  /** Best work and height the peer has shown (hello, then headers and announcements). */
  claimedWork: bigint
  claimedHeight: number
  /** Blocks in flight from this peer. */
  inFlight = 0
  /** Smoothed blocks per second this peer delivered (undefined before its first answer). */
  blocksPerSecond: number | undefined
  /** Clock time of the last block this peer delivered. */
  lastDeliveryAt = 0
  /** Not asked for blocks before this clock time. */
  cooldownUntil = 0
  /** Consecutive empty answers (the cooldown doubles with each). */
  emptyStreak = 0
  /** Sent an invalid block: no longer asked for blocks. */
  misbehaving = false
  /** Headers answers that did not connect. */
  unconnecting = 0
  /** Whether a header session runs with it. */
  headerSession = false
  /** Whether header sync with it finished (its chain is known up to its tip). */
  headersDone = false
  /** Clock time since which the peer has shown more work than our header tip (undefined: it has not). */
  moreWorkSince: number | undefined
  /** Compact blocks: the peer speaks them, and whether it asked us to push them unasked. */
  readonly compact: boolean
  wantsHighBandwidth = false
  /** Whether we asked this peer to push compact blocks to us. */
  highBandwidthToUs = false
  /** Mempool sync: ids the peer announced on this connection. */
  mempoolAnnounced = 0
  /** Block hashes (hex) the peer lacks, with the time until which not to ask it again. */
  private readonly lacks = new LruMap<string, number>(MAX_LACKS)

  constructor(info: PeerInfo) {
    this.peerId = info.peerId
    this.protected = info.kind === 'manual'
    this.group = safeGroup(info.remoteHost)
    this.claimedWork = info.hello.totalWork
    this.claimedHeight = info.hello.bestHeight
    this.compact = info.hello.capabilities.includes(COMPACT_BLOCKS_CAPABILITY)
  }

  /** Records that the peer lacks a block until `until`. */
  markLacks(hashHex: string, until: number): void {
    this.lacks.set(hashHex, until)
  }

  /** Whether the peer is known to lack a block now. */
  lacksBlock(hashHex: string, now: number): boolean {
    const until = this.lacks.peek(hashHex)
    if (until === undefined) return false
    if (until <= now) {
      this.lacks.delete(hashHex)
      return false
    }
    return true
  }

  /** Raises what the peer has shown (never lowers it). */
  showed(work: bigint, height: number): void {
    if (work > this.claimedWork) this.claimedWork = work
    if (height > this.claimedHeight) this.claimedHeight = height
  }
}

function safeGroup(host: string): string {
  return networkGroup(host) ?? `host:${host}`
}

/** The connected peers sync tracks: one entry per connection, removed on disconnect. */
export class PeerTable {
  private readonly peers = new Map<PeerId, SyncPeer>()

  add(info: PeerInfo): SyncPeer {
    const peer = new SyncPeer(info)
    this.peers.set(info.peerId, peer)
    return peer
  }

  remove(peerId: PeerId): SyncPeer | undefined {
    const peer = this.peers.get(peerId)
    this.peers.delete(peerId)
    return peer
  }

  get(peerId: PeerId): SyncPeer | undefined {
    return this.peers.get(peerId)
  }

  all(): IterableIterator<SyncPeer> {
    return this.peers.values()
  }

  get size(): number {
    return this.peers.size
  }

  clear(): void {
    this.peers.clear()
  }
}

import type { Clock, PeerId } from '@chainwire/interface'
import { LruMap, TokenBucket } from '@chainwire/interface'
import type { PeerInfo } from '@chainwire/network'

/** Per-heartbeat budgets a peer spends (reset every heartbeat). */
export interface HeartbeatBudget {
  /** IHAVE messages processed from the peer. */
  ihaveMessages: number
  /** IHAVE ids processed from the peer. */
  ihaveIds: number
  /** Whether the peer was already penalised for an IHAVE flood this heartbeat. */
  ihavePenalised: boolean
  /** IDONTWANT ids accepted from the peer. */
  idontwantIn: number
  /** IDONTWANT ids sent to the peer. */
  idontwantOut: number
  /** Preamble ids accepted from the peer. */
  preambleIn: number
}

/** What relay knows about one connected peer. Every collection in it is bounded. */
export class RelayPeer {
  readonly id: PeerId
  readonly info: PeerInfo
  readonly outbound: boolean
  /** Topics the peer subscribed to (at most `maxTopics`). */
  readonly topics = new Set<string>()
  /** Message ids the peer said it does not want (IDONTWANT), to the clock time that ends it. */
  readonly dontWant: LruMap<string, number>
  readonly budget: HeartbeatBudget = {
    ihaveMessages: 0,
    ihaveIds: 0,
    ihavePenalised: false,
    idontwantIn: 0,
    idontwantOut: 0,
    preambleIn: 0,
  }
  /** Announce-pull state, created on first use. */
  known: LruMap<string, true> | undefined
  /** Item keys waiting to be announced to the peer (insertion order), created on first use. */
  invQueue: Set<string> | undefined
  /** Items requested from the peer and not yet answered. */
  inFlight = 0
  /** Envelopes from this neighbour (direct relay), created on first use. */
  envelopes: TokenBucket | undefined

  constructor(info: PeerInfo, dontWantMax: number) {
    this.id = info.peerId
    this.info = info
    this.outbound = info.direction === 'outbound'
    this.dontWant = new LruMap(Math.max(1, dontWantMax))
  }

  /** Whether the peer announced the `validator` role in its hello. */
  get isValidatorByRole(): boolean {
    return this.info.hello.roles.includes('validator')
  }

  /** Whether the peer asked not to get `key` (and the request has not run out). */
  doesNotWant(key: string, now: number): boolean {
    const until = this.dontWant.peek(key)
    if (until === undefined) return false
    if (until <= now) {
      this.dontWant.delete(key)
      return false
    }
    return true
  }

  resetBudget(): void {
    const b = this.budget
    b.ihaveMessages = 0
    b.ihaveIds = 0
    b.ihavePenalised = false
    b.idontwantIn = 0
    b.idontwantOut = 0
    b.preambleIn = 0
  }

  /** The bucket of envelopes this neighbour may hand us. */
  envelopeBucket(clock: Clock, rate: number, burst: number): TokenBucket {
    this.envelopes ??= new TokenBucket(clock, { rate, burst })
    return this.envelopes
  }
}

/** The connected peers relay tracks (no bigger than the network's connection limit). */
export class PeerTable {
  private readonly peers = new Map<PeerId, RelayPeer>()
  private readonly dontWantMax: number

  constructor(dontWantMax: number) {
    this.dontWantMax = dontWantMax
  }

  get size(): number {
    return this.peers.size
  }

  add(info: PeerInfo): RelayPeer {
    const existing = this.peers.get(info.peerId)
    if (existing !== undefined) return existing
    const peer = new RelayPeer(info, this.dontWantMax)
    this.peers.set(info.peerId, peer)
    return peer
  }

  remove(id: PeerId): RelayPeer | undefined {
    const peer = this.peers.get(id)
    this.peers.delete(id)
    return peer
  }

  get(id: PeerId): RelayPeer | undefined {
    return this.peers.get(id)
  }

  has(id: PeerId): boolean {
    return this.peers.has(id)
  }

  all(): IterableIterator<RelayPeer> {
    return this.peers.values()
  }

  /** Connected peers subscribed to `topic`. */
  inTopic(topic: string): RelayPeer[] {
    const out: RelayPeer[] = []
    for (const p of this.peers.values()) if (p.topics.has(topic)) out.push(p)
    return out
  }

  clear(): void {
    this.peers.clear()
  }
}

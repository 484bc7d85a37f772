import type { Clock, PeerId } from '@chainwire/interface'
import { LruMap } from '@chainwire/interface'
import type { ResolvedScore, ResolvedTopicScore } from '../options'
import type { PeerScoreView } from '../types'

/** The topic counters of one peer (gossipsub v1.1 P1-P4). */
interface TopicStats {
  inMesh: boolean
  graftTime: number
  meshTime: number
  firstMessageDeliveries: number
  meshMessageDeliveries: number
  meshMessageDeliveriesActive: boolean
  meshFailurePenalty: number
  invalidMessageDeliveries: number
}

/** The counters of one peer. */
interface PeerStats {
  connected: boolean
  /** For a disconnected peer: when its score is forgotten. */
  expireAt: number
  ip: string | undefined
  topics: Map<string, TopicStats>
  behaviourPenalty: number
}

/** What the score needs to know about topics: their parameters (undefined for a topic not joined). */
export type TopicParams = (topic: string) => ResolvedTopicScore | undefined

function newTopicStats(): TopicStats {
  return {
    inMesh: false,
    graftTime: 0,
    meshTime: 0,
    firstMessageDeliveries: 0,
    meshMessageDeliveries: 0,
    meshMessageDeliveriesActive: false,
    meshFailurePenalty: 0,
    invalidMessageDeliveries: 0,
  }
}

/**
 * The gossipsub v1.1 peer score, computed here for every peer relay talks to: per topic P1 time in mesh, P2
 * first deliveries, P3 mesh delivery deficit and P3b its sticky penalty, P4 invalid messages; then P5 the
 * application's own score, P6 IP colocation, P7 behaviour penalties. Counters decay every decay interval and
 * a disconnected peer's counters are kept for `retainScoreMs`, so reconnecting wipes nothing. At most
 * `maxTrackedPeers` peers (connected ones are only forgotten once the table is full of them).
 */
export class PeerScore {
  private readonly o: ResolvedScore
  private readonly params: TopicParams
  private readonly clock: Clock
  private readonly app: PeerScoreView | undefined
  private readonly stats: LruMap<PeerId, PeerStats>
  private readonly byIp = new Map<string, Set<PeerId>>()
  /** Per topic: a decayed count of first deliveries, the scale of the P3 threshold on quiet topics. */
  private readonly activity = new Map<string, number>()

  constructor(o: ResolvedScore, params: TopicParams, clock: Clock, app: PeerScoreView | undefined) {
    this.o = o
    this.params = params
    this.clock = clock
    this.app = app
    this.stats = new LruMap(o.maxTrackedPeers, (id, s) => this.dropIp(id, s))
  }

  /** Peers tracked now. */
  get size(): number {
    return this.stats.size
  }

  /** A peer connected from `ip`: its retained counters (if any) come back. */
  connected(id: PeerId, ip: string | undefined): void {
    let s = this.stats.get(id)
    if (s === undefined) {
      s = { connected: true, expireAt: 0, ip: undefined, topics: new Map(), behaviourPenalty: 0 }
      this.stats.set(id, s)
    }
    s.connected = true
    this.dropIp(id, s)
    s.ip = ip
    if (ip !== undefined) {
      let set = this.byIp.get(ip)
      if (set === undefined) this.byIp.set(ip, (set = new Set()))
      set.add(id)
    }
  }

  /** A peer disconnected: its mesh membership ends (P3b if short of deliveries) and its score is retained. */
  disconnected(id: PeerId): void {
    const s = this.stats.peek(id)
    if (s === undefined) return
    for (const [topic, t] of s.topics) if (t.inMesh) this.prune(id, topic)
    s.connected = false
    s.expireAt = this.clock.now() + this.o.retainScoreMs
    this.dropIp(id, s)
  }

  graft(id: PeerId, topic: string): void {
    const t = this.topic(id, topic)
    if (t === undefined) return
    t.inMesh = true
    t.graftTime = this.clock.now()
    t.meshTime = 0
    t.meshMessageDeliveriesActive = false
  }

  /** The peer left our mesh: a delivery deficit becomes the sticky P3b penalty. */
  prune(id: PeerId, topic: string): void {
    const t = this.topic(id, topic)
    const p = this.params(topic)
    if (t === undefined || p === undefined) return
    const deficit = this.deficit(topic, t, p)
    if (deficit > 0) t.meshFailurePenalty += deficit * deficit
    t.inMesh = false
    t.meshMessageDeliveriesActive = false
  }

  /** The mesh delivery deficit of a peer (0 when none or not yet active): for P3b reports. */
  meshDeficit(id: PeerId, topic: string): number {
    const t = this.stats.peek(id)?.topics.get(topic)
    const p = this.params(topic)
    return t === undefined || p === undefined ? 0 : this.deficit(topic, t, p)
  }

  /** The peer was the first to deliver a valid message (P2, and P3 when in the mesh). */
  firstDelivery(id: PeerId, topic: string): void {
    const t = this.topic(id, topic)
    const p = this.params(topic)
    if (t === undefined || p === undefined) return
    t.firstMessageDeliveries = Math.min(p.firstMessageDeliveriesCap, t.firstMessageDeliveries + 1)
    this.activity.set(topic, (this.activity.get(topic) ?? 0) + 1)
    if (t.inMesh) t.meshMessageDeliveries = Math.min(p.meshMessageDeliveriesCap, t.meshMessageDeliveries + 1)
  }

  /**
   * A mesh peer showed it had a message within the delivery window after our first receipt (a near-first
   * copy, or an IDONTWANT that came after we had it): P3 credit.
   */
  meshDelivery(id: PeerId, topic: string, firstAt: number): void {
    const t = this.stats.peek(id)?.topics.get(topic)
    const p = this.params(topic)
    if (t === undefined || p === undefined || !t.inMesh) return
    if (this.clock.now() - firstAt > p.meshMessageDeliveriesWindowMs) return
    t.meshMessageDeliveries = Math.min(p.meshMessageDeliveriesCap, t.meshMessageDeliveries + 1)
  }

  /** The peer sent an invalid message (P4). */
  invalidMessage(id: PeerId, topic: string): void {
    const t = this.topic(id, topic)
    if (t !== undefined) t.invalidMessageDeliveries += 1
  }

  /** A behaviour penalty (P7): a broken IWANT promise, a GRAFT in backoff, an IHAVE flood, a bad envelope. */
  penalise(id: PeerId, count = 1): void {
    let s = this.stats.peek(id)
    if (s === undefined) {
      s = {
        connected: false,
        expireAt: this.clock.now() + this.o.retainScoreMs,
        ip: undefined,
        topics: new Map(),
        behaviourPenalty: 0,
      }
      this.stats.set(id, s)
    }
    s.behaviourPenalty += count
  }

  /** The peer's score now. */
  score(id: PeerId): number {
    const s = this.stats.peek(id)
    const appScore = this.app === undefined ? 0 : this.app.getScore(id)
    let total = this.o.appSpecificWeight * appScore
    if (s === undefined) return total
    let topics = 0
    const now = this.clock.now()
    for (const [topic, t] of s.topics) {
      const p = this.params(topic)
      if (p === undefined) continue
      let ts = 0
      if (t.inMesh) {
        const inMesh = Math.max(t.meshTime, now - t.graftTime)
        ts += p.timeInMeshWeight * Math.min(inMesh / p.timeInMeshQuantumMs, p.timeInMeshCap)
      }
      ts += p.firstMessageDeliveriesWeight * t.firstMessageDeliveries
      const deficit = this.deficit(topic, t, p)
      ts += p.meshMessageDeliveriesWeight * deficit * deficit
      ts += p.meshFailurePenaltyWeight * t.meshFailurePenalty
      ts += p.invalidMessageDeliveriesWeight * t.invalidMessageDeliveries * t.invalidMessageDeliveries
      topics += p.topicWeight * ts
    }
    total += Math.min(topics, this.o.topicScoreCap)
    if (s.ip !== undefined) {
      const n = this.byIp.get(s.ip)?.size ?? 0
      if (n > this.o.ipColocationFactorThreshold) {
        const surplus = n - this.o.ipColocationFactorThreshold
        total += this.o.ipColocationFactorWeight * surplus * surplus
      }
    }
    if (s.behaviourPenalty > this.o.behaviourPenaltyThreshold) {
      const excess = s.behaviourPenalty - this.o.behaviourPenaltyThreshold
      total += this.o.behaviourPenaltyWeight * excess * excess
    }
    return total
  }

  /** One decay interval: every counter decays, mesh times advance, expired retained peers are forgotten. */
  decay(): void {
    const now = this.clock.now()
    const zero = this.o.decayToZero
    const d = (v: number, f: number): number => {
      const x = v * f
      return x < zero ? 0 : x
    }
    for (const [id, s] of this.stats) {
      if (!s.connected && s.expireAt <= now) {
        this.stats.delete(id)
        this.dropIp(id, s)
        continue
      }
      for (const [topic, t] of s.topics) {
        const p = this.params(topic)
        if (p === undefined) continue
        t.firstMessageDeliveries = d(t.firstMessageDeliveries, p.firstMessageDeliveriesDecay)
        t.meshMessageDeliveries = d(t.meshMessageDeliveries, p.meshMessageDeliveriesDecay)
        t.meshFailurePenalty = d(t.meshFailurePenalty, p.meshFailurePenaltyDecay)
        t.invalidMessageDeliveries = d(t.invalidMessageDeliveries, p.invalidMessageDeliveriesDecay)
        if (t.inMesh) {
          t.meshTime = now - t.graftTime
          if (t.meshTime > p.meshMessageDeliveriesActivationMs) t.meshMessageDeliveriesActive = true
        }
      }
      s.behaviourPenalty = d(s.behaviourPenalty, this.o.behaviourPenaltyDecay)
    }
    for (const [topic, a] of this.activity) {
      const p = this.params(topic)
      if (p === undefined) this.activity.delete(topic)
      else this.activity.set(topic, d(a, p.meshMessageDeliveriesDecay))
    }
  }

  /** Forgets a topic's counters for every peer (the topic was left). */
  forgetTopic(topic: string): void {
    for (const s of this.stats.values()) s.topics.delete(topic)
    this.activity.delete(topic)
  }

  clear(): void {
    this.stats.clear()
    this.byIp.clear()
    this.activity.clear()
  }

  private topic(id: PeerId, topic: string): TopicStats | undefined {
    if (this.params(topic) === undefined) return undefined
    const s = this.stats.peek(id)
    if (s === undefined) return undefined
    let t = s.topics.get(topic)
    if (t === undefined) s.topics.set(topic, (t = newTopicStats()))
    return t
  }

  /** P3: how far a mesh peer is below the threshold (scaled down on a quiet topic). */
  private deficit(topic: string, t: TopicStats, p: ResolvedTopicScore): number {
    if (!t.inMesh || !t.meshMessageDeliveriesActive) return 0
    const threshold = Math.min(
      p.meshMessageDeliveriesThreshold,
      p.meshMessageDeliveriesShare * (this.activity.get(topic) ?? 0),
    )
    return t.meshMessageDeliveries < threshold ? threshold - t.meshMessageDeliveries : 0
  }

  private dropIp(id: PeerId, s: PeerStats): void {
    if (s.ip === undefined) return
    const set = this.byIp.get(s.ip)
    set?.delete(id)
    if (set?.size === 0) this.byIp.delete(s.ip)
  }
}

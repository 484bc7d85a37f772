import type { TimerHandle } from '@chainwire/interface'
import type { SyncContext } from '../context'
import type { PartitionReason, PartitionSuspectedEvent, PeerSource } from '../types'

/** Peer-count samples kept for the loss check at most (one per check and per connection change). */
const MAX_SAMPLES = 256
/** While a partition is suspected, more peers are asked for at most once per this many checks. */
const ASK_EVERY_CHECKS = 6

/**
 * Partition detection (Bitcoin Core's stale-tip check, extended): the tip has not moved for
 * `staleTipMultiple` target block times, peers have shown more work than we could fetch for
 * `unreachableWorkMs`, or we lost `peerLossFraction` of our peers within `peerLossWindowMs` (and have not got
 * them back since). On suspicion it
 * emits `partition:suspected` with the evidence, asks the {@link PeerSource} for outbound peers from other
 * network groups and for the bootstrap nodes, and lets header sync retry every peer with more work; when
 * the evidence clears it emits `partition:recovered`.
 */
export class PartitionMonitor {
  private timer: TimerHandle | undefined
  private lastTipChange = 0
  private readonly samples: { at: number; peers: number }[] = []
  private suspectedAt: number | undefined
  /** The peer count before a sudden loss, while that loss is part of the suspicion. */
  private lossBaseline: number | undefined
  private checksSinceAsk = 0

  constructor(
    private readonly ctx: SyncContext,
    private readonly peerSource: PeerSource | undefined,
    private readonly emit: {
      suspected: (e: PartitionSuspectedEvent) => void
      recovered: (durationMs: number) => void
    },
    private readonly retryHeaders: () => void,
  ) {}

  start(): void {
    this.lastTipChange = this.ctx.clock.now()
    this.sample()
    this.timer = this.ctx.clock.setInterval(() => this.check(), this.ctx.options.partitionCheckMs)
  }

  stop(): void {
    this.ctx.clock.clearInterval(this.timer)
    this.timer = undefined
    this.samples.length = 0
    this.suspectedAt = undefined
    this.lossBaseline = undefined
  }

  /** Whether a partition is suspected now. */
  get suspected(): boolean {
    return this.suspectedAt !== undefined
  }

  tipChanged(): void {
    this.lastTipChange = this.ctx.clock.now()
  }

  /** Records the peer count (called on every connection change). */
  sample(): void {
    const now = this.ctx.clock.now()
    this.samples.push({ at: now, peers: this.ctx.peers.size })
    const horizon = now - this.ctx.options.peerLossWindowMs
    while (
      this.samples.length > MAX_SAMPLES ||
      (this.samples[0] !== undefined && this.samples[0].at < horizon)
    ) {
      this.samples.shift()
    }
  }

  /** Runs the checks now (the timer calls it every `partitionCheckMs`). */
  check(): void {
    const { chain, clock, options, peers } = this.ctx
    const now = clock.now()
    this.sample()
    const reasons: PartitionReason[] = []
    const tipAgeMs = now - this.lastTipChange
    if (tipAgeMs > options.staleTipMultiple * options.targetBlockTimeMs) reasons.push('stale-tip')
    const headerWork = chain.bestHeader().work
    const more: string[] = []
    let bestClaimedWork = headerWork
    for (const p of peers.all()) {
      if (p.claimedWork > headerWork) {
        p.moreWorkSince ??= now
        if (now - p.moreWorkSince > options.unreachableWorkMs) more.push(p.peerId)
        if (p.claimedWork > bestClaimedWork) bestClaimedWork = p.claimedWork
      } else {
        p.moreWorkSince = undefined
      }
    }
    if (more.length > 0) reasons.push('unreachable-work')
    const recentMaxPeers = Math.max(0, ...this.samples.map((s) => s.peers))
    // a loss stays evidence until the peers come back, not merely until it leaves the window
    const baseline = Math.max(recentMaxPeers, this.lossBaseline ?? 0)
    if (baseline >= options.minPeersForLoss && peers.size <= baseline * (1 - options.peerLossFraction)) {
      reasons.push('peer-loss')
      this.lossBaseline = baseline
    } else {
      this.lossBaseline = undefined
    }
    if (reasons.length === 0) {
      if (this.suspectedAt !== undefined) {
        const duration = now - this.suspectedAt
        this.suspectedAt = undefined
        this.emit.recovered(duration)
      }
      return
    }
    const groups = [...new Set([...peers.all()].map((p) => p.group))].sort()
    if (this.suspectedAt === undefined) {
      this.suspectedAt = now
      this.ctx.stats.partitionSuspicions++
      this.emit.suspected({
        reasons,
        evidence: {
          tipAgeMs,
          peers: peers.size,
          recentMaxPeers: baseline,
          peersWithMoreWork: more,
          bestClaimedWork,
          groups,
        },
      })
      this.checksSinceAsk = ASK_EVERY_CHECKS
    }
    if (++this.checksSinceAsk >= ASK_EVERY_CHECKS) {
      this.checksSinceAsk = 0
      this.recover(groups)
    }
  }

  private recover(groups: readonly string[]): void {
    this.retryHeaders()
    const source = this.peerSource
    if (source === undefined) return
    const count = this.ctx.options.partitionExtraPeers
    void Promise.resolve()
      .then(() => (count > 0 ? source.requestOutbound({ count, excludeGroups: groups }) : undefined))
      .then(() => source.reconnectBootstrap())
      .catch((err: unknown) => this.ctx.logger.debug({ err }, 'partition recovery request failed'))
  }
}

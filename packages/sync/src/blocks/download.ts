import type { PeerId, TimerHandle } from '@chainwire/interface'
import type { Block } from '@chainwire/protocol-codec'
import { equalBytes, hex } from '../bytes'
import type { SyncContext } from '../context'
import type { SyncPeer } from '../peers'
import { StallTimeout } from './stall-timeout'

/** One `get_blocks` in flight. */
interface BatchRequest {
  readonly peerId: PeerId
  readonly keys: string[]
  readonly sentAt: number
  readonly controller: AbortController
}

/** A block in flight: which request carries it. */
interface InFlight {
  readonly height: number
  readonly request: BatchRequest
}

/** A block received ahead of the ones before it, waiting to be validated in order. */
interface Buffered {
  readonly block: Block
  readonly height: number
  readonly peerId: PeerId
  readonly bytes: number
}

/** A rough size of a block on the wire, for the buffer bound (the codec's exact size is not needed here). */
export function approximateBlockBytes(block: Block): number {
  let n = 128
  for (const tx of block.transactions) n += 200 + tx.data.byteLength
  return n
}

/** Cooldowns after empty answers grow to at most this many times the base. */
const MAX_COOLDOWN_FACTOR = 8
/** Weight of the newest sample in a peer's throughput average. */
const THROUGHPUT_ALPHA = 0.3

/**
 * Parallel block download over the best header chain (Bitcoin Core's `FindNextBlocksToDownload` and stall
 * logic): a window of `blockWindow` blocks past the last one validated, at most `maxBlocksInFlightPerPeer`
 * in flight per peer, each block given to the peer expected to deliver it first by its measured throughput,
 * blocks validated in height order as they arrive, empty or partial answers rotated to other peers, a
 * peer holding back the window for longer than the adaptive stall timeout dropped (or, when protected,
 * only relieved of its blocks).
 */
export class BlockDownload {
  readonly stall: StallTimeout
  private readonly inFlight = new Map<string, InFlight>()
  private readonly requests = new Set<BatchRequest>()
  private readonly buffered = new Map<string, Buffered>()
  /** The hash claimed at each height by a block in flight or buffered: `schedule` skips these without hashing. */
  private readonly claimed = new Map<number, Uint8Array>()
  private bufferedBytes = 0
  /** Every block of the best header chain at or below this height is stored. */
  private scanHeight = 0
  private validating = false
  private timer: TimerHandle | undefined

  constructor(private readonly ctx: SyncContext) {
    this.stall = new StallTimeout(ctx.options.stallTimeoutMs, ctx.options.maxStallTimeoutMs)
  }

  start(): void {
    this.scanHeight = this.ctx.chain.tip().height
    this.timer = this.ctx.clock.setInterval(() => this.tick(), this.ctx.options.tickMs)
  }

  stop(): void {
    this.ctx.clock.clearInterval(this.timer)
    this.timer = undefined
    for (const r of this.requests) r.controller.abort()
    this.requests.clear()
    this.inFlight.clear()
    this.buffered.clear()
    this.claimed.clear()
    this.bufferedBytes = 0
  }

  /** Blocks in flight now. */
  get inFlightCount(): number {
    return this.inFlight.size
  }

  /** Blocks waiting for validation now, and their approximate bytes. */
  get bufferedCount(): number {
    return this.buffered.size
  }

  /** Whether every block of the best header chain is stored and none is being validated. */
  isComplete(): boolean {
    this.syncScan()
    return !this.validating && this.scanHeight >= this.ctx.chain.bestHeader().height
  }

  /** A peer left: its blocks go back to the pool. */
  peerGone(peerId: PeerId): void {
    for (const r of this.requests) if (r.peerId === peerId) r.controller.abort()
  }

  /** Requests what can be requested now. */
  schedule(): void {
    const { chain, clock, options, peers } = this.ctx
    this.syncScan()
    const tipHeight = chain.bestHeader().height
    if (this.scanHeight >= tipHeight) return
    const now = clock.now()
    const candidates: SyncPeer[] = []
    for (const p of peers.all()) {
      if (!p.misbehaving && p.cooldownUntil <= now && p.inFlight < options.maxBlocksInFlightPerPeer) {
        candidates.push(p)
      }
    }
    if (candidates.length === 0) return
    let room = 0
    for (const p of candidates) room += options.maxBlocksInFlightPerPeer - p.inFlight
    const known = candidates.map((p) => p.blocksPerSecond).filter((r): r is number => r !== undefined)
    const defaultRate = known.length > 0 ? Math.max(...known) : 1
    const assigned = new Map<SyncPeer, { hashes: Uint8Array[]; heights: number[] }>()
    const overBudget = this.bufferedBytes >= options.maxBufferedBlockBytes
    const firstBuffered = overBudget ? this.lowestBufferedHeight() : Number.POSITIVE_INFINITY
    const end = Math.min(tipHeight, this.scanHeight + options.blockWindow, firstBuffered - 1)
    for (let height = this.scanHeight + 1; height <= end && room > 0; height++) {
      const hash = chain.headerHashAt(height)
      if (hash === undefined) break
      const claim = this.claimed.get(height)
      if (claim !== undefined && equalBytes(claim, hash)) continue
      if (chain.hasBlock(hash)) continue
      const key = hex(hash)
      if (this.inFlight.has(key) || this.buffered.has(key)) continue
      let best: SyncPeer | undefined
      let bestCost = Number.POSITIVE_INFINITY
      for (const p of candidates) {
        const queued = p.inFlight + (assigned.get(p)?.hashes.length ?? 0)
        if (queued >= options.maxBlocksInFlightPerPeer) continue
        if (p.claimedHeight < height || p.lacksBlock(key, now)) continue
        const cost = (queued + 1) / (p.blocksPerSecond ?? defaultRate)
        if (cost < bestCost) {
          bestCost = cost
          best = p
        }
      }
      if (best === undefined) continue
      room--
      let batch = assigned.get(best)
      if (batch === undefined) assigned.set(best, (batch = { hashes: [], heights: [] }))
      batch.hashes.push(hash)
      batch.heights.push(height)
      if (batch.hashes.length >= options.blocksPerRequest) {
        this.send(best, batch.hashes, batch.heights)
        assigned.set(best, { hashes: [], heights: [] })
      }
    }
    for (const [peer, batch] of assigned)
      if (batch.hashes.length > 0) this.send(peer, batch.hashes, batch.heights)
  }

  /** Validates the buffered blocks that are next in height order. */
  async pump(): Promise<void> {
    if (this.validating) return
    this.validating = true
    const { chain, stats } = this.ctx
    let handled = 0
    try {
      for (;;) {
        this.syncScan()
        const next = chain.headerHashAt(this.scanHeight + 1)
        if (next === undefined) break
        const key = hex(next)
        const item = this.buffered.get(key)
        if (item === undefined) break
        handled++
        // stays buffered while the chain validates it, so that it is not requested again meanwhile
        const result = await chain.acceptBlock(item.block)
        this.unbuffer(key, item)
        if (typeof result !== 'object') {
          if (result !== 'duplicate') stats.blocksConnected++
          this.stall.flowed()
          if (this.ctx.peers.get(item.peerId) !== undefined) this.ctx.network.markUseful(item.peerId, 'block')
          continue
        }
        // refused: the block is asked again elsewhere (or later); the sender is reported when at fault
        const peer = this.ctx.peers.get(item.peerId)
        peer?.markLacks(key, this.ctx.clock.now() + this.ctx.options.lacksTtlMs)
        if (!result.penalty) {
          this.ctx.logger.debug({ height: item.height, code: result.invalid }, 'block refused, not penalised')
          continue
        }
        stats.blocksInvalid++
        if (peer !== undefined) peer.misbehaving = true
        this.ctx.report(item.peerId, 'bad-block', `invalid block at ${item.height}: ${result.invalid}`)
      }
    } finally {
      this.validating = false
    }
    if (handled > 0) this.ctx.wake()
  }

  private send(peer: SyncPeer, hashes: Uint8Array[], heights: number[]): void {
    const request: BatchRequest = {
      peerId: peer.peerId,
      keys: hashes.map(hex),
      sentAt: this.ctx.clock.now(),
      controller: new AbortController(),
    }
    this.requests.add(request)
    for (const [i, key] of request.keys.entries()) {
      this.inFlight.set(key, { height: heights[i] as number, request })
      this.claimed.set(heights[i] as number, hashes[i] as Uint8Array)
    }
    peer.inFlight += hashes.length
    this.ctx.stats.blocksRequested += hashes.length
    void this.fetch(peer, request, hashes)
  }

  private async fetch(peer: SyncPeer, request: BatchRequest, hashes: Uint8Array[]): Promise<void> {
    const { chain, clock, network, options, stats } = this.ctx
    let blocks: Block[] | undefined
    try {
      const answer = await network.request(
        peer.peerId,
        { type: 'get_blocks', data: { by: 'hashes', hashes } },
        { timeoutMs: options.blockRequestTimeoutMs, signal: request.controller.signal },
      )
      if (answer.type === 'blocks') blocks = answer.data.blocks
    } catch (err) {
      this.ctx.logger.debug({ err, peerId: peer.peerId }, 'get_blocks failed')
    }
    this.requests.delete(request)
    const now = clock.now()
    const wanted = new Set(request.keys)
    let delivered = 0
    let unrequested = false
    for (const block of blocks ?? []) {
      const hash = chain.headerHash(block.header)
      const key = hex(hash)
      if (!wanted.delete(key)) {
        unrequested = true
        continue
      }
      const entry = this.release(key, request)
      delivered++
      stats.blocksReceived++
      if (entry !== undefined && !this.buffered.has(key) && !chain.hasBlock(hash)) {
        const bytes = approximateBlockBytes(block)
        this.buffered.set(key, { block, height: entry.height, peerId: peer.peerId, bytes })
        this.claimed.set(entry.height, hash)
        this.bufferedBytes += bytes
      }
    }
    if (unrequested) this.ctx.report(peer.peerId, 'unrequested-message', 'blocks that were not asked for')
    for (const key of wanted) {
      this.release(key, request)
      peer.markLacks(key, now + options.lacksTtlMs)
    }
    if (blocks !== undefined && blocks.length === 0) {
      stats.emptyAnswers++
      peer.emptyStreak++
      const factor = Math.min(MAX_COOLDOWN_FACTOR, 2 ** (peer.emptyStreak - 1))
      peer.cooldownUntil = now + options.emptyAnswerCooldownMs * factor
    } else if (delivered > 0) {
      peer.emptyStreak = 0
      peer.lastDeliveryAt = now
      const rate = (delivered * 1000) / Math.max(1, now - request.sentAt)
      peer.blocksPerSecond =
        peer.blocksPerSecond === undefined
          ? rate
          : peer.blocksPerSecond * (1 - THROUGHPUT_ALPHA) + rate * THROUGHPUT_ALPHA
    }
    void this.pump()
    this.ctx.wake()
  }

  /** Takes a block out of flight if this request still carries it. */
  private release(key: string, request: BatchRequest): InFlight | undefined {
    const entry = this.inFlight.get(key)
    if (entry === undefined || entry.request !== request) return undefined
    this.inFlight.delete(key)
    this.unclaim(entry.height, key)
    const peer = this.ctx.peers.get(request.peerId)
    if (peer !== undefined) peer.inFlight = Math.max(0, peer.inFlight - 1)
    return entry
  }

  private unbuffer(key: string, item: Buffered): void {
    if (this.buffered.get(key) !== item) return
    this.buffered.delete(key)
    this.unclaim(item.height, key)
    this.bufferedBytes -= item.bytes
  }

  private unclaim(height: number, key: string): void {
    const claim = this.claimed.get(height)
    if (claim !== undefined && hex(claim) === key) this.claimed.delete(height)
  }

  private lowestBufferedHeight(): number {
    let low = Number.POSITIVE_INFINITY
    for (const b of this.buffered.values()) if (b.height < low) low = b.height
    return low
  }

  /** Moves the scan height to the last stored block of the best header chain (back after a reorg). */
  private syncScan(): void {
    const { chain } = this.ctx
    let h = Math.min(this.scanHeight, chain.bestHeader().height)
    for (;;) {
      const at = chain.headerHashAt(h)
      if (h === 0 || (at !== undefined && chain.hasBlock(at))) break
      h--
    }
    const top = chain.bestHeader().height
    for (;;) {
      const next = h < top ? chain.headerHashAt(h + 1) : undefined
      if (next === undefined || !chain.hasBlock(next)) break
      h++
    }
    this.scanHeight = h
  }

  /** Housekeeping: the stall check, stale buffered blocks, then scheduling. */
  private tick(): void {
    this.checkStall()
    this.dropStale()
    this.schedule()
  }

  private checkStall(): void {
    const { chain, clock, peers } = this.ctx
    this.syncScan()
    const hash = chain.headerHashAt(this.scanHeight + 1)
    if (hash === undefined) return
    const key = hex(hash)
    const entry = this.inFlight.get(key)
    if (entry === undefined) return
    const peer = peers.get(entry.request.peerId)
    if (peer === undefined) return
    const now = clock.now()
    const since = Math.max(entry.request.sentAt, peer.lastDeliveryAt)
    if (now - since <= this.stall.ms) return
    const other = [...peers.all()].some(
      (p) =>
        p !== peer &&
        !p.misbehaving &&
        p.claimedHeight >= entry.height &&
        p.inFlight < this.ctx.options.maxBlocksInFlightPerPeer &&
        !p.lacksBlock(key, now),
    )
    if (!other) return
    this.ctx.stats.stalls++
    const timeout = this.stall.ms
    this.stall.stalled()
    for (const r of this.requests) {
      if (r.peerId !== peer.peerId) continue
      for (const k of r.keys) peer.markLacks(k, now + this.ctx.options.lacksTtlMs)
      r.controller.abort()
    }
    peer.cooldownUntil = now + this.stall.ms
    this.ctx.report(peer.peerId, 'timeout', `stalled block download for more than ${timeout} ms`)
    if (!peer.protected) {
      void this.ctx.network
        .disconnect(peer.peerId, 'timeout', 'stalled block download')
        .catch(() => undefined)
    }
  }

  private dropStale(): void {
    const { chain } = this.ctx
    for (const [key, item] of this.buffered) {
      const at = chain.headerHashAt(item.height)
      if (item.height <= this.scanHeight || at === undefined || hex(at) !== key) this.unbuffer(key, item)
    }
  }
}

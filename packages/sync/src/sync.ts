import {
  type Clock,
  type Logger,
  noopLogger,
  type PeerId,
  systemClock,
  type TimerHandle,
} from '@chainwire/interface'
import type { PeerConnectedEvent, PeerDisconnectedEvent } from '@chainwire/network'
import { EventEmitter } from 'eventemitter3'
import { BlockDownload } from './blocks/download'
import type { ChainPoint, SyncChain } from './chain'
import { CompactBlocks } from './compact/compact-blocks'
import { emptyStats, type SyncContext } from './context'
import { HeaderSync } from './headers/header-sync'
import { MempoolSync } from './mempool/mempool-sync'
import { resolveSyncOptions, type SyncOptions, type SyncOptionsInit } from './options'
import { PartitionMonitor } from './partition/monitor'
import { PeerTable } from './peers'
import { ProgressMeter } from './progress'
import { SyncServer } from './serve/server'
import type {
  SyncBehaviour,
  SyncComponents,
  SyncEvents,
  SyncMisbehaviourSink,
  SyncProgress,
  SyncState,
  SyncStats,
} from './types'

/**
 * Heap bytes of one decoded header held in presync's redownload buffer: the header object, its hash fields
 * and the share of the `headers` message bytes they are views into (the `sync` benchmark measures 379 B on
 * Node 20).
 */
export const PRESYNC_BYTES_PER_HEADER = 384

/** The running sync of one node; see `createSync`. */
export class SyncService extends EventEmitter<SyncEvents> {
  readonly options: SyncOptions
  private readonly ctx: SyncContext
  private readonly headers: HeaderSync
  private readonly download: BlockDownload
  private readonly server: SyncServer
  private readonly compact: CompactBlocks
  private readonly mempool: MempoolSync
  private readonly partition: PartitionMonitor
  private readonly meter = new ProgressMeter()
  private readonly misbehaviour: SyncMisbehaviourSink | undefined
  private current: SyncState = 'idle'
  private started = false
  private woken = false
  private progressTimer: TimerHandle | undefined
  private readonly unsubscribe: (() => void)[] = []

  constructor(components: SyncComponents, options: SyncOptionsInit = {}) {
    super()
    this.options = resolveSyncOptions(options)
    const clock: Clock = components.clock ?? systemClock
    const logger: Logger = components.logger ?? noopLogger
    this.misbehaviour = components.misbehaviour
    this.ctx = {
      network: components.network,
      chain: components.chain,
      filters: components.filters,
      clock,
      logger,
      options: this.options,
      stats: emptyStats(),
      peers: new PeerTable(),
      random: components.random ?? Math.random,
      report: (peerId, behaviour, detail) => this.report(peerId, behaviour, detail),
      wake: () => this.wake(),
      pokeHeaders: (peer) => this.headers.poke(peer),
    }
    this.headers = new HeaderSync(this.ctx)
    this.download = new BlockDownload(this.ctx)
    this.compact = new CompactBlocks(this.ctx)
    this.server = new SyncServer(this.ctx, (block) => this.compact.compactOf(block))
    this.mempool = new MempoolSync(this.ctx, (tx) => this.compact.remember(tx))
    this.partition = new PartitionMonitor(
      this.ctx,
      components.peerSource,
      {
        suspected: (e) => this.emit('partition:suspected', e),
        recovered: (durationMs) => this.emit('partition:recovered', { durationMs }),
      },
      () => {
        for (const p of this.ctx.peers.all()) p.headersDone = false
        this.wake()
      },
    )
  }

  get chain(): SyncChain {
    return this.ctx.chain
  }

  /**
   * Registers the handlers, listens to the network and the chain, announces the chain's tip in later hellos,
   * and starts syncing with the peers already connected.
   */
  start(): void {
    if (this.started) return
    this.started = true
    const { network, chain } = this.ctx
    this.server.start()
    this.compact.start()
    this.mempool.start()
    this.download.start()
    this.partition.start()
    const onConnected = (e: PeerConnectedEvent): void => this.connected(e)
    const onDisconnected = (e: PeerDisconnectedEvent): void => this.disconnected(e.peer.peerId)
    const onTip = (tip: ChainPoint): void => this.tipChanged(tip)
    network.on('peer:connected', onConnected)
    network.on('peer:disconnected', onDisconnected)
    chain.on('tip', onTip)
    this.unsubscribe.push(
      () => network.off('peer:connected', onConnected),
      () => network.off('peer:disconnected', onDisconnected),
      () => chain.off('tip', onTip),
    )
    this.progressTimer = this.ctx.clock.setInterval(
      () => this.tickProgress(),
      this.options.progressIntervalMs,
    )
    const tip = chain.tip()
    network.updateLocalStatus({ bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work })
    for (const peer of network.peers()) this.connected({ peer })
    this.wake()
  }

  /** Unregisters everything and abandons requests in flight: nothing is left running. */
  stop(): void {
    if (!this.started) return
    this.started = false
    for (const f of this.unsubscribe.splice(0)) f()
    this.ctx.clock.clearInterval(this.progressTimer)
    this.progressTimer = undefined
    this.headers.stopAll()
    this.download.stop()
    this.server.stop()
    this.compact.stop()
    this.mempool.stop()
    this.partition.stop()
    this.ctx.peers.clear()
  }

  isStarted(): boolean {
    return this.started
  }

  state(): SyncState {
    return this.current
  }

  stats(): Readonly<SyncStats> {
    return { ...this.ctx.stats }
  }

  /** The progress now (what the next `progress` event would carry, without moving the rate). */
  progress(): SyncProgress {
    return this.meter.measure(this.ctx.clock.now(), this.current, this.heights())
  }

  /** Whether a partition is suspected now. */
  partitionSuspected(): boolean {
    return this.partition.suspected
  }

  /** Runs the partition checks now (they also run every `partitionCheckMs`). */
  checkPartition(): void {
    this.partition.check()
  }

  /** Bytes held by presync across peers now, with the per-header figure of {@link PRESYNC_BYTES_PER_HEADER}. */
  presyncMemoryBytes(): number {
    let n = 0
    for (const p of this.headers.presyncStates()) n += p.memoryBytes(PRESYNC_BYTES_PER_HEADER)
    return n
  }

  /** Blocks in flight and waiting for validation. */
  downloadStatus(): { inFlight: number; buffered: number; stallTimeoutMs: number } {
    return {
      inFlight: this.download.inFlightCount,
      buffered: this.download.bufferedCount,
      stallTimeoutMs: this.download.stall.ms,
    }
  }

  private heights(): { header: number; block: number; claimed: number } {
    let claimed = 0
    for (const p of this.ctx.peers.all()) if (p.claimedHeight > claimed) claimed = p.claimedHeight
    return { header: this.ctx.chain.bestHeader().height, block: this.ctx.chain.tip().height, claimed }
  }

  private report(peerId: PeerId, behaviour: SyncBehaviour, detail: string): void {
    this.misbehaviour?.report(peerId, behaviour, { detail })
    if (behaviour !== 'good-block' && behaviour !== 'useful-response') {
      this.ctx.logger.debug({ peerId, behaviour, detail }, 'peer penalised')
      this.emit('peer:penalised', { peerId, behaviour, detail })
    }
  }

  private connected(e: PeerConnectedEvent): void {
    if (this.ctx.peers.get(e.peer.peerId) !== undefined) return
    const peer = this.ctx.peers.add(e.peer)
    this.partition.sample()
    this.compact.peerConnected(peer)
    void this.mempool.peerConnected(peer, e.peer.hello.capabilities)
    this.wake()
  }

  private disconnected(peerId: PeerId): void {
    if (this.ctx.peers.remove(peerId) === undefined) return
    this.headers.stop(peerId)
    this.download.peerGone(peerId)
    this.compact.peerGone(peerId)
    this.mempool.peerGone(peerId)
    this.server.forget(peerId)
    this.partition.sample()
    this.wake()
  }

  private tipChanged(tip: ChainPoint): void {
    this.partition.tipChanged()
    this.ctx.network.updateLocalStatus({ bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work })
    // announce a tip that ends the best header chain (not one step of a download still under way)
    if (this.options.announceBlocks && tip.work >= this.ctx.chain.bestHeader().work)
      void this.compact.announce(tip)
    this.wake()
  }

  /** Coalesces wake-ups into one pass per turn of the event loop. */
  private wake(): void {
    if (!this.started || this.woken) return
    this.woken = true
    queueMicrotask(() => {
      this.woken = false
      if (!this.started) return
      this.headers.fill()
      this.download.schedule()
      void this.download.pump()
      this.updateState()
    })
  }

  private updateState(): void {
    let next: SyncState
    if (this.ctx.peers.size === 0) next = 'idle'
    else if (this.headers.active > 0) next = 'headers'
    else if (!this.download.isComplete()) next = 'blocks'
    else next = this.anyPeerAhead() ? 'headers' : 'synced'
    if (next === this.current) return
    const from = this.current
    this.current = next
    this.emit('state', { from, to: next })
    this.emit('progress', this.meter.measure(this.ctx.clock.now(), next, this.heights()))
  }

  /** A peer shows more work than our header tip and we have not finished asking it. */
  private anyPeerAhead(): boolean {
    const work = this.ctx.chain.bestHeader().work
    for (const p of this.ctx.peers.all()) if (p.claimedWork > work && !p.headersDone) return true
    return false
  }

  private tickProgress(): void {
    this.updateState()
    if (this.current === 'headers' || this.current === 'blocks') {
      this.emit('progress', this.meter.measure(this.ctx.clock.now(), this.current, this.heights()))
    }
  }
}

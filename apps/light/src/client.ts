import { createHeaderChain, type HeaderChain, isPenalty, type ReorgEvent, toHex } from '@chainwire/chain'
import {
  type Clock,
  type Logger,
  noopLogger,
  type PeerId,
  systemClock,
  type TimerHandle,
} from '@chainwire/interface'
import {
  createIdentity,
  createNetwork,
  type MessageEvent,
  type Network,
  type PeerConnectedEvent,
  type PeerDisconnectedEvent,
} from '@chainwire/network'
import { createPeerStore, type PeerStore, type PeerStoreDatabase } from '@chainwire/peer-store'
import type { Message } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import { MemoryLevel } from 'memory-level'
import type { LightContext } from './context'
import { LightClientError } from './errors'
import { FilterStore } from './filters/filter-store'
import { FilterSync } from './filters/filter-sync'
import { LightHeaderSync } from './header-sync'
import { type LightClientOptions, resolveLightClientOptions } from './options'
import { type LightPeer, PeerTable } from './peers'
import { verifyTransaction } from './proofs'
import type {
  BanReason,
  LightClientComponents,
  LightClientEvents,
  LightDatabase,
  LightProgress,
  LightStatus,
  LightTip,
  TransactionVerification,
} from './types'
import { WatchStream } from './watch-stream'

const VIEW = { keyEncoding: 'view', valueEncoding: 'view' } as const

/** The running light client; see `createLightClient`. */
export class LightClient extends EventEmitter<LightClientEvents> {
  readonly options: LightClientOptions
  /** The header-only chain the client validates into. */
  readonly chain: HeaderChain
  /** The P2P network (role `light`). */
  readonly network: Network
  /** Where bans live (the network's gater). */
  readonly peerStore: PeerStore
  private readonly db: LightDatabase
  private readonly clock: Clock
  private readonly logger: Logger
  private readonly peers = new PeerTable()
  private readonly filterStore: FilterStore
  private readonly filters: FilterSync
  private readonly headers: LightHeaderSync
  private readonly ctx: LightContext
  private abort = new AbortController()
  private started = false
  private verified: LightTip
  private timers: TimerHandle[] = []
  private readonly unsubscribe: (() => void)[] = []

  constructor(components: LightClientComponents, options: Partial<LightClientOptions> = {}) {
    super()
    this.options = resolveLightClientOptions(options)
    this.clock = components.clock ?? systemClock
    this.logger = components.logger ?? noopLogger
    this.db = components.db ?? (new MemoryLevel() as unknown as LightDatabase)
    const params = components.chain
    this.chain = createHeaderChain(
      { clock: this.clock, verifier: components.verifier },
      { network: params, db: this.db.sublevel('headers', VIEW) },
    )
    this.peerStore = createPeerStore(
      { clock: this.clock, logger: this.logger },
      { db: this.db.sublevel('peers', { valueEncoding: 'utf8' }) as unknown as PeerStoreDatabase },
    )
    this.network = createNetwork(
      {
        identity: components.identity ?? createIdentity(),
        clock: this.clock,
        logger: this.logger,
        gater: this.peerStore,
        transports: components.transports,
      },
      {
        networkId: this.options.networkId ?? params.id,
        roles: ['light'],
        listen: this.options.listen,
        persistentPeers: this.options.bootstrap,
        userAgent: this.options.userAgent,
        // A light client serves no headers or blocks: it announces the genesis and no work, so full nodes
        // never try to sync from it.
        localStatus: { bestHeight: 0, bestHash: params.genesisHash, totalWork: 0n },
      },
    )
    this.filterStore = new FilterStore(this.db.sublevel('filters', VIEW))
    this.verified = this.chain.tip()
    const client = this
    this.ctx = {
      chain: this.chain,
      network: this.network,
      clock: this.clock,
      logger: this.logger,
      options: this.options,
      peers: this.peers,
      get signal() {
        return client.abort.signal
      },
      ban: (peerId, reason, detail) => this.ban(peerId, reason, detail),
      request: (peer, message, timeoutMs) => this.request(peer, message, timeoutMs),
      emit: (event, ...args) => {
        ;(this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args)
      },
      verifiedHeight: () => this.verified.height,
      headersBehind: () => this.headers.behind(),
      headersChanged: () => this.headersChanged(),
    }
    this.headers = new LightHeaderSync(this.ctx)
    this.filters = new FilterSync(this.ctx, this.filterStore)
  }

  // ---------------------------------------------------------------- life cycle

  /** Opens the store, loads the headers and filter headers, and connects to the bootstrap nodes. */
  async start(): Promise<void> {
    if (this.started) return
    this.abort = new AbortController()
    if (this.db.status !== 'open') await this.db.open()
    await this.chain.start()
    await this.peerStore.start()
    await this.filters.load()
    // Agreement is earned again in every session: stored headers are valid, but which of them peers
    // agree on is known only once they serve them.
    this.verified = this.chain.headerPoint(this.chain.network.genesisHash) as LightTip
    this.listen()
    await this.network.start()
    this.started = true
    this.timers.push(
      this.clock.setInterval(() => {
        for (const p of this.peers.all()) this.headers.poke(p)
        this.filters.kick()
      }, this.options.pollIntervalMs),
      this.clock.setInterval(() => this.tickProgress(), this.options.progressIntervalMs),
    )
  }

  /** Disconnects, ends every request and timer, and closes the store: nothing is left running. */
  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const t of this.timers.splice(0)) this.clock.clearInterval(t)
    for (const off of this.unsubscribe.splice(0)) off()
    this.abort.abort()
    await this.network.stop()
    await this.headers.idle()
    await this.filters.idle()
    this.peers.clear()
    await this.peerStore.stop()
    await this.chain.stop()
    await this.db.close()
  }

  isStarted(): boolean {
    return this.started
  }

  private listen(): void {
    const n = this.network
    const on = <E extends Parameters<Network['on']>[0]>(event: E, fn: (...args: never[]) => void) => {
      n.on(event, fn as never)
      this.unsubscribe.push(() => n.off(event, fn as never))
    }
    on('peer:connected', (e: PeerConnectedEvent) => this.connected(e))
    on('peer:disconnected', (e: PeerDisconnectedEvent) => {
      if (this.peers.get(e.peer.peerId) === undefined) return
      this.peers.delete(e.peer.peerId)
      this.headersChanged()
    })
    on('message:inv', (e: MessageEvent<'inv'>) => this.announced(e))
    on('message:consensus_vote', (e: MessageEvent<'consensus_vote'>) => this.vote(e))
    const onTip = (tip: LightTip) => {
      this.emit('header', tip)
      this.headersChanged()
    }
    const onReorg = (e: ReorgEvent) => {
      this.emit('reorg', e)
      void this.filters.reorg(e.fork.height)
    }
    const onFinal = (e: { hash: Uint8Array; height: number }) => this.emit('finalized', e)
    this.chain.on('tip', onTip)
    this.chain.on('reorg', onReorg)
    this.chain.on('finalized', onFinal)
    this.unsubscribe.push(
      () => this.chain.off('tip', onTip),
      () => this.chain.off('reorg', onReorg),
      () => this.chain.off('finalized', onFinal),
    )
  }

  private connected({ peer: info }: PeerConnectedEvent): void {
    if (!info.hello.roles.includes('full')) return
    const peer = this.peers.add(info)
    this.headers.poke(peer)
    this.filters.kick()
  }

  /** A peer announced blocks: credit those we have to it, and ask it for headers we lack. */
  private announced(e: MessageEvent<'inv'>): void {
    const peer = this.peers.get(e.peerId)
    if (peer === undefined) return
    let unknown = false
    for (const item of e.message.data.items) {
      if (item.kind === 'tx') continue
      const height = this.chain.heightOf(item.hash)
      if (height === undefined) unknown = true
      else if (height > (peer.best === undefined ? -1 : (this.chain.heightOf(peer.best) ?? -1))) {
        peer.best = item.hash
        if (height > peer.claimedHeight) peer.claimedHeight = height
      }
    }
    if (unknown) this.headers.poke(peer)
    else this.headersChanged()
  }

  /** A validator's precommit relayed by a peer: counted toward finality; a forged one bans the peer. */
  private vote(e: MessageEvent<'consensus_vote'>): void {
    if (this.network.getPeer(e.peerId) === undefined) return
    void this.chain
      .acceptVote(e.message.data)
      .then((r) => {
        if (typeof r === 'object' && isPenalty(r.invalid, 'vote')) this.ban(e.peerId, 'bad-vote', r.invalid)
      })
      .catch((err: unknown) => this.logger.debug({ err }, 'vote not counted'))
  }

  // ---------------------------------------------------------------- the verified tip

  /**
   * Recomputes the verified tip: the highest header of the best chain that peers of at least
   * `minAgreeingGroups` network groups served (each peer counts up to the last header of the best chain it
   * served or announced), or, once the best chain contains the checkpoint, what any peer served above it.
   */
  private headersChanged(): void {
    if (!this.started && this.peers.size === 0) return
    const chain = this.chain
    const byGroup = new Map<string, number>()
    for (const p of this.peers.all()) {
      const h = p.best === undefined ? undefined : chain.heightOf(p.best)
      if (h !== undefined) byGroup.set(p.group, Math.max(byGroup.get(p.group) ?? -1, h))
    }
    const heights = [...byGroup.values()].sort((a, b) => b - a)
    const cp = this.options.checkpoint
    const pastCheckpoint =
      cp !== undefined && toHex(chain.headerHashAt(cp.height) ?? new Uint8Array(0)) === cp.hash
    const need = pastCheckpoint ? 1 : this.options.minAgreeingGroups
    let height = heights.length >= need ? (heights[need - 1] as number) : 0
    if (pastCheckpoint && cp !== undefined) height = Math.max(height, cp.height)
    // Agreement once reached stays while its header is on the best chain (a peer leaving does not undo it).
    const kept = chain.heightOf(this.verified.hash)
    if (kept !== undefined && kept > height) height = kept
    height = Math.min(height, chain.tip().height)
    const hash = chain.headerHashAt(height) as Uint8Array
    if (toHex(hash) === toHex(this.verified.hash)) return
    this.verified = chain.headerPoint(hash) as LightTip
    this.emit('tip', this.verified)
    this.filters.kick()
  }

  // ---------------------------------------------------------------- peers

  private request(peer: LightPeer, message: Message, timeoutMs?: number): Promise<Message> {
    return this.network.request(peer.peerId, message, {
      timeoutMs: timeoutMs ?? this.options.requestTimeoutMs,
      signal: this.abort.signal,
    })
  }

  private ban(peerId: PeerId, reason: BanReason, detail: string): void {
    if (this.peerStore.isBanned(peerId)) return
    this.logger.warn({ peerId, reason, detail }, 'peer banned')
    this.peerStore.ban(peerId, this.options.banDurationMs, reason)
    this.peers.delete(peerId)
    this.network.disconnect(peerId, 'banned', reason).catch(() => {})
    this.headersChanged()
    // Reported once the ban is on disk, so a restart right after it still knows the peer.
    void this.peerStore
      .flush()
      .catch(() => {})
      .then(() => this.emit('peer:banned', { peerId, reason, detail }))
  }

  private tickProgress(): void {
    const p = this.progress()
    if (p.headers < p.target || p.filterHeaders < p.verified) this.emit('progress', p)
  }

  // ---------------------------------------------------------------- queries

  /** The verified tip: agreed by peers of different network groups, or past the checkpoint. */
  tip(): LightTip {
    return this.verified
  }

  /** The best valid header (it may be ahead of the verified tip while peers have not agreed yet). */
  bestHeader(): LightTip {
    return this.chain.tip()
  }

  progress(): LightProgress {
    let target = this.chain.tip().height
    for (const p of this.peers.all()) target = Math.max(target, p.claimedHeight)
    return {
      headers: this.chain.tip().height,
      target,
      verified: this.verified.height,
      filterHeaders: this.filterStore.count - 1,
      peers: this.peers.size,
    }
  }

  status(): LightStatus {
    const final = this.chain.finalized()
    return {
      started: this.started,
      networkId: this.network.networkId,
      peerId: this.network.peerId,
      best: this.chain.tip(),
      verified: this.verified,
      final: { height: final.height, hash: final.hash },
      filterHeaders: this.filterStore.count - 1,
      scannedHeight: this.filters.scannedHeight,
      watched: this.filters.watchedKeys(),
      peers: this.peers.all().map((p) => ({
        peerId: p.peerId,
        group: p.group,
        address: p.address,
        best: p.best === undefined ? undefined : this.chain.heightOf(p.best),
      })),
      banned: this.peerStore.listBans().length,
      memoryPerHeader: this.chain.memoryBytes().perHeader,
    }
  }

  /** The verified filter header (BIP 157) of the best chain's block at `height`, or undefined. */
  filterHeader(height: number): Promise<Uint8Array | undefined> {
    return this.filterStore.header(height)
  }

  /**
   * Proves that `txHash` is in block `blockHash` of the best header chain with a merkle proof from a peer,
   * checked against the verified header; reports confirmations and finality. A bad proof bans its peer and
   * the next one is asked. Throws `ERR_NOT_IN_BEST_CHAIN`, `ERR_TX_NOT_FOUND` or `ERR_NO_PEERS`.
   */
  verifyTransaction(txHash: Uint8Array, blockHash: Uint8Array): Promise<TransactionVerification> {
    if (!this.started) throw new LightClientError('ERR_NOT_STARTED', 'start the light client first')
    return verifyTransaction(this.ctx, txHash, blockHash)
  }

  /**
   * Watches a public key: the transactions that pay it or are paid by it, found by matching compact block
   * filters locally (no peer learns the key), downloaded and proven. The iterator yields past ones from
   * `fromHeight` (default 0), then new ones as blocks arrive; `return()` (or `break`) ends it, the key stays
   * watched (and persisted) until `unwatch`. Also emitted as `transaction` events.
   */
  watch(publicKey: Uint8Array, options: { fromHeight?: number; signal?: AbortSignal } = {}): WatchStream {
    if (!this.started) throw new LightClientError('ERR_NOT_STARTED', 'start the light client first')
    const key = toHex(publicKey)
    const stream = new WatchStream(this, key, this.options.maxBufferedTransactions, options.signal)
    void this.filters.watch(publicKey, options.fromHeight ?? 0).catch((err: unknown) => stream.fail(err))
    return stream
  }

  /** Stops watching a key (and forgets it in the store). */
  async unwatch(publicKey: Uint8Array): Promise<void> {
    await this.filters.unwatch(publicKey)
  }
}

import { type PeerId, TokenBucket } from '@chainwire/interface'
import type { MessageEvent } from '@chainwire/network'
import type { Transaction } from '@chainwire/protocol-codec'
import { equalBytes } from '../bytes'
import type { SyncContext } from '../context'
import { MEMPOOL_SYNC_CAPABILITY, type SyncPeer } from '../peers'

/** One peer's pull: ids it announced that we lack, in its order, and the pace of our requests. */
interface PullState {
  readonly queue: Uint8Array[]
  readonly pace: TokenBucket
  running: boolean
}

/**
 * Mempool sync (BIP 35's `mempool`, pushed): a newly connected peer that speaks `mempool-sync` gets our
 * mempool's ids in `mempool_sync` pages (at most `mempoolSyncMaxIds`); the ids a peer sends us that we lack
 * are pulled one by one with `get_transaction` (`mempoolFetchConcurrency` in flight per peer, at most
 * `mempoolFetchRate` per second, well under the peer's message limits), and handed to the chain in the
 * peer's order, so a sender's transactions arrive in nonce order. What a peer may announce per connection
 * is bounded (`mempoolSyncMaxAnnounced`); the excess is dropped and reported. sync never uses `get_data`:
 * `inv` / `get_data` / `not_found` belong to transaction relay.
 */
export class MempoolSync {
  private readonly pulls = new Map<PeerId, PullState>()
  private readonly off: (() => void)[] = []

  constructor(
    private readonly ctx: SyncContext,
    private readonly seen: (tx: Transaction) => void,
  ) {}

  start(): void {
    const n = this.ctx.network
    const onIds = (e: MessageEvent<'mempool_sync'>): void => this.announced(e.peerId, e.message.data.hashes)
    n.on('message:mempool_sync', onIds)
    this.off.push(() => n.off('message:mempool_sync', onIds))
  }

  stop(): void {
    for (const f of this.off.splice(0)) f()
    this.pulls.clear()
  }

  peerGone(peerId: PeerId): void {
    this.pulls.delete(peerId)
  }

  /** Sends our mempool's ids to a new peer that speaks mempool sync. */
  async peerConnected(peer: SyncPeer, capabilities: readonly string[]): Promise<void> {
    const { chain, network, options } = this.ctx
    if (!capabilities.includes(MEMPOOL_SYNC_CAPABILITY) || options.mempoolSyncMaxIds === 0) return
    const ids = chain.mempoolIds(options.mempoolSyncMaxIds)
    for (let i = 0; i < ids.length; i += options.mempoolSyncPageSize) {
      const hashes = ids.slice(i, i + options.mempoolSyncPageSize)
      const more = i + options.mempoolSyncPageSize < ids.length
      try {
        await network.send(peer.peerId, { type: 'mempool_sync', data: { hashes, more } })
      } catch {
        return
      }
    }
  }

  private announced(peerId: PeerId, hashes: readonly Uint8Array[]): void {
    const peer = this.ctx.peers.get(peerId)
    if (peer === undefined) return
    const { chain, clock, options, stats } = this.ctx
    const room = Math.max(0, options.mempoolSyncMaxAnnounced - peer.mempoolAnnounced)
    peer.mempoolAnnounced += hashes.length
    if (hashes.length > room) {
      this.ctx.report(peerId, 'protocol-violation', 'mempool_sync beyond the per-connection bound')
    }
    stats.mempoolIdsReceived += Math.min(room, hashes.length)
    let pull = this.pulls.get(peerId)
    if (pull === undefined) {
      const rate = options.mempoolFetchRate
      pull = { queue: [], pace: new TokenBucket(clock, { rate, burst: rate }), running: false }
      this.pulls.set(peerId, pull)
    }
    for (const h of hashes.slice(0, room)) if (!chain.hasTransaction(h)) pull.queue.push(h)
    if (!pull.running) void this.pull(peerId, pull)
  }

  /** Fetches the queue in windows of `mempoolFetchConcurrency`, each window accepted in order. */
  private async pull(peerId: PeerId, pull: PullState): Promise<void> {
    const { chain, options } = this.ctx
    pull.running = true
    try {
      while (pull.queue.length > 0 && this.pulls.get(peerId) === pull) {
        const window = pull.queue
          .splice(0, options.mempoolFetchConcurrency)
          .filter((h) => !chain.hasTransaction(h))
        const fetched = await Promise.all(window.map((hash) => this.fetch(peerId, pull, hash)))
        if (this.pulls.get(peerId) !== pull) return
        for (const tx of fetched) if (tx !== undefined) await this.accept(peerId, tx)
      }
    } finally {
      pull.running = false
    }
  }

  private async fetch(peerId: PeerId, pull: PullState, hash: Uint8Array): Promise<Transaction | undefined> {
    const { clock, network } = this.ctx
    while (!pull.pace.take(1)) await clock.sleep(pull.pace.waitTime(1))
    if (this.pulls.get(peerId) !== pull) return undefined
    try {
      const answer = await network.request(peerId, { type: 'get_transaction', data: { hash } })
      // absent: mined or evicted there meanwhile, not the peer's fault
      const tx = answer.type === 'transaction_data' ? answer.data.transaction : undefined
      if (tx !== undefined && !equalBytes(this.ctx.chain.transactionHash(tx), hash)) {
        this.ctx.report(peerId, 'invalid-message', 'transaction_data with another transaction')
        return undefined
      }
      return tx
    } catch (err) {
      this.ctx.logger.debug({ err, peerId }, 'get_transaction failed')
      return undefined
    }
  }

  private async accept(peerId: PeerId, tx: Transaction): Promise<void> {
    this.ctx.stats.mempoolTxsFetched++
    const result = await this.ctx.chain.acceptTransaction(tx)
    if (typeof result !== 'object') return
    this.seen(tx) // kept for compact block reconstruction: a block may still carry it
    if (result.penalty) this.ctx.report(peerId, 'invalid-message', `invalid transaction: ${result.invalid}`)
  }
}

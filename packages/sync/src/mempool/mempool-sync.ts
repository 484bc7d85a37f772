import type { PeerId } from '@chainwire/interface'
import type { MessageEvent } from '@chainwire/network'
import type { Transaction } from '@chainwire/protocol-codec'
import { hex } from '../bytes'
import type { SyncContext } from '../context'
import { MEMPOOL_SYNC_CAPABILITY, type SyncPeer } from '../peers'

/** One peer's pull queue: ids it announced that we lack, and the ids of the `get_data` in flight. */
interface PullState {
  readonly queue: Uint8Array[]
  readonly asked: Set<string>
  running: boolean
}

/**
 * Mempool sync (BIP 35's `mempool`, pushed): a newly connected peer that speaks `mempool-sync` gets our
 * mempool's ids in `mempool_sync` pages (at most `mempoolSyncMaxIds`); the ids a peer sends us that we
 * lack are pulled with `get_data` in batches, one batch in flight per peer, the transactions arriving as
 * `new_transaction` before the `not_found` that closes the batch. What a peer may announce per connection
 * is bounded (`mempoolSyncMaxAnnounced`); the excess is dropped and counted.
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
    const onTx = (e: MessageEvent<'new_transaction'>): void =>
      this.arrived(e.peerId, e.message.data.transaction)
    n.on('message:mempool_sync', onIds)
    n.on('message:new_transaction', onTx)
    this.off.push(
      () => n.off('message:mempool_sync', onIds),
      () => n.off('message:new_transaction', onTx),
    )
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
    const { chain, options, stats } = this.ctx
    const room = Math.max(0, options.mempoolSyncMaxAnnounced - peer.mempoolAnnounced)
    peer.mempoolAnnounced += hashes.length
    if (hashes.length > room) {
      this.ctx.report(peerId, 'protocol-violation', 'mempool_sync beyond the per-connection bound')
    }
    stats.mempoolIdsReceived += Math.min(room, hashes.length)
    let pull = this.pulls.get(peerId)
    if (pull === undefined) this.pulls.set(peerId, (pull = { queue: [], asked: new Set(), running: false }))
    for (const h of hashes.slice(0, room)) if (!chain.hasTransaction(h)) pull.queue.push(h)
    if (!pull.running) void this.pull(peerId, pull)
  }

  private async pull(peerId: PeerId, pull: PullState): Promise<void> {
    const { chain, network, options } = this.ctx
    pull.running = true
    try {
      while (pull.queue.length > 0 && this.pulls.get(peerId) === pull) {
        const batch = pull.queue.splice(0, options.mempoolFetchBatch).filter((h) => !chain.hasTransaction(h))
        if (batch.length === 0) continue
        for (const h of batch) pull.asked.add(hex(h))
        try {
          await network.request(peerId, {
            type: 'get_data',
            data: { items: batch.map((hash) => ({ kind: 'tx' as const, hash })) },
          })
        } catch {
          return
        } finally {
          pull.asked.clear()
        }
      }
    } finally {
      pull.running = false
    }
  }

  private arrived(peerId: PeerId, tx: Transaction): void {
    const pull = this.pulls.get(peerId)
    if (pull === undefined || pull.asked.size === 0) return
    const key = hex(this.ctx.chain.hashTransaction(tx))
    if (!pull.asked.delete(key)) return
    this.ctx.stats.mempoolTxsFetched++
    const result = this.ctx.chain.acceptTransaction(tx)
    if (typeof result === 'object') this.seen(tx)
  }
}

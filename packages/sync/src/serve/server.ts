import { LruMap, type PeerId, TokenBucket } from '@chainwire/interface'
import type { HandlerResult, PeerInfo } from '@chainwire/network'
import {
  type Block,
  type CompactBlockData,
  LIMITS,
  type Message,
  type MessageData,
  type ProtocolErrorCode,
} from '@chainwire/protocol-codec'
import { approximateBlockBytes } from '../blocks/download'
import type { SyncContext } from '../context'
import type { ServeQuotas } from '../options'

/** A quota name: one token bucket per peer for each. */
export type QuotaName = keyof ServeQuotas

/** Builds the compact block of a stored block (the compact-block part of sync provides it). */
export type CompactBuilder = (block: Block) => CompactBlockData

function error(code: ProtocolErrorCode, message: string): Message {
  return { type: 'error', data: { code, message } }
}

/**
 * Serves what sync's peers ask of the ledger: headers, blocks by range and by hash, compact blocks and their
 * missing transactions, mempool transactions and light-client proofs. Every answer is charged to a per-peer
 * token bucket of its kind (Lodestar's per-method rate limits); a request over its quota is answered
 * `error: rate_limited` and reported. Asking for something we do not have is answered, never penalised.
 * `get_data` is not sync's: transaction relay owns `inv` / `get_data` / `not_found`.
 */
export class SyncServer {
  private readonly quotas: LruMap<PeerId, Map<QuotaName, TokenBucket>>
  private readonly unregister: (() => void)[] = []

  constructor(
    private readonly ctx: SyncContext,
    private readonly compact: CompactBuilder,
  ) {
    this.quotas = new LruMap(ctx.options.maxQuotaPeers)
  }

  start(): void {
    const n = this.ctx.network
    this.unregister.push(
      n.handle('get_headers', (m, p) => this.headers(m.data, p)),
      n.handle('get_blocks', (m, p) => this.blocks(m.data, p)),
      n.handle('block_request', (m, p) => this.block(m.data, p)),
      n.handle('get_block_txs', (m, p) => this.blockTxs(m.data, p)),
      n.handle('get_proof', (m, p) => this.proof(m.data, p)),
      n.handle('get_transaction', (m, p) => this.transaction(m.data, p)),
      n.handle('compact_block_request', (m, p) => this.compactBlock(m.data, p)),
    )
    if (this.ctx.filters !== undefined) {
      this.unregister.push(
        n.handle('get_cfheaders', (m, p) => this.filterHeaders(m.data, p)),
        n.handle('get_cfilters', (m, p) => this.filters(m.data, p)),
        n.handle('get_cfcheckpt', (m, p) => this.filterCheckpoints(m.data, p)),
      )
    }
  }

  stop(): void {
    for (const off of this.unregister.splice(0)) off()
    this.quotas.clear()
  }

  /** Forgets a peer's quotas (it disconnected). */
  forget(peerId: PeerId): void {
    this.quotas.delete(peerId)
  }

  /** Charges `n` items to a peer's quota; false (peer reported) when over it. */
  charge(peerId: PeerId, name: QuotaName, n: number): boolean {
    let buckets = this.quotas.get(peerId)
    if (buckets === undefined) this.quotas.set(peerId, (buckets = new Map()))
    let bucket = buckets.get(name)
    if (bucket === undefined)
      buckets.set(name, (bucket = new TokenBucket(this.ctx.clock, this.ctx.options.quotas[name])))
    if (bucket.take(Math.max(1, n))) {
      this.ctx.stats.served++
      return true
    }
    this.ctx.stats.quotaRefusals++
    this.ctx.report(peerId, 'rate-limit-exceeded', `over the ${name} serving quota`)
    return false
  }

  private refused(name: QuotaName): Message {
    return error('rate_limited', `over the ${name} quota`)
  }

  private headers(data: MessageData<'get_headers'>, peer: PeerInfo): HandlerResult {
    const max = Math.min(data.limit ?? LIMITS.maxHeadersPerMessage, LIMITS.maxHeadersPerMessage)
    if (!this.charge(peer.peerId, 'headers', max)) return this.refused('headers')
    const headers = this.ctx.chain.headersAfter(data.locator, data.stop, max)
    return { type: 'headers', data: { headers } }
  }

  private async blocks(data: MessageData<'get_blocks'>, peer: PeerInfo): Promise<HandlerResult> {
    const count = data.by === 'range' ? data.count : data.hashes.length
    if (!this.charge(peer.peerId, 'blocks', count)) return this.refused('blocks')
    const chain = this.ctx.chain
    let found: Block[]
    if (data.by === 'range') found = await chain.getBlockRange(data.from, data.count)
    else {
      found = []
      for (const h of data.hashes) {
        const b = await chain.getBlock(h)
        if (b !== undefined) found.push(b)
      }
    }
    // a prefix that fits in one message; the requester asks again for the rest
    const blocks: Block[] = []
    let bytes = 0
    for (const b of found) {
      const size = approximateBlockBytes(b)
      if (blocks.length > 0 && bytes + size > this.ctx.options.maxServeBytes) break
      bytes += size
      blocks.push(b)
    }
    return { type: 'blocks', data: { blocks } }
  }

  private async block(data: MessageData<'block_request'>, peer: PeerInfo): Promise<HandlerResult> {
    if (!this.charge(peer.peerId, 'blocks', 1)) return this.refused('blocks')
    const chain = this.ctx.chain
    const block =
      data.by === 'hash' ? await chain.getBlock(data.hash) : (await chain.getBlockRange(data.height, 1))[0]
    return { type: 'block_response', data: block === undefined ? {} : { block } }
  }

  private async compactBlock(
    data: MessageData<'compact_block_request'>,
    peer: PeerInfo,
  ): Promise<HandlerResult> {
    if (!this.charge(peer.peerId, 'compact', 1)) return this.refused('compact')
    const block = await this.ctx.chain.getBlock(data.hash)
    return {
      type: 'compact_block_response',
      data: block === undefined ? {} : { compact: this.compact(block) },
    }
  }

  private async blockTxs(data: MessageData<'get_block_txs'>, peer: PeerInfo): Promise<HandlerResult> {
    if (!this.charge(peer.peerId, 'compact', 1)) return this.refused('compact')
    const block = await this.ctx.chain.getBlock(data.blockHash)
    if (block === undefined) return error('bad_request', 'unknown block')
    const last = data.indexes[data.indexes.length - 1] ?? 0
    if (last >= block.transactions.length) {
      this.ctx.report(peer.peerId, 'protocol-violation', 'get_block_txs index beyond the block')
      return error('bad_request', 'index beyond the block')
    }
    const transactions = data.indexes.map((i) => block.transactions[i] as Block['transactions'][number])
    return { type: 'block_txs', data: { blockHash: data.blockHash, transactions } }
  }

  private async proof(data: MessageData<'get_proof'>, peer: PeerInfo): Promise<HandlerResult> {
    if (!this.charge(peer.peerId, 'proofs', 1)) return this.refused('proofs')
    const inclusion = await this.ctx.chain.proof(data.blockHash, data.txHash)
    return {
      type: 'proof',
      data: { blockHash: data.blockHash, txHash: data.txHash, ...(inclusion ? { inclusion } : {}) },
    }
  }

  /** Blocks a BIP 157 range request spans (0 when it is upside down: nothing is served). */
  private static span(startHeight: number, stopHash: Uint8Array, chain: SyncContext['chain']): number {
    const stop = chain.headerPoint(stopHash)
    return stop === undefined || stop.height < startHeight ? 0 : stop.height - startHeight + 1
  }

  private async filterHeaders(data: MessageData<'get_cfheaders'>, peer: PeerInfo): Promise<HandlerResult> {
    const max = LIMITS.maxFilterHeadersPerMessage
    const span = Math.min(max, SyncServer.span(data.startHeight, data.stopHash, this.ctx.chain))
    if (!this.charge(peer.peerId, 'filters', span)) return this.refused('filters')
    const found = await this.ctx.filters?.filterHeaders(data.startHeight, data.stopHash, max)
    const base = { filterType: data.filterType, stopHash: data.stopHash }
    if (found === undefined) return { type: 'cfheaders', data: { ...base, filterHashes: [] } }
    return {
      type: 'cfheaders',
      data: { ...base, previousHeader: found.previousHeader, filterHashes: found.hashes },
    }
  }

  private async filters(data: MessageData<'get_cfilters'>, peer: PeerInfo): Promise<HandlerResult> {
    const max = LIMITS.maxFiltersPerMessage
    const span = Math.min(max, SyncServer.span(data.startHeight, data.stopHash, this.ctx.chain))
    if (!this.charge(peer.peerId, 'filters', span)) return this.refused('filters')
    const found = (await this.ctx.filters?.filters(data.startHeight, data.stopHash, max)) ?? []
    // a prefix that fits in one message; the requester asks again from the next height for the rest
    const filters: { blockHash: Uint8Array; filter: Uint8Array }[] = []
    let bytes = 0
    for (const f of found) {
      const size = f.filter.length + 48
      if (filters.length > 0 && bytes + size > this.ctx.options.maxServeBytes) break
      bytes += size
      filters.push(f)
    }
    return { type: 'cfilters', data: { filterType: data.filterType, stopHash: data.stopHash, filters } }
  }

  private async filterCheckpoints(
    data: MessageData<'get_cfcheckpt'>,
    peer: PeerInfo,
  ): Promise<HandlerResult> {
    if (!this.charge(peer.peerId, 'filters', 1)) return this.refused('filters')
    const filterHeaders = (await this.ctx.filters?.filterCheckpoints(data.stopHash)) ?? []
    return {
      type: 'cfcheckpt',
      data: { filterType: data.filterType, stopHash: data.stopHash, filterHeaders },
    }
  }

  private transaction(data: MessageData<'get_transaction'>, peer: PeerInfo): HandlerResult {
    if (!this.charge(peer.peerId, 'transactions', 1)) return this.refused('transactions')
    const transaction = this.ctx.chain.getTransaction(data.hash)
    return { type: 'transaction_data', data: transaction === undefined ? {} : { transaction } }
  }
}

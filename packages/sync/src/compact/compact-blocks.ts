import { LruMap, type PeerId } from '@chainwire/interface'
import type { MessageEvent } from '@chainwire/network'
import type { Block, CompactBlockData, Message, Transaction } from '@chainwire/protocol-codec'
import { equalBytes, hex } from '../bytes'
import type { ChainPoint } from '../chain'
import type { SyncContext } from '../context'
import type { SyncPeer } from '../peers'
import { complete, type PartialBlock, reconstruct } from './reconstruct'
import { SHORT_ID_BYTES, shortId, shortIdKey, writeShortId } from './short-id'

/** The compact block version chainwire speaks. */
export const COMPACT_VERSION = 1

/**
 * Builds the compact block of `block` (BIP 152): the header, a fresh nonce, 6-byte short ids of every
 * transaction but the first, and the first (the reward transaction) prefilled.
 */
export function buildCompactBlock(
  block: Block,
  headerHash: Uint8Array,
  nonce: bigint,
  hashTransaction: (tx: Transaction) => Uint8Array,
): CompactBlockData {
  const key = shortIdKey(headerHash, nonce)
  const rest = block.transactions.length > 0 ? block.transactions.length - 1 : 0
  const shortIds = new Uint8Array(rest * SHORT_ID_BYTES)
  for (let i = 1; i < block.transactions.length; i++) {
    writeShortId(
      shortIds,
      (i - 1) * SHORT_ID_BYTES,
      shortId(key, hashTransaction(block.transactions[i] as Transaction)),
    )
  }
  const first = block.transactions[0]
  return {
    header: block.header,
    nonce,
    shortIds,
    prefilled: first === undefined ? [] : [{ index: 0, transaction: first }],
  }
}

/**
 * Compact block relay (BIP 152): negotiation with `send_compact`, up to `maxHighBandwidthPeers` peers asked
 * to push new blocks unasked (the last ones that brought us a new block first), announcements by `inv` for
 * the others (who fetch the compact block with `compact_block_request`), reconstruction from the mempool
 * and a cache of recently seen transactions, `get_block_txs` for what is missing, and the full block when a
 * short id collides or an answer does not fit.
 */
export class CompactBlocks {
  /** Transactions seen recently outside the mempool (relayed, fetched, rejected), for reconstruction. */
  readonly extra: LruMap<string, Transaction>
  /** Blocks being rebuilt now (waiting for an answer). */
  private readonly pending: LruMap<string, true>
  /** Peers we asked to push compact blocks to us, oldest first. */
  private readonly highBandwidth: PeerId[] = []
  private readonly off: (() => void)[] = []

  constructor(private readonly ctx: SyncContext) {
    this.extra = new LruMap(ctx.options.extraTransactions)
    this.pending = new LruMap(ctx.options.maxPendingCompactBlocks)
  }

  start(): void {
    const n = this.ctx.network
    const onSend = (e: MessageEvent<'send_compact'>): void => {
      const peer = this.ctx.peers.get(e.peerId)
      if (peer !== undefined && e.message.data.version === COMPACT_VERSION) {
        peer.wantsHighBandwidth = e.message.data.highBandwidth
      }
    }
    const onCompact = (e: MessageEvent<'compact_block'>): void => {
      void this.received(e.peerId, e.message.data)
    }
    const onBlock = (e: MessageEvent<'new_block'>): void => {
      void this.fullBlock(e.peerId, e.message.data.block)
    }
    const onTx = (e: MessageEvent<'new_transaction'>): void => this.remember(e.message.data.transaction)
    const onInv = (e: MessageEvent<'inv'>): void => this.inventory(e.peerId, e.message.data.items)
    n.on('message:send_compact', onSend)
    n.on('message:compact_block', onCompact)
    n.on('message:new_block', onBlock)
    n.on('message:new_transaction', onTx)
    n.on('message:inv', onInv)
    this.off.push(
      () => n.off('message:send_compact', onSend),
      () => n.off('message:compact_block', onCompact),
      () => n.off('message:new_block', onBlock),
      () => n.off('message:new_transaction', onTx),
      () => n.off('message:inv', onInv),
    )
  }

  stop(): void {
    for (const f of this.off.splice(0)) f()
    this.pending.clear()
    this.highBandwidth.length = 0
  }

  /** A new peer: tell it we speak compact blocks (low-bandwidth until it earns more). */
  peerConnected(peer: SyncPeer): void {
    if (!peer.compact) return
    this.ctx.network.trySend(peer.peerId, {
      type: 'send_compact',
      data: { highBandwidth: false, version: COMPACT_VERSION },
    })
  }

  peerGone(peerId: PeerId): void {
    const i = this.highBandwidth.indexOf(peerId)
    if (i >= 0) this.highBandwidth.splice(i, 1)
  }

  /** Keeps a transaction for reconstruction. */
  remember(tx: Transaction): void {
    this.extra.set(hex(this.ctx.chain.transactionHash(tx)), tx)
  }

  /** The compact block of a stored block, with a fresh nonce. */
  compactOf(block: Block): CompactBlockData {
    const nonce =
      BigInt(Math.floor(this.ctx.random() * 2 ** 32)) * 2n ** 32n +
      BigInt(Math.floor(this.ctx.random() * 2 ** 32))
    const hash = this.ctx.chain.headerHash(block.header)
    return buildCompactBlock(block, hash, nonce, (t) => this.ctx.chain.transactionHash(t))
  }

  /** Announces our new tip: compact blocks to the peers that asked for them, `inv` to the others. */
  async announce(tip: ChainPoint): Promise<void> {
    const block = await this.ctx.chain.getBlock(tip.hash)
    if (block === undefined) return
    let compact: Message | undefined
    for (const peer of this.ctx.peers.all()) {
      if (peer.claimedWork >= tip.work) continue // it has this block (it may have sent it)
      if (peer.compact && peer.wantsHighBandwidth) {
        compact ??= { type: 'compact_block', data: this.compactOf(block) }
        this.ctx.network.trySend(peer.peerId, compact)
      } else {
        this.ctx.network.trySend(peer.peerId, {
          type: 'inv',
          data: { items: [{ kind: 'block', hash: tip.hash }] },
        })
      }
    }
  }

  private inventory(peerId: PeerId, items: readonly { kind: string; hash: Uint8Array }[]): void {
    const peer = this.ctx.peers.get(peerId)
    if (peer === undefined) return
    for (const item of items) {
      if (item.kind === 'tx' || this.ctx.chain.hasBlock(item.hash)) continue
      if (peer.compact && !this.pending.has(hex(item.hash))) {
        void this.requestCompact(peer, item.hash) // low-bandwidth mode (BIP 152)
      } else {
        this.ctx.pokeHeaders(peer)
      }
      return
    }
  }

  /** Low-bandwidth mode: fetches the compact block of an announced block and rebuilds it. */
  private async requestCompact(peer: SyncPeer, hash: Uint8Array): Promise<void> {
    let compact: CompactBlockData | undefined
    try {
      const answer = await this.ctx.network.request(
        peer.peerId,
        { type: 'compact_block_request', data: { hash } },
        { timeoutMs: this.ctx.options.compactTimeoutMs },
      )
      if (answer.type === 'compact_block_response') compact = answer.data.compact
    } catch (err) {
      this.ctx.logger.debug({ err, peerId: peer.peerId }, 'compact_block_request failed')
    }
    if (compact === undefined) {
      this.ctx.pokeHeaders(peer) // block download fetches it once its header is known
      return
    }
    if (!equalBytes(this.ctx.chain.headerHash(compact.header), hash)) {
      this.ctx.report(peer.peerId, 'invalid-message', 'compact_block_response for another block')
      return
    }
    await this.received(peer.peerId, compact)
  }

  private candidates(): Iterable<[Uint8Array, () => Transaction | undefined]> {
    const { chain } = this.ctx
    const extra = this.extra
    return (function* () {
      for (const id of chain.mempoolIds(Number.MAX_SAFE_INTEGER)) yield [id, () => chain.getTransaction(id)]
      for (const [key, tx] of extra) {
        const hash = Buffer.from(key, 'hex')
        if (!chain.hasTransaction(hash)) yield [hash, () => tx] // the mempool offered it already
      }
    })() as Iterable<[Uint8Array, () => Transaction | undefined]>
  }

  /** Checks the header of an announced block; false when the block needs nothing more from us here. */
  private async admitHeader(peer: SyncPeer, header: Block['header'], hash: Uint8Array): Promise<boolean> {
    const { chain } = this.ctx
    if (chain.hasBlock(hash)) return false
    if (!chain.hasHeader(header.prevHash)) {
      this.ctx.pokeHeaders(peer)
      return false
    }
    const result = await chain.acceptHeaders([header])
    if (result.invalid !== undefined) {
      if (result.invalid.penalty) {
        this.ctx.report(peer.peerId, 'bad-block', `invalid header: ${result.invalid.code}`)
      }
      return false
    }
    const point = chain.headerPoint(hash)
    if (point !== undefined) peer.showed(point.work, point.height)
    if (!chain.hasBlock(header.prevHash)) {
      this.ctx.wake() // not at our tip: block download fetches it in order
      return false
    }
    return true
  }

  private async received(peerId: PeerId, data: CompactBlockData): Promise<void> {
    const peer = this.ctx.peers.get(peerId)
    if (peer === undefined) return
    const { chain, stats } = this.ctx
    stats.compactReceived++
    const hash = chain.headerHash(data.header)
    const key = hex(hash)
    if (this.pending.has(key)) return
    this.pending.set(key, true)
    if (!(await this.admitHeader(peer, data.header, hash))) {
      this.pending.delete(key)
      return
    }
    try {
      const rebuilt = reconstruct(data, hash, this.candidates())
      if (rebuilt.kind === 'complete' && chain.checkMerkleRoot(rebuilt.block)) {
        stats.compactReconstructed++
        await this.connect(peer, rebuilt.block)
        return
      }
      if (rebuilt.kind === 'partial') {
        stats.compactRoundTrips++
        const block = await this.fetchMissing(peer, hash, rebuilt.partial)
        if (block !== undefined && chain.checkMerkleRoot(block)) {
          await this.connect(peer, block)
          return
        }
      }
      // a short id collided (in the block, or with the wrong one of our transactions): the full block
      stats.compactFallbacks++
      await this.fallback(peer, hash)
    } finally {
      this.pending.delete(key)
    }
  }

  private async fetchMissing(
    peer: SyncPeer,
    hash: Uint8Array,
    partial: PartialBlock,
  ): Promise<Block | undefined> {
    try {
      const answer = await this.ctx.network.request(
        peer.peerId,
        { type: 'get_block_txs', data: { blockHash: hash, indexes: partial.missing } },
        { timeoutMs: this.ctx.options.compactTimeoutMs },
      )
      if (answer.type !== 'block_txs') return undefined
      const block = complete(partial, answer.data.transactions, (t) => this.ctx.chain.transactionHash(t))
      if (block === undefined) {
        this.ctx.report(peer.peerId, 'invalid-message', 'block_txs with the wrong transactions')
      }
      for (const tx of answer.data.transactions) this.remember(tx)
      return block
    } catch {
      return undefined
    }
  }

  private async fallback(peer: SyncPeer, hash: Uint8Array): Promise<void> {
    const others = [...this.ctx.peers.all()].filter((p) => p !== peer && !p.misbehaving)
    for (const from of [peer, ...others].slice(0, 3)) {
      try {
        const answer = await this.ctx.network.request(
          from.peerId,
          { type: 'block_request', data: { by: 'hash', hash } },
          { timeoutMs: this.ctx.options.compactTimeoutMs },
        )
        if (answer.type === 'block_response' && answer.data.block !== undefined) {
          const block = answer.data.block
          if (equalBytes(this.ctx.chain.headerHash(block.header), hash)) {
            await this.connect(from, block)
            return
          }
          this.ctx.report(from.peerId, 'invalid-message', 'block_response with another block')
        }
      } catch {
        // try the next peer; block download fetches the block in the end
      }
    }
    this.ctx.wake()
  }

  private async fullBlock(peerId: PeerId, block: Block): Promise<void> {
    const peer = this.ctx.peers.get(peerId)
    if (peer === undefined) return
    const hash = this.ctx.chain.headerHash(block.header)
    if (!(await this.admitHeader(peer, block.header, hash))) return
    await this.connect(peer, block)
  }

  /** Hands a rebuilt or received block to the chain, crediting or reporting the peer. */
  private async connect(peer: SyncPeer, block: Block): Promise<void> {
    const { chain, stats } = this.ctx
    const before = chain.tip().hash
    const result = await chain.acceptBlock(block)
    if (typeof result === 'object') {
      if (result.penalty) {
        stats.blocksInvalid++
        this.ctx.report(peer.peerId, 'bad-block', `invalid block: ${result.invalid}`)
      }
      return
    }
    if (result === 'connected') {
      stats.blocksConnected++
      if (this.ctx.peers.get(peer.peerId) !== undefined) this.ctx.network.markUseful(peer.peerId, 'block')
      if (hex(before) !== hex(chain.tip().hash)) this.promote(peer)
    }
    this.ctx.wake()
  }

  /** The peer brought us a new tip first: make it one of our high-bandwidth peers (BIP 152). */
  private promote(peer: SyncPeer): void {
    const max = this.ctx.options.maxHighBandwidthPeers
    if (!peer.compact || max === 0 || this.highBandwidth.includes(peer.peerId)) return
    this.highBandwidth.push(peer.peerId)
    peer.highBandwidthToUs = true
    this.ctx.network.trySend(peer.peerId, {
      type: 'send_compact',
      data: { highBandwidth: true, version: COMPACT_VERSION },
    })
    while (this.highBandwidth.length > max) {
      const dropped = this.highBandwidth.shift() as PeerId
      const p = this.ctx.peers.get(dropped)
      if (p !== undefined) p.highBandwidthToUs = false
      this.ctx.network.trySend(dropped, {
        type: 'send_compact',
        data: { highBandwidth: false, version: COMPACT_VERSION },
      })
    }
  }
}

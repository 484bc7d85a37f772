import {
  blockFilter,
  createMerkleProof,
  equalBytes,
  filterHash,
  filterHeader,
  filterMatchesAny,
  fromHex,
  toHex,
  transactionHash,
} from '@chainwire/chain'
import { LruMap, type PeerId } from '@chainwire/interface'
import { LIMITS } from '@chainwire/protocol-codec'
import { fetchVerifiedBlock } from '../blocks'
import type { LightContext } from '../context'
import type { LightPeer } from '../peers'
import type { WatchedTransaction } from '../types'
import type { FilterStore, StoredWatch } from './filter-store'

/** A peer's answer to one `get_cfheaders`, chained into filter headers. */
interface Answer {
  peer: LightPeer
  hashes: Uint8Array[]
  headers: Uint8Array[]
}

/**
 * Compact block filters on the light client's side (BIP 157): filter headers of the verified chain are
 * downloaded from several peers and compared; where they disagree, the block itself is downloaded, its
 * filter computed, and the peers whose filter hash differs are banned. Filters are then fetched, checked
 * against the verified filter headers, and matched locally against the watched keys, so no peer learns which
 * keys the client watches; only matching blocks are downloaded, checked against their headers, and their
 * transactions for the watched keys proven with merkle proofs.
 */
export class FilterSync {
  private readonly watched = new Map<string, StoredWatch>()
  private scanned = -1
  private running: Promise<void> | undefined
  private dirty = false
  /** Transactions already reported (a rescan after a new watch does not repeat them). */
  private readonly reported: LruMap<string, true>

  constructor(
    private readonly ctx: LightContext,
    private readonly store: FilterStore,
  ) {
    this.reported = new LruMap(ctx.options.maxBufferedTransactions)
  }

  async load(): Promise<void> {
    await this.store.load(this.ctx.chain)
    this.scanned = Math.min(await this.store.scanned(), this.store.count - 1)
    for (const w of await this.store.watches()) this.watched.set(w.key, w)
  }

  get scannedHeight(): number {
    return this.scanned
  }

  watchedKeys(): string[] {
    return [...this.watched.keys()]
  }

  /** Adds a key; blocks from `fromHeight` on are (re)scanned for it. */
  async watch(key: Uint8Array, fromHeight: number): Promise<void> {
    const hex = toHex(key)
    if (!this.watched.has(hex) && this.watched.size >= this.ctx.options.maxWatchedKeys) {
      throw new RangeError(`at most ${this.ctx.options.maxWatchedKeys} watched keys`)
    }
    this.watched.set(hex, { key: hex, fromHeight })
    await this.store.setWatches([...this.watched.values()])
    if (fromHeight <= this.scanned) this.scanned = fromHeight - 1
    this.kick()
  }

  async unwatch(key: Uint8Array): Promise<void> {
    if (this.watched.delete(toHex(key))) await this.store.setWatches([...this.watched.values()])
  }

  /** The best chain forked at `height`: filter headers and scans above it are redone. */
  async reorg(height: number): Promise<void> {
    await this.store.truncate(height)
    if (this.scanned > height) this.scanned = height
  }

  /** Something changed (a new verified tip, a new watch): run the filter work again. */
  kick(): void {
    this.dirty = true
    if (this.running !== undefined) return
    this.running = this.loop()
      .catch((err: unknown) => this.ctx.logger.warn({ err }, 'filter sync failed'))
      .finally(() => {
        this.running = undefined
      })
  }

  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.ctx.signal.aborted) {
      this.dirty = false
      // Headers first: filter headers are fetched once header sync is within one answer of the peers.
      if (this.ctx.headersBehind()) continue
      while (this.store.count <= this.ctx.verifiedHeight() && !this.ctx.signal.aborted) {
        if (!(await this.syncHeaders())) break
      }
      while (this.watched.size > 0 && this.scanned < this.store.count - 1 && !this.ctx.signal.aborted) {
        if (!(await this.scan())) break
      }
    }
  }

  // ---------------------------------------------------------------- filter headers

  /** One batch of up to 2,000 filter headers, from several peers, compared. False when no progress. */
  private async syncHeaders(): Promise<boolean> {
    const { chain, options } = this.ctx
    const start = this.store.count
    const stopHeight = Math.min(this.ctx.verifiedHeight(), start + LIMITS.maxFilterHeadersPerMessage - 1)
    const stopHash = chain.headerHashAt(stopHeight)
    if (stopHash === undefined) return false
    const previous = this.store.last
    const asked = this.ctx.peers.spread().slice(0, options.filterHeaderPeers)
    const answers: Answer[] = []
    await Promise.all(
      asked.map(async (peer) => {
        try {
          const res = await this.ctx.request(peer, {
            type: 'get_cfheaders',
            data: { filterType: 'basic', startHeight: start, stopHash },
          })
          if (res.type !== 'cfheaders' || res.data.previousHeader === undefined) return
          const { previousHeader, filterHashes } = res.data
          if (filterHashes.length !== stopHeight - start + 1 || !equalBytes(previousHeader, previous)) {
            this.ctx.ban(peer.peerId, 'bad-filter', 'filter headers that do not continue the verified ones')
            return
          }
          const headers: Uint8Array[] = []
          let prev = previous
          for (const h of filterHashes) headers.push((prev = filterHeader(h, prev)))
          answers.push({ peer, hashes: filterHashes, headers })
        } catch {
          // not answered: asked again on the next kick
        }
      }),
    )
    if (answers.length === 0) return false
    const first = answers[0] as Answer
    const lastOf = (a: Answer) => a.headers[a.headers.length - 1] as Uint8Array
    if (answers.some((a) => !equalBytes(lastOf(a), lastOf(first)))) {
      return this.resolveMismatch(start, answers)
    }
    // Re-check that the range is still on the best chain (a reorg may have happened meanwhile).
    if (!equalBytes(chain.headerHashAt(stopHeight) ?? new Uint8Array(0), stopHash)) return true
    const entries = first.headers.map((header, i) => ({
      blockHash: chain.headerHashAt(start + i) as Uint8Array,
      header,
    }))
    await this.store.append(entries)
    return true
  }

  /**
   * Peers disagree on a filter hash: the first height where they differ is decided by the block itself
   * (downloaded and checked against its verified header); every peer whose filter hash there is not the
   * block's real one is banned. False when the block could not be had (nothing decided).
   */
  private async resolveMismatch(start: number, answers: Answer[]): Promise<boolean> {
    const first = answers[0] as Answer
    let i = 0
    while (answers.every((a) => equalBytes(a.hashes[i] as Uint8Array, first.hashes[i] as Uint8Array))) i++
    const height = start + i
    const blockHash = this.ctx.chain.headerHashAt(height) as Uint8Array
    const block = await fetchVerifiedBlock(this.ctx, blockHash)
    if (block === undefined) return false
    const truth = filterHash(blockFilter(block, blockHash))
    const banned: PeerId[] = []
    for (const a of answers) {
      if (!equalBytes(a.hashes[i] as Uint8Array, truth)) {
        this.ctx.ban(a.peer.peerId, 'bad-filter', `a filter hash at height ${height} that is not the block's`)
        banned.push(a.peer.peerId)
      }
    }
    this.ctx.emit('filter:mismatch', { height, banned })
    return true
  }

  // ---------------------------------------------------------------- filters and watched keys

  /** Fetches and matches one batch of filters (up to 1,000). False when no progress. */
  private async scan(): Promise<boolean> {
    const { chain } = this.ctx
    const from = this.scanned + 1
    const to = Math.min(this.store.count - 1, from + LIMITS.maxFiltersPerMessage - 1)
    const stopHash = chain.headerHashAt(to) as Uint8Array
    for (const peer of this.ctx.peers.spread()) {
      let filters: { blockHash: Uint8Array; filter: Uint8Array }[]
      try {
        const res = await this.ctx.request(peer, {
          type: 'get_cfilters',
          data: { filterType: 'basic', startHeight: from, stopHash },
        })
        if (res.type !== 'cfilters' || res.data.filters.length === 0) continue
        filters = res.data.filters
      } catch {
        continue
      }
      let height = from
      for (const { blockHash, filter } of filters) {
        if (height > to) break
        const expected = await this.store.header(height)
        const previous = await this.store.header(height - 1)
        const ours = chain.headerHashAt(height)
        if (
          expected === undefined ||
          previous === undefined ||
          ours === undefined ||
          !equalBytes(ours, blockHash) ||
          !equalBytes(filterHeader(filterHash(filter), previous), expected)
        ) {
          this.ctx.ban(
            peer.peerId,
            'bad-filter',
            `a filter at height ${height} that its verified header refutes`,
          )
          break
        }
        await this.match(height, blockHash, filter)
        this.scanned = height++
      }
      await this.store.setScanned(this.scanned)
      return height > from
    }
    return false
  }

  private async match(height: number, blockHash: Uint8Array, filter: Uint8Array): Promise<void> {
    const keys = [...this.watched.values()].filter((w) => w.fromHeight <= height)
    if (keys.length === 0) return
    let hit: boolean
    try {
      hit = filterMatchesAny(
        filter,
        blockHash,
        keys.map((w) => fromHex(w.key)),
      )
    } catch {
      hit = true // a filter that does not parse but hashes to the verified header: check the block itself
    }
    if (!hit) return
    const block = await fetchVerifiedBlock(this.ctx, blockHash)
    if (block === undefined) throw new Error(`block ${toHex(blockHash)} unavailable`)
    const hashes = block.transactions.map(transactionHash)
    const wanted = new Set(keys.map((w) => w.key))
    block.transactions.forEach((tx, index) => {
      const from = toHex(tx.from)
      const to = toHex(tx.to)
      for (const key of new Set([from, to])) {
        if (!wanted.has(key)) continue
        const txHash = hashes[index] as Uint8Array
        const id = `${key}:${toHex(txHash)}`
        if (this.reported.has(id)) continue
        const proof = createMerkleProof(block.header, hashes, index)
        if (!this.ctx.chain.verifyProof(proof, txHash)) continue
        this.reported.set(id, true)
        const found: WatchedTransaction = {
          tx,
          txHash,
          blockHash,
          height,
          direction: from === to ? 'self' : key === to ? 'in' : 'out',
          key,
          proof,
        }
        this.ctx.emit('transaction', found)
      }
    })
  }
}

import { type Clock, type Logger, LruMap, type Metrics } from '@chainwire/interface'
import {
  type Block,
  type BlockHeader,
  LIMITS,
  type MerkleProof,
  type Transaction,
} from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import { merkleRootMatches } from '../block/checks'
import { equalBytes, fromHex, toHex } from '../bytes'
import type { SignatureVerifier } from '../crypto/ed25519'
import { ChainError, type ChainErrorCode } from '../errors'
import { VoteTracker } from '../finality/votes'
import { checkHeaderLink, type HeaderLinkResult } from '../header/checks'
import { headerHash } from '../header/header'
import type { Mempool } from '../mempool/mempool'
import { createMerkleProof } from '../merkle'
import type { Network } from '../network/network'
import { SerialQueue } from '../serial'
import { type Account, EMPTY_ACCOUNT } from '../state/account'
import { ChainBatch, type ChainDatabase, ChainStore, HeaderFlags } from '../store/store'
import { transactionHash } from '../tx/tx'
import { type BlockEntry, BlockIndex } from './block-index'
import { FilterIndex, type FilterRange, genesisFilterRecord } from './filters'
import { buildLocator } from './locator'
import { type ChainMetrics, chainMetrics } from './metrics'
import type { ResolvedChainLimits } from './options'
import type { ChainEvents, ChainStats, ChainTip, FinalBlock } from './types'

/** What the full chain is built from (see `createChain`). */
export interface FullChainParts {
  clock: Clock
  logger: Logger
  metrics: Metrics
  verifier: SignatureVerifier
  network: Network
  db: ChainDatabase
  limits: ResolvedChainLimits
  mempool: Mempool
}

const { HAVE_DATA, FAILED } = HeaderFlags

/**
 * What a full chain holds and reads: the store, the block tree, the caches, and the queries and life cycle
 * that only read them. `FullChain` adds everything that changes the chain.
 */
export abstract class ChainState extends EventEmitter<ChainEvents> {
  readonly network: Network
  readonly mempool: Mempool
  protected readonly clock: Clock
  protected readonly log: Logger
  protected readonly metrics: ChainMetrics
  protected readonly verifier: SignatureVerifier
  protected readonly limits: ResolvedChainLimits
  protected readonly store: ChainStore
  protected readonly filterIndex: FilterIndex
  protected index: BlockIndex
  protected readonly accounts: LruMap<string, Account | null>
  protected readonly invalid: LruMap<string, ChainErrorCode>
  protected readonly verified: LruMap<string, true>
  protected readonly recent: LruMap<string, Block>
  protected readonly candidates = new Set<BlockEntry>()
  protected readonly votes: VoteTracker | undefined
  protected final: FinalBlock | undefined
  protected readonly serial = new SerialQueue()
  protected readonly counters = { headers: 0, blocksStored: 0, blocksValidated: 0, reorgs: 0 }

  constructor(parts: FullChainParts) {
    super()
    this.network = parts.network
    this.clock = parts.clock
    this.log = parts.logger
    this.metrics = chainMetrics(parts.metrics)
    this.verifier = parts.verifier
    this.limits = parts.limits
    this.mempool = parts.mempool
    this.store = new ChainStore(parts.db)
    this.filterIndex = new FilterIndex(this.store, (e) => this.bodyOf(e))
    this.index = new BlockIndex(this.network, HAVE_DATA)
    this.accounts = new LruMap(parts.limits.accountCacheSize)
    this.invalid = new LruMap(parts.limits.invalidCacheSize)
    this.verified = new LruMap(parts.limits.signatureCacheSize)
    this.recent = new LruMap(parts.limits.recentBlocks)
    const v = this.network.validators
    this.votes = v === undefined ? undefined : new VoteTracker(v, parts.limits.maxVoteHeights)
  }

  // ---------------------------------------------------------------- life cycle

  /**
   * Opens the store (creating the genesis state in an empty one), loads the block tree, and connects any
   * stored block that leads (a body stored just before a crash). Throws `ERR_STORE_VERSION`,
   * `ERR_STORE_FOREIGN` or `ERR_STORE_CORRUPT`.
   */
  async start(): Promise<void> {
    if (this.serial.started) return
    const created = await this.store.open(this.network.genesisHash)
    this.index = new BlockIndex(this.network, HAVE_DATA)
    if (created === 'created') await this.writeGenesis()
    else await this.load()
    this.serial.started = true
    await this.serial.run(() => this.activateBestChain())
  }

  /** Waits for the running operation, then closes the store. Nothing is left running. */
  async stop(): Promise<void> {
    if (!this.serial.started) return
    this.serial.started = false
    await this.serial.idle()
    await this.store.close()
  }

  protected async writeGenesis(): Promise<void> {
    const g = this.network.genesis
    const coinbase = g.transactions[0] as Transaction
    const batch = new ChainBatch()
      .putHeader(this.network.genesisHash, g.header, HAVE_DATA)
      .putBlock(this.network.genesisHash, g)
      .putTip(this.network.genesisHash)
      .putFilter(this.network.genesisHash, genesisFilterRecord(g, this.network.genesisHash))
    if (coinbase.amount > 0n) batch.putAccount(coinbase.to, { balance: coinbase.amount, nonce: 0 })
    await this.store.write(batch)
  }

  protected async load(): Promise<void> {
    const stored = await this.store.loadHeaders()
    stored.sort((a, b) => a.header.height - b.header.height)
    for (const s of stored) {
      if (s.header.height === 0) {
        if (!equalBytes(s.hash, this.network.genesisHash))
          throw new ChainError('ERR_STORE_CORRUPT', 'second genesis')
        continue
      }
      const parent = this.index.get(s.header.prevHash)
      if (parent === undefined) throw new ChainError('ERR_STORE_CORRUPT', 'stored header without its parent')
      const flags = s.flags | (parent.flags & FAILED)
      this.index.add(s.header, s.hash, parent, flags)
    }
    const tipHash = await this.store.getTip()
    const tip = tipHash === undefined ? undefined : this.index.get(tipHash)
    if (tip === undefined || !(tip.flags & HAVE_DATA))
      throw new ChainError('ERR_STORE_CORRUPT', 'stored tip missing')
    const main = this.index.main
    main.length = tip.height + 1
    for (let e: BlockEntry | undefined = tip; e !== undefined; e = e.parent) main[e.height] = e
    const final = await this.store.getFinality()
    if (final !== undefined) {
      const e = this.index.get(final.hash)
      if (e === undefined || !this.index.isOnMain(e))
        throw new ChainError('ERR_STORE_CORRUPT', 'final block not on the active chain')
      this.final = final
      this.votes?.pruneThrough(final.height)
    }
    for (const e of this.index.entries.values()) {
      if (e.flags & HAVE_DATA && !(e.flags & FAILED) && e.work > tip.work) this.candidates.add(e)
    }
  }

  // ---------------------------------------------------------------- queries

  /** The tip of the active chain. */
  tip(): ChainTip {
    const t = this.index.tip
    return { hash: t.hash, height: t.height, work: t.work }
  }

  /** The header with the most work known (ahead of the tip while bodies are missing). */
  bestHeader(): ChainTip {
    const b = this.index.bestHeader
    return { hash: b.hash, height: b.height, work: b.work }
  }

  /** The network's minimum chain work (sync does not follow a chain with less). */
  get minimumChainWork(): bigint {
    return this.network.minimumChainWork
  }

  /** The last final block, if finality is on and a block has been finalised. */
  finalized(): FinalBlock | undefined {
    return this.final
  }

  /**
   * A block locator (at most 101 hashes, newest first: 10 one apart, then doubling steps, then genesis) from
   * `from` (a known header) back, or from the best header when `from` is absent or unknown.
   */
  locator(from?: Uint8Array): Uint8Array[] {
    const start = (from !== undefined ? this.index.get(from) : undefined) ?? this.index.bestHeader
    return buildLocator(start.height, (h) => this.index.ancestor(start, h)?.hash)
  }

  /** The hash and cumulative work of a known valid header, or undefined. */
  headerPoint(hash: Uint8Array): ChainTip | undefined {
    const e = this.index.get(hash)
    if (e === undefined || e.flags & FAILED) return undefined
    return { hash: e.hash, height: e.height, work: e.work }
  }

  /** The hash of the header at `height` on the best header chain (ahead of the tip while bodies download). */
  headerHashAt(height: number): Uint8Array | undefined {
    return this.index.bestAt(height)?.hash
  }

  /** The hash that names a header (double SHA-256 of its 96 canonical bytes): `headerHash` as a method. */
  headerHash(header: BlockHeader): Uint8Array {
    return headerHash(header)
  }

  /** The hash that names a transaction: `transactionHash` as a method. */
  transactionHash(tx: Transaction): Uint8Array {
    return transactionHash(tx)
  }

  /** Checks a header against its parent alone, storing nothing (see `checkHeaderLink`). */
  checkHeaderLink(
    header: BlockHeader,
    parent: { hash: Uint8Array; height: number },
    hash?: Uint8Array,
  ): HeaderLinkResult {
    return checkHeaderLink(header, parent, this.network, hash)
  }

  /** Whether the block's transactions hash to its header's merkle root (see `merkleRootMatches`). */
  checkMerkleRoot(block: Block): boolean {
    return merkleRootMatches(block)
  }

  hasHeader(hash: Uint8Array): boolean {
    const e = this.index.get(hash)
    return e !== undefined && !(e.flags & FAILED)
  }

  hasBlock(hash: Uint8Array): boolean {
    const e = this.index.get(hash)
    return e !== undefined && (e.flags & HAVE_DATA) !== 0 && !(e.flags & FAILED)
  }

  getHeader(hash: Uint8Array): BlockHeader | undefined {
    return this.index.get(hash)?.header
  }

  /** The header at `height` on the active chain. */
  getHeaderByHeight(height: number): BlockHeader | undefined {
    return this.index.main[height]?.header
  }

  /** The hash at `height` on the active chain. */
  getHashByHeight(height: number): Uint8Array | undefined {
    return this.index.main[height]?.hash
  }

  /** True when `hash` is on the active chain. */
  isOnActiveChain(hash: Uint8Array): boolean {
    const e = this.index.get(hash)
    return e !== undefined && this.index.isOnMain(e)
  }

  /**
   * Headers of the active chain after the first locator hash on it (genesis when none is), up to and
   * including `stop`, at most `max` (capped at the protocol's 2,000): Bitcoin's getheaders.
   */
  headersAfter(locator: readonly Uint8Array[], stop: Uint8Array | undefined, max: number): BlockHeader[] {
    const main = this.index.main
    let start = 0
    for (const h of locator) {
      const e = this.index.get(h)
      if (e !== undefined && this.index.isOnMain(e)) {
        start = e.height
        break
      }
    }
    const limit = Math.max(0, Math.min(max, LIMITS.maxHeadersPerMessage))
    const out: BlockHeader[] = []
    for (let h = start + 1; h < main.length && out.length < limit; h++) {
      const e = main[h] as BlockEntry
      out.push(e.header)
      if (stop !== undefined && equalBytes(e.hash, stop)) break
    }
    return out
  }

  /** A stored block by hash (on any branch). */
  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    const e = this.index.get(hash)
    if (e === undefined || !(e.flags & HAVE_DATA)) return undefined
    return this.recent.get(e.key) ?? (await this.store.getBlock(e.hash))
  }

  /** The block at `height` on the active chain. */
  async getBlockByHeight(height: number): Promise<Block | undefined> {
    const e = this.index.main[height]
    return e === undefined ? undefined : this.getBlock(e.hash)
  }

  /** Blocks of the active chain from height `from`, at most `count` (capped at the protocol's 128). */
  async getBlockRange(from: number, count: number): Promise<Block[]> {
    const out: Block[] = []
    const n = Math.min(count, LIMITS.maxBlocksPerMessage)
    for (let h = from; h < from + n && h < this.index.main.length; h++) {
      const b = await this.getBlockByHeight(h)
      if (b !== undefined) out.push(b)
    }
    return out
  }

  /** A stored body (recently accepted ones from memory). */
  protected async bodyOf(e: BlockEntry): Promise<Block> {
    const b = this.recent.get(e.key) ?? (await this.store.getBlock(e.hash))
    if (b === undefined) throw new ChainError('ERR_STORE_CORRUPT', `body of ${e.key} missing`)
    return b
  }

  // ---------------------------------------------------------------- compact block filters (BIP 157/158)

  /**
   * The blocks of the active chain from `startHeight` to `stopHash`, at most `max` of them, or undefined
   * when the stop block is not on the active chain or the range is empty or too long.
   */
  private filterRange(startHeight: number, stopHash: Uint8Array, max: number): FilterRange | undefined {
    const stop = this.index.get(stopHash)
    if (stop === undefined || !this.index.isOnMain(stop)) return undefined
    if (!Number.isSafeInteger(startHeight) || startHeight < 0 || startHeight > stop.height) return undefined
    if (stop.height - startHeight >= max) return undefined
    return { entries: this.index.main.slice(startHeight, stop.height + 1) }
  }

  /**
   * BIP 157's `getcfheaders` over the active chain: the filter header before `startHeight` and the filter
   * hashes of the blocks up to `stopHash` (at most `max`, capped at the protocol's 2,000), or undefined for a
   * range we do not serve.
   */
  async filterHeaders(
    startHeight: number,
    stopHash: Uint8Array,
    max: number = LIMITS.maxFilterHeadersPerMessage,
  ): Promise<{ previousHeader: Uint8Array; hashes: Uint8Array[] } | undefined> {
    const range = this.filterRange(startHeight, stopHash, Math.min(max, LIMITS.maxFilterHeadersPerMessage))
    return range === undefined ? undefined : this.filterIndex.headers(range)
  }

  /** BIP 157's `getcfilters`: the basic filters of the blocks from `startHeight` to `stopHash` (at most `max`, capped at 1,000). */
  async filters(
    startHeight: number,
    stopHash: Uint8Array,
    max: number = LIMITS.maxFiltersPerMessage,
  ): Promise<{ blockHash: Uint8Array; filter: Uint8Array }[] | undefined> {
    const range = this.filterRange(startHeight, stopHash, Math.min(max, LIMITS.maxFiltersPerMessage))
    return range === undefined ? undefined : this.filterIndex.filters(range)
  }

  /** BIP 157's `getcfcheckpt`: the filter header of every 1,000th block of the active chain up to `stopHash`. */
  async filterCheckpoints(stopHash: Uint8Array): Promise<Uint8Array[] | undefined> {
    const stop = this.index.get(stopHash)
    if (stop === undefined || !this.index.isOnMain(stop)) return undefined
    return this.filterIndex.checkpoints(this.index.main, stop)
  }

  /** The filter header of a block of the active chain. */
  async filterHeader(blockHash: Uint8Array): Promise<Uint8Array | undefined> {
    const e = this.index.get(blockHash)
    if (e === undefined || !this.index.isOnMain(e)) return undefined
    return (await this.filterIndex.recordOf(e)).header
  }

  /** A merkle proof that transaction `txHash` is in block `blockHash` (codec `MerkleProof`), if it is. */
  async proof(blockHash: Uint8Array, txHash: Uint8Array): Promise<MerkleProof | undefined> {
    const block = await this.getBlock(blockHash)
    if (block === undefined) return undefined
    const hashes = block.transactions.map(transactionHash)
    const index = hashes.findIndex((h) => equalBytes(h, txHash))
    return index < 0 ? undefined : createMerkleProof(block.header, hashes, index)
  }

  /** The committed state of an account at the tip (an empty account when it does not exist). */
  async account(publicKey: Uint8Array): Promise<Account> {
    const [a] = await this.readAccounts([toHex(publicKey)])
    return a ?? { ...EMPTY_ACCOUNT }
  }

  /** The nonce the account's next transaction needs, counting its transactions in the mempool. */
  async nextNonce(publicKey: Uint8Array): Promise<number> {
    const pending = this.mempool.pendingNonce(toHex(publicKey))
    return pending ?? (await this.account(publicKey)).nonce
  }

  /** Every account of the committed state (for tools and tests; reads the whole store). */
  async *allAccounts(): AsyncGenerator<[Uint8Array, Account]> {
    yield* this.store.accounts()
  }

  /**
   * Hashes of the mempool's transactions, oldest first (so a sender's transactions come in nonce order), at
   * most `max`.
   */
  mempoolIds(max = Number.POSITIVE_INFINITY): Uint8Array[] {
    const out: Uint8Array[] = []
    for (const e of this.mempool.entries()) {
      if (out.length >= max) break
      out.push(e.hash)
    }
    return out
  }

  /** Whether the mempool holds this transaction. */
  hasTransaction(hash: Uint8Array): boolean {
    return this.mempool.has(toHex(hash))
  }

  /** A mempool transaction by hash. */
  getTransaction(hash: Uint8Array): Transaction | undefined {
    return this.mempool.get(toHex(hash))?.tx
  }

  stats(): ChainStats {
    return {
      ...this.counters,
      mempoolSize: this.mempool.size,
      mempoolBytes: this.mempool.bytes,
      forkHeaders: this.index.forkHeaderCount,
    }
  }

  protected async readAccounts(hexes: readonly string[]): Promise<(Account | undefined)[]> {
    const out: (Account | undefined)[] = new Array(hexes.length)
    const missing: number[] = []
    for (let i = 0; i < hexes.length; i++) {
      const c = this.accounts.get(hexes[i] as string)
      if (c === undefined) missing.push(i)
      else out[i] = c ?? undefined
    }
    if (missing.length > 0) {
      const got = await this.store.getAccounts(missing.map((i) => fromHex(hexes[i] as string)))
      for (let j = 0; j < missing.length; j++) {
        const i = missing[j] as number
        out[i] = got[j]
        this.accounts.set(hexes[i] as string, got[j] ?? null)
      }
    }
    return out
  }

  /** Connects the most-work valid chain (run at start for a body stored just before a crash). */
  protected abstract activateBestChain(): Promise<void>
}

import { type Clock, LruMap } from '@chainwire/interface'
import { type BlockHeader, type ConsensusVoteData, LIMITS, type MerkleProof } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import { equalBytes, toHex } from '../bytes'
import { acceptHeaderBatch } from '../chain/header-batch'
import { buildLocator } from '../chain/locator'
import type { HeaderChainLimits } from '../chain/options'
import type { AcceptHeadersResult, AcceptVoteResult, ChainTip, ReorgEvent } from '../chain/types'
import type { SignatureVerifier } from '../crypto/ed25519'
import { sha256d } from '../crypto/sha256'
import { ChainError, type ChainErrorCode, codeOf, fail, marksBlockInvalid } from '../errors'
import { acceptVoteWith } from '../finality/intake'
import { type Equivocation, VoteTracker } from '../finality/votes'
import {
  checkHeader,
  checkHeaderContext,
  checkHeaderLink,
  type HeaderContext,
  type HeaderLinkResult,
} from '../header/checks'
import { decodeBits, workFromBits, workFromTarget } from '../header/compact'
import {
  advanceWindow,
  advanceWindowInto,
  type DifficultyWindow,
  emptyWindow,
  MEDIAN_TIME_SPAN,
  type MutableWindow,
  medianInPlace,
  nextBits,
  solveTime,
} from '../header/difficulty'
import { headerBytes, headerHash } from '../header/header'
import { verifyMerkleProof } from '../merkle'
import type { Network } from '../network/network'
import { SerialQueue } from '../serial'
import type { ChainDatabase } from '../store/store'
import { HeightTable } from './hash-table'
import { type HeaderRun, HeaderStore } from './header-store'

/** Events of a header-only chain. */
export interface HeaderChainEvents {
  tip: (tip: ChainTip) => void
  reorg: (event: ReorgEvent) => void
  'header:invalid': (event: { hash: Uint8Array; height: number; code: ChainErrorCode }) => void
  finalized: (event: { hash: Uint8Array; height: number }) => void
  equivocation: (evidence: Equivocation) => void
}

/** A header off the main chain. */
interface SideEntry {
  header: BlockHeader
  hash: Uint8Array
  key: string
  height: number
  work: bigint
  window: DifficultyWindow
  solveTime: number
  target: bigint
  /** The side parent, or undefined when the parent is on the main chain (at height - 1). */
  parent: SideEntry | undefined
  seq: number
}

/** Where a header's parent is: a height on the main chain, or a side entry. */
type Parent = number | SideEntry

/**
 * The header-only chain of a light client: proof of work, retarget, median-time-past, most-work fork choice
 * with reorgs, and finality, without bodies or state. The best chain lives in flat typed arrays (hash,
 * timestamp, bits) plus a compact hash table, about 60 bytes per header in memory (the `chain` benchmark
 * measures it); headers are persisted one record per height. No `node:` import: it runs in a browser with
 * a memory-level or browser-level database and a WebCrypto-backed verifier.
 */
export class HeaderChain extends EventEmitter<HeaderChainEvents> {
  readonly network: Network
  private readonly clock: Clock
  private readonly verifier: SignatureVerifier
  private readonly limits: HeaderChainLimits
  private readonly store: HeaderStore
  private hashes = new Uint8Array(32 * 1024)
  private timestamps = new Float64Array(1024)
  private bitsArr = new Uint32Array(1024)
  private length = 0
  private table: HeightTable
  /** Cumulative work at every 256th height (index = height / 256). */
  private workCheckpoints: bigint[] = []
  private tipWork = 0n
  /** The difficulty window ending at the tip, advanced in place by `push`. */
  private tipWindow: MutableWindow = emptyWindow()
  /**
   * How many of the tip's last timestamps rise in order (each at least the one before), up to 10: at 10, the
   * tip's median-time-past is the timestamp 5 below it, with nothing to sort.
   */
  private sortedTail = 0
  /** The hash `acceptHeader` last appended, while it is the tip (a batch's next header follows it). */
  private lastAppended: Uint8Array | undefined
  private readonly side = new Map<string, SideEntry>()
  private readonly invalid: LruMap<string, ChainErrorCode>
  private readonly votes: VoteTracker | undefined
  private finalHeight = 0
  private finalVotes: ConsensusVoteData[] = []
  private readonly serial = new SerialQueue()
  private seq = 0
  /** Median-time-past's timestamps, gathered per header without an array of its own. */
  private readonly mtpScratch = new Float64Array(MEDIAN_TIME_SPAN)
  /** What `checkHeaderContext` is given, filled in per header (no object per header). */
  private readonly context: HeaderContext = {
    parentHash: new Uint8Array(32),
    parentHeight: 0,
    medianTimePast: 0,
    expectedBits: 0,
    now: 0,
  }

  constructor(parts: {
    clock: Clock
    verifier: SignatureVerifier
    network: Network
    db: ChainDatabase
    limits: HeaderChainLimits
  }) {
    super()
    this.network = parts.network
    this.clock = parts.clock
    this.verifier = parts.verifier
    this.limits = parts.limits
    this.store = new HeaderStore(parts.db)
    this.table = new HeightTable(() => this.hashes)
    this.invalid = new LruMap(parts.limits.invalidCacheSize)
    const v = parts.network.validators
    this.votes = v === undefined ? undefined : new VoteTracker(v, parts.limits.maxVoteHeights)
  }

  // ---------------------------------------------------------------- storage of the main chain

  private hashAt(height: number): Uint8Array {
    return this.hashes.subarray(height * 32, height * 32 + 32)
  }

  /** True when `hash` is the tip's (compared in place in the hash array). */
  private isTip(hash: Uint8Array): boolean {
    if (!(hash instanceof Uint8Array) || hash.length !== 32) return false
    const at = (this.length - 1) * 32
    const hashes = this.hashes
    for (let i = 31; i >= 0; i--) if (hashes[at + i] !== hash[i]) return false
    return true
  }

  /** Makes room for `more` headers on top of the main chain: arrays and table grow once, not while appending. */
  private reserve(more: number): void {
    const need = this.length + more
    let size = this.timestamps.length
    while (size < need) size *= 2
    if (size !== this.timestamps.length) {
      this.hashes = grown(this.hashes, size * 32)
      this.timestamps = grown(this.timestamps, size)
      this.bitsArr = grown(this.bitsArr, size)
    }
    this.table.reserve(more)
  }

  private push(hash: Uint8Array, header: BlockHeader): void {
    const h = this.length
    if (h === this.timestamps.length) this.reserve(1)
    this.hashes.set(hash, h * 32)
    this.timestamps[h] = header.timestamp
    this.bitsArr[h] = header.bits
    this.length++
    this.table.set(hash, h)
    this.tipWork += workFromBits(header.bits)
    if (h % 256 === 0) this.workCheckpoints[h / 256] = this.tipWork
    this.sortedTail =
      h > 0 && header.timestamp >= (this.timestamps[h - 1] as number)
        ? Math.min(this.sortedTail + 1, MEDIAN_TIME_SPAN - 1)
        : 0
    if (h > 0) {
      const n = this.network.difficultyWindow
      const full = h > n
      advanceWindowInto(
        this.tipWindow,
        this.tipWindow,
        n,
        this.solveTimeAt(h),
        decodeBits(header.bits).target,
        full ? this.solveTimeAt(h - n) : 0,
        full ? decodeBits(this.bitsArr[h - n] as number).target : undefined,
      )
    }
  }

  /** Truncates the main chain to `height` (inclusive). */
  private truncate(height: number): void {
    for (let h = this.length - 1; h > height; h--) this.table.delete(this.hashAt(h))
    const window = height === this.length - 1 ? this.tipWindow : this.foldWindow(height)
    this.length = height + 1
    this.workCheckpoints.length = Math.floor(height / 256) + 1
    this.tipWork = this.workAt(height)
    this.tipWindow = window
    this.lastAppended = undefined
    this.sortedTail = 0
    for (let h = height; h > 0 && this.sortedTail < MEDIAN_TIME_SPAN - 1; h--) {
      if ((this.timestamps[h] as number) < (this.timestamps[h - 1] as number)) break
      this.sortedTail++
    }
  }

  /** The LWMA solve time of main height `height` (>= 1). */
  private solveTimeAt(height: number): number {
    return solveTime(
      this.timestamps[height] as number,
      this.timestamps[height - 1] as number,
      this.network.targetBlockTimeMs,
    )
  }

  private stepAt(height: number): { solveTime: number; target: bigint } {
    return { solveTime: this.solveTimeAt(height), target: decodeBits(this.bitsArr[height] as number).target }
  }

  /** Cumulative work of the main chain up to `height`: the checkpoint below plus at most 255 headers. */
  private workAt(height: number): bigint {
    const c = Math.floor(height / 256)
    let work = this.workCheckpoints[c] as bigint
    for (let h = c * 256 + 1; h <= height; h++)
      work += workFromTarget(decodeBits(this.bitsArr[h] as number).target)
    return work
  }

  /** The difficulty window ending at main height `height` (folded from its N blocks). */
  private windowAt(height: number): DifficultyWindow {
    return height === this.length - 1 ? this.tipWindow : this.foldWindow(height)
  }

  /** A new window ending at main height `height`, folded from its N blocks. */
  private foldWindow(height: number): MutableWindow {
    const n = this.network.difficultyWindow
    const w = emptyWindow()
    for (let h = Math.max(1, height - n + 1); h <= height; h++) {
      advanceWindowInto(
        w,
        w,
        n,
        this.solveTimeAt(h),
        decodeBits(this.bitsArr[h] as number).target,
        0,
        undefined,
      )
    }
    return w
  }

  // ---------------------------------------------------------------- life cycle

  /** Opens the store (writing the genesis on first use) and loads the best chain. */
  async start(): Promise<void> {
    if (this.serial.started) return
    const created = await this.store.open(this.network.genesisHash)
    this.length = 0
    this.tipWork = 0n
    this.tipWindow = emptyWindow()
    this.lastAppended = undefined
    this.sortedTail = 0
    this.workCheckpoints = []
    this.table = new HeightTable(() => this.hashes)
    this.push(this.network.genesisHash, this.network.genesis.header)
    if (created === 'created') {
      await this.store.write({ put: [], tip: 0 })
    } else {
      let expect = 1
      for await (const header of this.store.headers()) {
        if (header.height !== expect++ || !equalBytes(header.prevHash, this.hashAt(header.height - 1))) {
          throw new ChainError('ERR_STORE_CORRUPT', 'stored headers do not link')
        }
        this.push(headerHash(header), header)
      }
      if ((await this.store.tipHeight()) !== this.length - 1)
        throw new ChainError('ERR_STORE_CORRUPT', 'stored tip height differs')
      const final = await this.store.finality()
      if (final !== undefined) {
        this.finalHeight = final.height
        this.finalVotes = final.votes
        this.votes?.pruneThrough(final.height)
      }
    }
    this.serial.started = true
  }

  /** Waits for the running operation and closes the store. */
  async stop(): Promise<void> {
    if (!this.serial.started) return
    this.serial.started = false
    await this.serial.idle()
    await this.store.close()
  }

  // ---------------------------------------------------------------- queries

  tip(): ChainTip {
    return { hash: this.hashAt(this.length - 1).slice(), height: this.length - 1, work: this.tipWork }
  }

  get minimumChainWork(): bigint {
    return this.network.minimumChainWork
  }

  /** The best header: for a header-only chain, its tip. */
  bestHeader(): ChainTip {
    return this.tip()
  }

  /**
   * A block locator (at most 101 hashes, newest first) from `from` (a header of the best chain or of a fork)
   * back, or from the tip when `from` is absent or unknown.
   */
  locator(from?: Uint8Array): Uint8Array[] {
    const height = from === undefined ? undefined : this.table.get(from)
    const side = from === undefined || height !== undefined ? undefined : this.side.get(toHex(from))
    if (side === undefined) return buildLocator(height ?? this.length - 1, (h) => this.hashAt(h).slice())
    const onBranch = new Map<number, Uint8Array>()
    for (let e: SideEntry | undefined = side; e !== undefined; e = e.parent) onBranch.set(e.height, e.hash)
    return buildLocator(side.height, (h) => (onBranch.get(h) ?? this.hashAt(h)).slice())
  }

  /** The hash and cumulative work of a header of the best chain or of a fork, or undefined. */
  headerPoint(hash: Uint8Array): ChainTip | undefined {
    const height = this.table.get(hash)
    if (height !== undefined) return { hash: this.hashAt(height).slice(), height, work: this.workAt(height) }
    const side = this.side.size > 0 ? this.side.get(toHex(hash)) : undefined
    return side === undefined ? undefined : { hash: side.hash, height: side.height, work: side.work }
  }

  /** The hash of a header: double SHA-256 of its 96 canonical bytes. */
  headerHash(header: BlockHeader): Uint8Array {
    return headerHash(header)
  }

  /** Checks a header against its parent alone, storing nothing (see `checkHeaderLink`). */
  checkHeaderLink(
    header: BlockHeader,
    parent: { hash: Uint8Array; height: number },
    hash?: Uint8Array,
  ): HeaderLinkResult {
    return checkHeaderLink(header, parent, this.network, hash)
  }

  /** True for a header on the best chain or a known fork. */
  hasHeader(hash: Uint8Array): boolean {
    return this.table.get(hash) !== undefined || this.side.has(toHex(hash))
  }

  /** The height of a header of the best chain. */
  heightOf(hash: Uint8Array): number | undefined {
    return this.table.get(hash)
  }

  /** The hash at `height` on the best chain. */
  headerHashAt(height: number): Uint8Array | undefined {
    return height >= 0 && height < this.length ? this.hashAt(height).slice() : undefined
  }

  /** The full header at `height` on the best chain (read from the store). */
  async getHeader(height: number): Promise<BlockHeader | undefined> {
    if (height === 0) return this.network.genesis.header
    if (height < 0 || height >= this.length) return undefined
    return this.store.header(height)
  }

  /** The last final height (0 when nothing has been finalised) and the precommits that proved it. */
  finalized(): { height: number; hash: Uint8Array; votes: ConsensusVoteData[] } {
    return { height: this.finalHeight, hash: this.hashAt(this.finalHeight).slice(), votes: this.finalVotes }
  }

  /**
   * True when the proof shows `txHash` in a block of the best chain, at least `minConfirmations` deep
   * (1: in the tip), or at or below the last final block when `requireFinal` is set.
   */
  verifyProof(
    proof: MerkleProof,
    txHash: Uint8Array,
    options: { minConfirmations?: number; requireFinal?: boolean } = {},
  ): boolean {
    const height = this.table.get(headerHash(proof.header))
    if (height === undefined || !verifyMerkleProof(proof, txHash)) return false
    if (options.requireFinal === true && height > this.finalHeight) return false
    return this.length - height >= (options.minConfirmations ?? 1)
  }

  /** Bytes held in memory for the best chain's headers (arrays at their used length, table, checkpoints). */
  memoryBytes(): { perHeader: number; total: number; headers: number } {
    const n = this.length
    const total = n * (32 + 8 + 4) + this.table.byteLength + this.workCheckpoints.length * 48
    return { perHeader: total / n, total, headers: n }
  }

  // ---------------------------------------------------------------- headers

  /** Validates headers in order and extends or reorganises the best chain; stops at the first failure. */
  acceptHeaders(headers: readonly BlockHeader[]): Promise<AcceptHeadersResult> {
    return this.serial.run(async () => {
      const now = this.clock.now()
      // Room for one message's worth at most: a longer array grows the chain only as its headers pass.
      this.reserve(Math.min(headers.length, LIMITS.maxHeadersPerMessage))
      const appended: HeaderRun = { from: this.length, bytes: [] }
      const startTip = this.hashAt(this.length - 1).slice()
      const result = await acceptHeaderBatch(headers, (header, prev) =>
        this.acceptHeader(header, prev, now, appended),
      )
      if (appended.bytes.length > 0) await this.store.write({ put: [], run: appended, tip: this.length - 1 })
      // A new tip (extended, or reached by a reorg whose records `reorgTo` wrote): one `tip` per batch.
      if (!equalBytes(startTip, this.hashAt(this.length - 1))) {
        this.emit('tip', this.tip())
        await this.applyQuorums()
      }
      return result
    })
  }

  /** Checks one header and adds it; a promise only when it makes a fork lead (a reorg reads the store). */
  private acceptHeader(
    header: BlockHeader,
    prev: Uint8Array | undefined,
    now: number,
    appended: HeaderRun,
  ): Uint8Array | Promise<Uint8Array> {
    let bytes: Uint8Array
    let hash: Uint8Array
    try {
      bytes = headerBytes(header)
      hash = sha256d(bytes)
    } catch {
      fail('ERR_BAD_BITS', 'malformed header fields')
    }
    // A child of the tip (every header of a sync but the first) is not on the main chain yet and has a known
    // parent: no hash-table lookup for either. After the batch's first header, the previous one is the tip
    // when it was appended (the batch checked that `prevHash` is its hash).
    const tipChild = (prev !== undefined && prev === this.lastAppended) || this.isTip(header.prevHash)
    if (!tipChild && this.table.get(hash) !== undefined) return hash
    // Hex keys only when there is a fork or an invalid hash to look up (the common case has neither).
    const key = this.side.size > 0 || this.invalid.size > 0 ? toHex(hash) : undefined
    if (key !== undefined) {
      if (this.side.has(key)) return hash
      const known = this.invalid.get(key)
      if (known !== undefined) fail(known, 'known invalid header')
    }
    try {
      checkHeader(header, this.network, hash)
      const parent: Parent = tipChild ? this.length - 1 : this.parentOf(header)
      const parentHeight = typeof parent === 'number' ? parent : parent.height
      if (header.height <= this.finalHeight || this.mainForkHeight(parent) < this.finalHeight) {
        fail('ERR_FORK_BELOW_FINAL', 'the header forks at or below the last final block')
      }
      const window = typeof parent === 'number' ? this.windowAt(parent) : parent.window
      const bits = nextBits(window, this.network)
      const ctx = this.context
      ctx.parentHash = header.prevHash
      ctx.parentHeight = parentHeight
      ctx.medianTimePast = this.medianTimePast(parent)
      ctx.expectedBits = bits === undefined ? this.network.genesis.header.bits : bits
      ctx.now = now
      checkHeaderContext(header, ctx, this.network)
      if (parent === this.length - 1) {
        this.push(hash, header)
        this.lastAppended = hash
        if (appended.bytes.length === 0) appended.from = header.height
        appended.bytes.push(bytes)
        return hash
      }
      const side = this.addSide(header, hash, parent, window)
      return side.work > this.tipWork ? this.reorgTo(side, appended).then(() => hash) : hash
    } catch (err) {
      const code = codeOf(err)
      if (marksBlockInvalid(code)) {
        this.invalid.set(key ?? toHex(hash), code)
        this.emit('header:invalid', { hash, height: header.height, code })
      }
      throw err
    }
  }

  private parentOf(header: BlockHeader): Parent {
    const main = this.table.get(header.prevHash)
    if (main !== undefined) return main
    const key = this.side.size > 0 || this.invalid.size > 0 ? toHex(header.prevHash) : undefined
    const side = key === undefined ? undefined : this.side.get(key)
    if (side !== undefined) return side
    if (key !== undefined && this.invalid.has(key)) fail('ERR_INVALID_PARENT', 'parent is invalid')
    return fail('ERR_UNKNOWN_PARENT', 'unknown parent')
  }

  /** The height where a parent's branch meets the main chain. */
  private mainForkHeight(parent: Parent): number {
    if (typeof parent === 'number') return parent
    let e = parent
    while (e.parent !== undefined) e = e.parent
    return e.height - 1
  }

  private medianTimePast(parent: Parent): number {
    // The tip's last 11 timestamps in order (the usual case): the median is the middle one.
    if (parent === this.length - 1 && this.sortedTail === MEDIAN_TIME_SPAN - 1) {
      return this.timestamps[parent - (MEDIAN_TIME_SPAN >> 1)] as number
    }
    const ts = this.mtpScratch
    let n = 0
    let h = typeof parent === 'number' ? parent : -1
    const first = entryParent(parent)
    for (let e = first; e !== undefined && n < MEDIAN_TIME_SPAN; e = e.parent) {
      ts[n++] = e.header.timestamp
      h = e.height - 1
    }
    for (; h >= 0 && n < MEDIAN_TIME_SPAN; h--) ts[n++] = this.timestamps[h] as number
    return medianInPlace(ts, n)
  }

  private addSide(
    header: BlockHeader,
    hash: Uint8Array,
    parent: Parent,
    parentWindow: DifficultyWindow,
  ): SideEntry {
    const target = decodeBits(header.bits).target
    const parentWork = typeof parent === 'number' ? this.workAt(parent) : parent.work
    const parentTs =
      typeof parent === 'number' ? (this.timestamps[parent] as number) : parent.header.timestamp
    const work = parentWork + workFromTarget(target)
    if (this.side.size >= this.limits.maxForkHeaders && work <= this.tipWork) {
      fail('ERR_TOO_MANY_FORKS', 'fork header limit reached')
    }
    const n = this.network.difficultyWindow
    const st = solveTime(header.timestamp, parentTs, this.network.targetBlockTimeMs)
    const entry: SideEntry = {
      header,
      hash,
      key: toHex(hash),
      height: header.height,
      work,
      target,
      solveTime: st,
      window: advanceWindow(
        parentWindow,
        n,
        { solveTime: st, target },
        parentWindow.count >= n ? this.sideStep(entryParent(parent), header.height - n) : undefined,
      ),
      parent: entryParent(parent),
      seq: this.seq++,
    }
    this.side.set(entry.key, entry)
    return entry
  }

  /** The LWMA step of the ancestor at `height` of a side branch whose newest entry is `e` (or of the main chain). */
  private sideStep(e: SideEntry | undefined, height: number): { solveTime: number; target: bigint } {
    for (let cur = e; cur !== undefined; cur = cur.parent) {
      if (cur.height === height) return { solveTime: cur.solveTime, target: cur.target }
    }
    return this.stepAt(height)
  }

  /** Makes a side entry the tip: the old main headers above the fork become side entries. */
  private async reorgTo(entry: SideEntry, appended: HeaderRun | undefined): Promise<void> {
    const path: SideEntry[] = []
    for (let e: SideEntry | undefined = entry; e !== undefined; e = e.parent) path.push(e)
    path.reverse()
    const fork = (path[0] as SideEntry).height - 1
    const oldTip = this.length - 1
    // Flush what this batch appended so far, then read the headers that leave the main chain.
    if (appended !== undefined && appended.bytes.length > 0) {
      await this.store.write({
        put: [],
        run: { from: appended.from, bytes: appended.bytes.splice(0) },
        tip: oldTip,
      })
    }
    const removed: BlockHeader[] = []
    for (let h = fork + 1; h <= oldTip; h++) removed.push((await this.store.header(h)) as BlockHeader)
    const removedHashes = removed.map((_, i) => this.hashAt(fork + 1 + i).slice())
    this.truncate(fork)
    for (const e of path) {
      this.side.delete(e.key)
      this.push(e.hash, e.header)
    }
    await this.store.write({
      put: path.map((e) => ({ height: e.height, header: e.header })),
      deleteFrom: oldTip > entry.height ? { from: entry.height + 1, to: oldTip } : undefined,
      tip: entry.height,
    })
    // Keep the abandoned branch as side entries while there is room (it may lead again).
    let parent: SideEntry | undefined
    let work = this.workAt(fork)
    let window = this.windowAt(fork)
    for (const [i, header] of removed.entries()) {
      if (this.side.size >= this.limits.maxForkHeaders) break
      const target = decodeBits(header.bits).target
      const prevTs = i === 0 ? (this.timestamps[fork] as number) : (removed[i - 1] as BlockHeader).timestamp
      const st = solveTime(header.timestamp, prevTs, this.network.targetBlockTimeMs)
      const n = this.network.difficultyWindow
      work += workFromTarget(target)
      window = advanceWindow(
        window,
        n,
        { solveTime: st, target },
        window.count >= n ? this.sideStep(parent, header.height - n) : undefined,
      )
      const e: SideEntry = {
        header,
        hash: removedHashes[i] as Uint8Array,
        key: toHex(removedHashes[i] as Uint8Array),
        height: header.height,
        work,
        window,
        solveTime: st,
        target,
        parent,
        seq: this.seq++,
      }
      this.side.set(e.key, e)
      parent = e
    }
    this.emit('reorg', {
      depth: removed.length,
      fork: { hash: this.hashAt(fork).slice(), height: fork },
      removed: removedHashes.reverse(),
      added: path.map((e) => e.hash),
    })
  }

  // ---------------------------------------------------------------- finality

  /** Counts a validator's precommit (see `FullChain.acceptVote`). */
  acceptVote(vote: ConsensusVoteData): Promise<AcceptVoteResult> {
    return this.serial.run(() =>
      acceptVoteWith(vote, {
        votes: this.votes,
        verifier: this.verifier,
        networkId: this.network.id,
        finalHeight: () => this.finalHeight,
        bestHeight: this.length - 1,
        maxVoteHeights: this.limits.maxVoteHeights,
        onEquivocation: (e) => this.emit('equivocation', e),
        applyQuorums: () => this.applyQuorums(),
      }),
    )
  }

  private async applyQuorums(): Promise<void> {
    const votes = this.votes
    if (votes === undefined) return
    for (const q of votes.quorums().reverse()) {
      if (q.height <= this.finalHeight) break
      let height = this.table.get(q.blockHash)
      if (height === undefined) {
        const side = this.side.get(toHex(q.blockHash))
        if (side === undefined || side.height !== q.height) continue
        await this.reorgTo(side, undefined)
        height = this.table.get(q.blockHash)
      }
      if (height !== q.height) continue
      this.finalHeight = height
      this.finalVotes = q.votes
      await this.store.putFinality(height, q.votes)
      votes.pruneThrough(height)
      for (const [k, e] of this.side) if (this.mainForkHeight(e) < height) this.side.delete(k)
      this.emit('finalized', { hash: q.blockHash, height })
      return
    }
  }
}

/** A copy of `a` with room for `n` elements. */
function grown<A extends Uint8Array | Float64Array | Uint32Array>(a: A, n: number): A {
  const b = new (a.constructor as new (n: number) => A)(n)
  b.set(a)
  return b
}

function entryParent(parent: Parent): SideEntry | undefined {
  return typeof parent === 'number' ? undefined : parent
}

import type { BlockHeader } from '@chainwire/protocol-codec'
import { toHex } from '../bytes'
import { decodeBits, workFromBits, workFromTarget } from '../header/compact'
import {
  advanceWindow,
  type DifficultyWindow,
  EMPTY_WINDOW,
  MEDIAN_TIME_SPAN,
  medianTimePast,
  nextBits,
  solveTime,
} from '../header/difficulty'
import type { Network } from '../network/network'

/** One header in the block tree, with what validation and fork choice derive from its ancestry. */
export interface BlockEntry {
  readonly hash: Uint8Array
  /** Hex of `hash`: the key of the index. */
  readonly key: string
  readonly header: BlockHeader
  readonly height: number
  readonly parent: BlockEntry | undefined
  /** Cumulative chain work up to and including this block. */
  readonly work: bigint
  /** Its own target, decoded from `bits`. */
  readonly target: bigint
  /** Its LWMA solve time (0 for genesis). */
  readonly solveTime: number
  /** The difficulty window ending at this block. */
  readonly window: DifficultyWindow
  /** Arrival order, the tie-break between branches of equal work (first seen wins). */
  readonly seq: number
  /** `HeaderFlags` of the store. */
  flags: number
  /** Cached bits a child must have. */
  childBits?: number
}

/**
 * The block tree of a full chain: every header known (in memory, like Bitcoin Core's block index), the
 * active chain by height, and the header contexts validation needs (median-time-past, the retarget).
 */
export class BlockIndex {
  readonly entries = new Map<string, BlockEntry>()
  /** The active chain: `main[h]` is the connected block at height h; the last is the tip. */
  readonly main: BlockEntry[] = []
  /** The header with the most work (it may be ahead of the tip while bodies download). */
  bestHeader: BlockEntry
  /** The best header chain by height, in step with `bestHeader` after `syncBest()`. */
  private readonly bestChain: BlockEntry[] = []
  private bestSynced: BlockEntry | undefined
  private seq = 0

  constructor(
    readonly network: Network,
    genesisFlags: number,
  ) {
    const g = network.genesis.header
    const target = decodeBits(g.bits).target
    const genesis: BlockEntry = {
      hash: network.genesisHash,
      key: toHex(network.genesisHash),
      header: g,
      height: 0,
      parent: undefined,
      work: workFromTarget(target),
      target,
      solveTime: 0,
      window: EMPTY_WINDOW,
      seq: this.seq++,
      flags: genesisFlags,
    }
    this.entries.set(genesis.key, genesis)
    this.main.push(genesis)
    this.bestHeader = genesis
  }

  /** The header at `height` on the best header chain (O(1) once the chain is in step with `bestHeader`). */
  bestAt(height: number): BlockEntry | undefined {
    this.syncBest()
    return height >= 0 ? this.bestChain[height] : undefined
  }

  /** Brings the by-height array of the best header chain in step with `bestHeader` (walks only what changed). */
  private syncBest(): void {
    const best = this.bestHeader
    if (this.bestSynced === best) return
    const chain = this.bestChain
    const path: BlockEntry[] = []
    for (let e: BlockEntry | undefined = best; e !== undefined && chain[e.height] !== e; e = e.parent) {
      path.push(e)
    }
    chain.length = best.height + 1
    for (const e of path) chain[e.height] = e
    this.bestSynced = best
  }

  get genesis(): BlockEntry {
    return this.main[0] as BlockEntry
  }

  get tip(): BlockEntry {
    return this.main[this.main.length - 1] as BlockEntry
  }

  get(hash: Uint8Array | string): BlockEntry | undefined {
    return this.entries.get(typeof hash === 'string' ? hash : toHex(hash))
  }

  isOnMain(e: BlockEntry): boolean {
    return this.main[e.height] === e
  }

  /** The ancestor of `e` at `height` (O(1) once the walk reaches the active chain or the best header chain). */
  ancestor(e: BlockEntry, height: number): BlockEntry | undefined {
    if (height > e.height || height < 0) return undefined
    this.syncBest()
    let cur: BlockEntry | undefined = e
    while (cur !== undefined && cur.height > height) {
      if (this.main[cur.height] === cur) return this.main[height]
      if (this.bestChain[cur.height] === cur) return this.bestChain[height]
      cur = cur.parent
    }
    return cur
  }

  /** The last common ancestor of two entries. */
  fork(a: BlockEntry, b: BlockEntry): BlockEntry {
    const h = Math.min(a.height, b.height)
    let x = this.ancestor(a, h) as BlockEntry
    let y = this.ancestor(b, h) as BlockEntry
    while (x !== y) {
      x = x.parent as BlockEntry
      y = y.parent as BlockEntry
    }
    return x
  }

  /** Median-time-past of the chain ending at `e`. */
  medianTimePast(e: BlockEntry): number {
    const ts: number[] = []
    for (
      let cur: BlockEntry | undefined = e;
      cur !== undefined && ts.length < MEDIAN_TIME_SPAN;
      cur = cur.parent
    ) {
      ts.push(cur.header.timestamp)
    }
    return medianTimePast(ts)
  }

  /** The bits a child of `parent` must carry (LWMA, or the genesis bits for the genesis block's child). */
  expectedBits(parent: BlockEntry): number {
    if (parent.childBits !== undefined) return parent.childBits
    const bits = nextBits(parent.window, this.network)
    parent.childBits = bits === undefined ? this.network.genesis.header.bits : bits
    return parent.childBits
  }

  /** Adds a header already checked against `parent`; computes its work and difficulty window. */
  add(header: BlockHeader, hash: Uint8Array, parent: BlockEntry, flags: number): BlockEntry {
    const target = decodeBits(header.bits).target
    const st = solveTime(header.timestamp, parent.header.timestamp, this.network.targetBlockTimeMs)
    const n = this.network.difficultyWindow
    let dropped: { solveTime: number; target: bigint } | undefined
    if (parent.window.count >= n) {
      const d = this.ancestor(parent, header.height - n) as BlockEntry
      dropped = { solveTime: d.solveTime, target: d.target }
    }
    const entry: BlockEntry = {
      hash,
      key: toHex(hash),
      header,
      height: header.height,
      parent,
      work: parent.work + workFromBits(header.bits),
      target,
      solveTime: st,
      window: advanceWindow(parent.window, n, { solveTime: st, target }, dropped),
      seq: this.seq++,
      flags,
    }
    this.entries.set(entry.key, entry)
    if (entry.work > this.bestHeader.work) this.bestHeader = entry
    return entry
  }

  /** Headers off the best header chain (what `maxForkHeaders` bounds). */
  get forkHeaderCount(): number {
    return this.entries.size - (this.bestHeader.height + 1)
  }

  /** True when `a` is `b` or an ancestor of it. */
  isAncestor(a: BlockEntry, b: BlockEntry): boolean {
    return this.ancestor(b, a.height) === a
  }
}

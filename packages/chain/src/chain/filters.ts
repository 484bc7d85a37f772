import type { Block } from '@chainwire/protocol-codec'
import { ZERO_HASH } from '../bytes'
import { ChainError } from '../errors'
import { blockFilter, FILTER_CHECKPOINT_INTERVAL, filterHash, filterHeader } from '../filter/block-filter'
import { ChainBatch, type ChainStore, type StoredFilter } from '../store/store'
import type { BlockEntry } from './block-index'

/** The stored filter record of `block` whose parent's filter header is `previousHeader`. */
export function filterRecord(block: Block, blockHash: Uint8Array, previousHeader: Uint8Array): StoredFilter {
  const filter = blockFilter(block, blockHash)
  const hash = filterHash(filter)
  return { header: filterHeader(hash, previousHeader), hash, filter }
}

/** The filter record of the genesis block (its previous filter header is 32 zero bytes). */
export function genesisFilterRecord(genesis: Block, genesisHash: Uint8Array): StoredFilter {
  return filterRecord(genesis, genesisHash, ZERO_HASH)
}

/** A contiguous run of the active chain, as BIP 157 requests name it: a start height and a stop hash. */
export interface FilterRange {
  readonly entries: readonly BlockEntry[]
}

/**
 * The block filter index of a full chain (BIP 157/158's basic filters): each connected block's filter and
 * filter header are written in the batch that connects it, keyed by block hash, so a reorg leaves nothing
 * stale. A store written before filters existed is backfilled on first use from the stored bodies.
 */
export class FilterIndex {
  constructor(
    private readonly store: ChainStore,
    private readonly bodyOf: (entry: BlockEntry) => Promise<Block>,
  ) {}

  /** The filter record of a connected block, computing (and storing) missing ones from the ancestors down. */
  async recordOf(entry: BlockEntry): Promise<StoredFilter> {
    const known = await this.store.getFilter(entry.hash)
    if (known !== undefined) return known
    const missing: BlockEntry[] = []
    let base: StoredFilter | undefined
    for (let e: BlockEntry | undefined = entry; e !== undefined; e = e.parent) {
      base = await this.store.getFilter(e.hash)
      if (base !== undefined) break
      missing.push(e)
    }
    let previous = base?.header ?? ZERO_HASH
    let record: StoredFilter | undefined
    const batch = new ChainBatch()
    for (const e of missing.reverse()) {
      record = filterRecord(await this.bodyOf(e), e.hash, previous)
      batch.putFilter(e.hash, record)
      previous = record.header
    }
    await this.store.write(batch)
    if (record === undefined) throw new ChainError('ERR_STORE_CORRUPT', 'filter record missing')
    return record
  }

  /**
   * The filter headers' inputs for `getcfheaders`: the header before `range` and the filter hash of each
   * block in it.
   */
  async headers(range: FilterRange): Promise<{ previousHeader: Uint8Array; hashes: Uint8Array[] }> {
    const first = range.entries[0] as BlockEntry
    const previousHeader = first.parent === undefined ? ZERO_HASH : (await this.recordOf(first.parent)).header
    const hashes: Uint8Array[] = []
    for (const e of range.entries) hashes.push((await this.recordOf(e)).hash)
    return { previousHeader, hashes }
  }

  /** The filters of the blocks of `range`, for `getcfilters`. */
  async filters(range: FilterRange): Promise<{ blockHash: Uint8Array; filter: Uint8Array }[]> {
    const out: { blockHash: Uint8Array; filter: Uint8Array }[] = []
    for (const e of range.entries) out.push({ blockHash: e.hash, filter: (await this.recordOf(e)).filter })
    return out
  }

  /** The filter headers at every `FILTER_CHECKPOINT_INTERVAL`-th height of `main` up to `stop`. */
  async checkpoints(main: readonly BlockEntry[], stop: BlockEntry): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for (let h = FILTER_CHECKPOINT_INTERVAL; h <= stop.height; h += FILTER_CHECKPOINT_INTERVAL) {
      out.push((await this.recordOf(main[h] as BlockEntry)).header)
    }
    return out
  }
}

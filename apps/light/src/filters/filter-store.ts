import { equalBytes, type HeaderChain } from '@chainwire/chain'
import type { LightDatabase } from '../types'

const ENC = { keyEncoding: 'view', valueEncoding: 'view' } as const
const P_FILTER_HEADER = 0x66 // 'f' + height u32 BE -> block hash (32) + filter header (32)
const SCANNED = Uint8Array.of(0x73, 0x63) // 'sc' -> height (JSON)
const KEYS = Uint8Array.of(0x73, 0x6b) // 'sk' -> watched keys (JSON: [{ key, fromHeight }])

function heightKey(height: number): Uint8Array {
  const k = new Uint8Array(5)
  k[0] = P_FILTER_HEADER
  new DataView(k.buffer).setUint32(1, height)
  return k
}

/** A watched key as stored. */
export interface StoredWatch {
  readonly key: string
  readonly fromHeight: number
}

/**
 * The verified filter headers of the best chain (one record per height, with the block hash it belongs to,
 * so a restart after a reorg keeps only the headers still on the best chain), the watched keys and how far
 * their filters were scanned. Only the newest filter header is held in memory.
 */
export class FilterStore {
  /** Heights 0 .. count - 1 have verified filter headers. */
  count = 0
  /** The filter header at count - 1 (32 zero bytes before genesis). */
  last: Uint8Array = new Uint8Array(32)

  constructor(private readonly db: LightDatabase) {}

  /** Loads the contiguous verified filter headers that are still on the chain's best chain. */
  async load(chain: HeaderChain): Promise<void> {
    this.count = 0
    this.last = new Uint8Array(32)
    const it = this.db.iterator({ gte: heightKey(0), lt: Uint8Array.of(P_FILTER_HEADER + 1), ...ENC })
    for await (const [k, v] of it as AsyncIterable<[Uint8Array, Uint8Array]>) {
      const height = new DataView(k.buffer, k.byteOffset).getUint32(1)
      const hash = chain.headerHashAt(height)
      if (height !== this.count || hash === undefined || !equalBytes(hash, v.subarray(0, 32))) break
      this.count++
      this.last = new Uint8Array(v.subarray(32, 64))
    }
  }

  /** The filter header at `height` (32 zero bytes at -1), or undefined when not verified. */
  async header(height: number): Promise<Uint8Array | undefined> {
    if (height < 0) return new Uint8Array(32)
    if (height >= this.count) return undefined
    if (height === this.count - 1) return this.last
    const v = (await this.db.get(heightKey(height), ENC)) as Uint8Array | undefined
    return v === undefined ? undefined : new Uint8Array(v.subarray(32, 64))
  }

  /** Appends verified filter headers from `count` on. */
  async append(entries: readonly { blockHash: Uint8Array; header: Uint8Array }[]): Promise<void> {
    const ops = entries.map((e, i) => {
      const v = new Uint8Array(64)
      v.set(e.blockHash)
      v.set(e.header, 32)
      return { type: 'put' as const, key: heightKey(this.count + i), value: v }
    })
    await this.db.batch(ops, ENC)
    this.count += entries.length
    const lastEntry = entries[entries.length - 1]
    if (lastEntry !== undefined) this.last = lastEntry.header
  }

  /** Forgets the filter headers above `height` (a reorg forked there). */
  async truncate(height: number): Promise<void> {
    if (this.count <= height + 1) return
    const last = await this.header(height)
    this.count = height + 1
    this.last = last ?? new Uint8Array(32)
  }

  async scanned(): Promise<number> {
    const v = (await this.db.get(SCANNED, ENC)) as Uint8Array | undefined
    return v === undefined ? -1 : Number(new TextDecoder().decode(v))
  }

  async setScanned(height: number): Promise<void> {
    await this.db.put(SCANNED, new TextEncoder().encode(String(height)), ENC)
  }

  async watches(): Promise<StoredWatch[]> {
    const v = (await this.db.get(KEYS, ENC)) as Uint8Array | undefined
    return v === undefined ? [] : (JSON.parse(new TextDecoder().decode(v)) as StoredWatch[])
  }

  async setWatches(list: readonly StoredWatch[]): Promise<void> {
    await this.db.put(KEYS, new TextEncoder().encode(JSON.stringify(list)), ENC)
  }
}

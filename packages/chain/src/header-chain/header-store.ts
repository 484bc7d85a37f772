import type { BlockHeader, ConsensusVoteData } from '@chainwire/protocol-codec'
import { ByteReader, ByteWriter } from '../bytes'
import { ChainError } from '../errors'
import { HEADER_BYTES, headerBytes, headerFromBytes } from '../header/header'
import { ENC, openFormat, readVotes, writeVotes } from '../store/format'
import type { ChainDatabase } from '../store/store'

/**
 * The header-only chain's records: one key per height of the best header chain, holding the 96 canonical
 * header bytes (9-byte key + 96-byte value per header), the tip height and the last final block. Format and
 * genesis are checked as the full chain's store does.
 */

const META = Uint8Array.from([0x00, ...new TextEncoder().encode('chainwire-headers')])
const TIP = Uint8Array.of(0x54)
const FINAL = Uint8Array.of(0x46)
const P_HEADER = 0x68

/** The header store format this version writes. */
export const HEADER_STORE_FORMAT_VERSION = 1

function heightKey(height: number): Uint8Array {
  const k = new Uint8Array(9)
  writeHeightKey(k, 0, height)
  return k
}

/** Writes the 9-byte key of `height` at `at`. */
function writeHeightKey(k: Uint8Array, at: number, height: number): void {
  k[at] = P_HEADER
  const hi = Math.floor(height / 4_294_967_296)
  const lo = height >>> 0
  k[at + 1] = hi >>> 24
  k[at + 2] = hi >>> 16
  k[at + 3] = hi >>> 8
  k[at + 4] = hi
  k[at + 5] = lo >>> 24
  k[at + 6] = lo >>> 16
  k[at + 7] = lo >>> 8
  k[at + 8] = lo
}

/** What `abstract-level` exposes of a sublevel: its global prefix and the root database. */
interface SublevelLike {
  prefix?: unknown
  db?: unknown
}

/**
 * Where batches go. A sublevel forwards each batch to its parent, which checks, clones and encodes every
 * operation a second time and copies every key to prepend the prefix; for a sublevel (of any depth) the
 * store writes its batches on the root database with the sublevel's prefix already in its keys (the same
 * bytes the sublevel would write, so either way reads them back). Reads stay on the given database.
 */
function batchTarget(db: ChainDatabase): { root: ChainDatabase; prefix: Uint8Array } {
  const s = db as SublevelLike
  if (typeof s.prefix === 'string' && s.prefix !== '' && typeof s.db === 'object' && s.db !== db) {
    return { root: s.db as ChainDatabase, prefix: new TextEncoder().encode(s.prefix) }
  }
  return { root: db, prefix: new Uint8Array(0) }
}

/** A header to write at a height; `bytes`, when given, are its canonical bytes (saves encoding it again). */
export interface StoredHeaderRecord {
  height: number
  header: BlockHeader
  bytes?: Uint8Array
}

/** Canonical header bytes for consecutive heights from `from` (what extending the tip appends). */
export interface HeaderRun {
  from: number
  bytes: Uint8Array[]
}

/** What a batch of the header store writes. */
export interface HeaderStoreChange {
  put: StoredHeaderRecord[]
  /** Headers appended above the old tip, written after `put`. */
  run?: HeaderRun
  /** Heights above the new tip to delete (after a reorg to a shorter branch). */
  deleteFrom?: { from: number; to: number }
  tip: number
}

export class HeaderStore {
  private readonly root: ChainDatabase
  private readonly prefix: Uint8Array

  constructor(readonly db: ChainDatabase) {
    const t = batchTarget(db)
    this.root = t.root
    this.prefix = t.prefix
  }

  async open(genesisHash: Uint8Array): Promise<'created' | 'existing'> {
    return openFormat(this.db, META, HEADER_STORE_FORMAT_VERSION, genesisHash)
  }

  async close(): Promise<void> {
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close()
  }

  async tipHeight(): Promise<number | undefined> {
    const v = (await this.db.get(TIP, ENC)) as Uint8Array | undefined
    return v === undefined ? undefined : Number(new ByteReader(v).u64())
  }

  /** Headers from height 1 up, in height order. */
  async *headers(): AsyncGenerator<BlockHeader> {
    for await (const v of this.db.values({
      gt: heightKey(0),
      lt: Uint8Array.of(P_HEADER + 1),
      ...ENC,
    }) as AsyncIterable<Uint8Array>) {
      if (v.length !== HEADER_BYTES)
        throw new ChainError('ERR_STORE_CORRUPT', 'header record of the wrong size')
      yield headerFromBytes(v)
    }
  }

  async header(height: number): Promise<BlockHeader | undefined> {
    const v = (await this.db.get(heightKey(height), ENC)) as Uint8Array | undefined
    return v === undefined ? undefined : headerFromBytes(v)
  }

  /** Writes a change in one atomic batch: one key buffer for the whole batch, values as given. */
  async write(change: HeaderStoreChange): Promise<void> {
    const p = this.prefix
    const keyBytes = p.length + 9
    const dels = change.deleteFrom === undefined ? 0 : change.deleteFrom.to - change.deleteFrom.from + 1
    const run = change.run
    const runLength = run === undefined ? 0 : run.bytes.length
    const keys = new Uint8Array(keyBytes * (change.put.length + runLength + dels + 1))
    let at = 0
    const key = (height: number | undefined): Uint8Array => {
      if (p.length > 0) keys.set(p, at)
      if (height === undefined) keys.set(TIP, at + p.length)
      else writeHeightKey(keys, at + p.length, height)
      const k = new Uint8Array(keys.buffer, at, p.length + (height === undefined ? TIP.length : 9))
      at += keyBytes
      return k
    }
    // biome-ignore lint/suspicious/noExplicitAny: abstract-level batch operations
    const ops: any[] = new Array(change.put.length + runLength)
    for (let i = 0; i < change.put.length; i++) {
      const r = change.put[i] as StoredHeaderRecord
      ops[i] = { type: 'put', key: key(r.height), value: r.bytes ?? headerBytes(r.header) }
    }
    for (let i = 0; i < runLength; i++) {
      const r = run as HeaderRun
      ops[change.put.length + i] = { type: 'put', key: key(r.from + i), value: r.bytes[i] }
    }
    if (change.deleteFrom !== undefined) {
      for (let h = change.deleteFrom.from; h <= change.deleteFrom.to; h++)
        ops.push({ type: 'del', key: key(h) })
    }
    ops.push({ type: 'put', key: key(undefined), value: new ByteWriter(8).u64(change.tip).finish().slice() })
    await this.root.batch(ops, ENC)
  }

  async finality(): Promise<{ height: number; votes: ConsensusVoteData[] } | undefined> {
    const v = (await this.db.get(FINAL, ENC)) as Uint8Array | undefined
    if (v === undefined) return undefined
    try {
      const r = new ByteReader(v)
      const height = Number(r.u64())
      return { height, votes: readVotes(r) }
    } catch (err) {
      throw new ChainError('ERR_STORE_CORRUPT', 'finality record does not parse', { cause: err })
    }
  }

  async putFinality(height: number, votes: readonly ConsensusVoteData[]): Promise<void> {
    await this.db.put(FINAL, writeVotes(new ByteWriter(64).u64(height), votes).finish().slice(), ENC)
  }
}

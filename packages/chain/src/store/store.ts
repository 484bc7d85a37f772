import type { BlockHeader } from '@chainwire/protocol-codec'
import { type Block, type ConsensusVoteData, decode, encode } from '@chainwire/protocol-codec'
import { ByteReader, ByteWriter, toHex } from '../bytes'
import { ChainError } from '../errors'
import { HEADER_BYTES, headerBytes, headerFromBytes } from '../header/header'
import type { Account } from '../state/account'
import type { ChainDatabase } from './database'
import { ENC, openFormat, readVotes, writeVotes } from './format'

/**
 * The chain's records in any `abstract-level` database (classic-level on disk, memory-level in tests),
 * binary keys with a one-byte prefix per record kind. Every change of the chain is one atomic batch, so a
 * crash leaves either the state before a block or after it, never between.
 *
 * | key | value |
 * | --- | --- |
 * | `00` `chainwire-chain` | format version u32, genesis hash |
 * | `48` (H) hash | canonical header (96 bytes) + status flags u8 |
 * | `42` (B) hash | the block as protocol-codec's `new_block` message |
 * | `55` (U) hash | undo data: the previous state of every account the block touched |
 * | `41` (A) public key | balance u64, nonce u64 |
 * | `54` (T) | hash of the tip |
 * | `46` (F) | the last final block: hash, height, and the precommits that finalised it |
 * | `43` (C) hash | the block's basic compact filter: filter header, filter hash, filter bytes |
 */

export type { ChainDatabase } from './database'

/** The format this version writes; a store with a higher one is refused (`ERR_STORE_VERSION`). */
export const STORE_FORMAT_VERSION = 1

const META = Uint8Array.from([0x00, ...new TextEncoder().encode('chainwire-chain')])
const TIP = Uint8Array.of(0x54)
const FINAL = Uint8Array.of(0x46)
const P_HEADER = 0x48
const P_BLOCK = 0x42
const P_UNDO = 0x55
const P_ACCOUNT = 0x41
const P_FILTER = 0x43

function key(prefix: number, id: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + id.length)
  k[0] = prefix
  k.set(id, 1)
  return k
}

/** Status flags of a stored header. */
export const HeaderFlags = Object.freeze({
  /** The block's body is stored (and passed the context-free checks and signatures). */
  HAVE_DATA: 1,
  /** The block failed contextual validation: it and its descendants are invalid. */
  FAILED: 2,
})

/** One header of the index as stored. */
export interface StoredHeader {
  hash: Uint8Array
  header: BlockHeader
  flags: number
}

/** A block's compact filter as stored: its header (chained to the parent's), its hash and its bytes. */
export interface StoredFilter {
  header: Uint8Array
  hash: Uint8Array
  filter: Uint8Array
}

/** One account's state before a block, or `undefined` when the account did not exist. */
export interface UndoEntry {
  key: Uint8Array
  previous: Account | undefined
}

/** The last final block and the precommits that prove it. */
export interface StoredFinality {
  hash: Uint8Array
  height: number
  votes: ConsensusVoteData[]
}

function corrupt(what: string, cause?: unknown): ChainError {
  return new ChainError('ERR_STORE_CORRUPT', `chain store: ${what}`, { cause })
}

/** Encodes an account record. */
export function encodeAccount(a: Account): Uint8Array {
  return new ByteWriter(16).u64(a.balance).u64(a.nonce).finish().slice()
}

function decodeAccount(v: Uint8Array): Account {
  if (v.length !== 16) throw corrupt('account record of the wrong size')
  const r = new ByteReader(v)
  return { balance: r.u64(), nonce: Number(r.u64()) }
}

/** Encodes undo data. */
export function encodeUndo(entries: readonly UndoEntry[]): Uint8Array {
  const w = new ByteWriter(4 + entries.length * 49).u32(entries.length)
  for (const e of entries) {
    w.bytes(e.key)
    if (e.previous === undefined) w.u8(0)
    else w.u8(1).u64(e.previous.balance).u64(e.previous.nonce)
  }
  return w.finish().slice()
}

function decodeUndo(v: Uint8Array): UndoEntry[] {
  try {
    const r = new ByteReader(v)
    const n = r.u32()
    const out: UndoEntry[] = []
    for (let i = 0; i < n; i++) {
      const k = r.bytes(32)
      out.push({ key: k, previous: r.u8() === 1 ? { balance: r.u64(), nonce: Number(r.u64()) } : undefined })
    }
    if (r.remaining !== 0) throw new RangeError('trailing bytes')
    return out
  } catch (err) {
    throw corrupt('undo record does not parse', err)
  }
}

/** A set of changes written in one atomic batch. */
export class ChainBatch {
  // biome-ignore lint/suspicious/noExplicitAny: abstract-level batch operations
  readonly ops: any[] = []

  putHeader(hash: Uint8Array, header: BlockHeader, flags: number): this {
    const v = new Uint8Array(HEADER_BYTES + 1)
    v.set(headerBytes(header))
    v[HEADER_BYTES] = flags
    this.ops.push({ type: 'put', key: key(P_HEADER, hash), value: v })
    return this
  }

  putBlock(hash: Uint8Array, block: Block): this {
    this.ops.push({
      type: 'put',
      key: key(P_BLOCK, hash),
      value: encode({ type: 'new_block', data: { block } }),
    })
    return this
  }

  putUndo(hash: Uint8Array, undo: readonly UndoEntry[]): this {
    this.ops.push({ type: 'put', key: key(P_UNDO, hash), value: encodeUndo(undo) })
    return this
  }

  putAccount(publicKey: Uint8Array, account: Account | undefined): this {
    if (account === undefined) this.ops.push({ type: 'del', key: key(P_ACCOUNT, publicKey) })
    else this.ops.push({ type: 'put', key: key(P_ACCOUNT, publicKey), value: encodeAccount(account) })
    return this
  }

  putFilter(blockHash: Uint8Array, f: StoredFilter): this {
    const v = new Uint8Array(64 + f.filter.length)
    v.set(f.header)
    v.set(f.hash, 32)
    v.set(f.filter, 64)
    this.ops.push({ type: 'put', key: key(P_FILTER, blockHash), value: v })
    return this
  }

  putTip(hash: Uint8Array): this {
    this.ops.push({ type: 'put', key: TIP, value: hash })
    return this
  }

  putFinality(f: StoredFinality): this {
    const w = writeVotes(new ByteWriter(64).bytes(f.hash).u64(f.height), f.votes)
    this.ops.push({ type: 'put', key: FINAL, value: w.finish().slice() })
    return this
  }
}

/** The chain's view of its database. */
export class ChainStore {
  constructor(readonly db: ChainDatabase) {}

  /**
   * Opens the database and checks (or, when empty, writes) its format record: `ERR_STORE_VERSION` for a
   * newer format, `ERR_STORE_FOREIGN` for another network's store or a database holding other data.
   */
  async open(genesisHash: Uint8Array): Promise<'created' | 'existing'> {
    return openFormat(this.db, META, STORE_FORMAT_VERSION, genesisHash)
  }

  async close(): Promise<void> {
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close()
  }

  /** Every stored header, in key order. */
  async loadHeaders(): Promise<StoredHeader[]> {
    const out: StoredHeader[] = []
    const gte = Uint8Array.of(P_HEADER)
    const lt = Uint8Array.of(P_HEADER + 1)
    for await (const [k, v] of this.db.iterator({ gte, lt, ...ENC }) as AsyncIterable<
      [Uint8Array, Uint8Array]
    >) {
      if (k.length !== 33 || v.length !== HEADER_BYTES + 1) throw corrupt('header record of the wrong size')
      out.push({
        hash: new Uint8Array(k.subarray(1)),
        header: headerFromBytes(v.subarray(0, HEADER_BYTES)),
        flags: v[HEADER_BYTES] as number,
      })
    }
    return out
  }

  async getTip(): Promise<Uint8Array | undefined> {
    const v = (await this.db.get(TIP, ENC)) as Uint8Array | undefined
    return v === undefined ? undefined : new Uint8Array(v)
  }

  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    const v = (await this.db.get(key(P_BLOCK, hash), ENC)) as Uint8Array | undefined
    if (v === undefined) return undefined
    try {
      const m = decode(v)
      if (m.type !== 'new_block') throw new TypeError(m.type)
      return m.data.block
    } catch (err) {
      throw corrupt(`block ${toHex(hash)} does not decode`, err)
    }
  }

  async getFilter(blockHash: Uint8Array): Promise<StoredFilter | undefined> {
    const v = (await this.db.get(key(P_FILTER, blockHash), ENC)) as Uint8Array | undefined
    if (v === undefined) return undefined
    if (v.length < 65) throw corrupt(`filter record of ${toHex(blockHash)} of the wrong size`)
    const copy = (from: number, to?: number) => new Uint8Array(v.subarray(from, to))
    return { header: copy(0, 32), hash: copy(32, 64), filter: copy(64) }
  }

  async getUndo(hash: Uint8Array): Promise<UndoEntry[]> {
    const v = (await this.db.get(key(P_UNDO, hash), ENC)) as Uint8Array | undefined
    if (v === undefined) throw corrupt(`undo data of ${toHex(hash)} missing`)
    return decodeUndo(v)
  }

  async getAccounts(keys: readonly Uint8Array[]): Promise<(Account | undefined)[]> {
    if (keys.length === 0) return []
    const values = (await this.db.getMany(
      keys.map((k) => key(P_ACCOUNT, k)),
      ENC,
    )) as (Uint8Array | undefined)[]
    return values.map((v) => (v === undefined ? undefined : decodeAccount(v)))
  }

  /** Every account, in key order (tests and tools compare whole states with it). */
  async *accounts(): AsyncGenerator<[Uint8Array, Account]> {
    const gte = Uint8Array.of(P_ACCOUNT)
    const lt = Uint8Array.of(P_ACCOUNT + 1)
    for await (const [k, v] of this.db.iterator({ gte, lt, ...ENC }) as AsyncIterable<
      [Uint8Array, Uint8Array]
    >) {
      yield [new Uint8Array(k.subarray(1)), decodeAccount(v)]
    }
  }

  async getFinality(): Promise<StoredFinality | undefined> {
    const v = (await this.db.get(FINAL, ENC)) as Uint8Array | undefined
    if (v === undefined) return undefined
    try {
      const r = new ByteReader(v)
      const hash = r.bytes(32)
      const height = Number(r.u64())
      return { hash, height, votes: readVotes(r) }
    } catch (err) {
      throw corrupt('finality record does not parse', err)
    }
  }

  async write(batch: ChainBatch): Promise<void> {
    if (batch.ops.length > 0) await this.db.batch(batch.ops, ENC)
  }
}

import type { BlockHeader, ConsensusVoteData } from '@chainwire/protocol-codec'
import { decode, encode } from '@chainwire/protocol-codec'
import { ByteReader, ByteWriter, equalBytes } from '../bytes'
import { ChainError } from '../errors'
import { HEADER_BYTES, headerBytes, headerFromBytes } from '../header/header'
import type { ChainDatabase } from '../store/store'

/**
 * The header-only chain's records: one key per height of the best header chain, holding the 96 canonical
 * header bytes (9-byte key + 96-byte value per header), the tip height and the last final block. Format and
 * genesis are checked as the full chain's store does.
 */

const ENC = { keyEncoding: 'view', valueEncoding: 'view' } as const
const META = Uint8Array.from([0x00, ...new TextEncoder().encode('chainwire-headers')])
const TIP = Uint8Array.of(0x54)
const FINAL = Uint8Array.of(0x46)
const P_HEADER = 0x68

/** The header store format this version writes. */
export const HEADER_STORE_FORMAT_VERSION = 1

function heightKey(height: number): Uint8Array {
  const k = new Uint8Array(9)
  k[0] = P_HEADER
  new DataView(k.buffer).setBigUint64(1, BigInt(height))
  return k
}

/** What a batch of the header store writes. */
export interface HeaderStoreChange {
  put: { height: number; header: BlockHeader }[]
  /** Heights above the new tip to delete (after a reorg to a shorter branch). */
  deleteFrom?: { from: number; to: number }
  tip: number
}

export class HeaderStore {
  constructor(readonly db: ChainDatabase) {}

  async open(genesisHash: Uint8Array): Promise<'created' | 'existing'> {
    if (this.db.status !== 'open') await this.db.open()
    const meta = (await this.db.get(META, ENC)) as Uint8Array | undefined
    if (meta === undefined) {
      for await (const _ of this.db.keys({ limit: 1, ...ENC })) {
        throw new ChainError(
          'ERR_STORE_FOREIGN',
          'the database holds data that is not a chainwire header chain',
        )
      }
      await this.db.put(
        META,
        new ByteWriter(36).u32(HEADER_STORE_FORMAT_VERSION).bytes(genesisHash).finish().slice(),
        ENC,
      )
      return 'created'
    }
    const r = new ByteReader(meta)
    if (meta.length !== 36)
      throw new ChainError('ERR_STORE_CORRUPT', 'header store format record of the wrong size')
    const version = r.u32()
    if (version > HEADER_STORE_FORMAT_VERSION) {
      throw new ChainError('ERR_STORE_VERSION', 'the header store was written by a newer format', { version })
    }
    if (!equalBytes(r.bytes(32), genesisHash))
      throw new ChainError('ERR_STORE_FOREIGN', "another network's header store")
    return 'existing'
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

  async write(change: HeaderStoreChange): Promise<void> {
    // biome-ignore lint/suspicious/noExplicitAny: abstract-level batch operations
    const ops: any[] = change.put.map((p) => ({
      type: 'put',
      key: heightKey(p.height),
      value: headerBytes(p.header),
    }))
    if (change.deleteFrom !== undefined) {
      for (let h = change.deleteFrom.from; h <= change.deleteFrom.to; h++)
        ops.push({ type: 'del', key: heightKey(h) })
    }
    ops.push({ type: 'put', key: TIP, value: new ByteWriter(8).u64(change.tip).finish().slice() })
    await this.db.batch(ops, ENC)
  }

  async finality(): Promise<{ height: number; votes: ConsensusVoteData[] } | undefined> {
    const v = (await this.db.get(FINAL, ENC)) as Uint8Array | undefined
    if (v === undefined) return undefined
    try {
      const r = new ByteReader(v)
      const height = Number(r.u64())
      const votes: ConsensusVoteData[] = []
      for (let n = r.u32(); n > 0; n--) {
        const m = decode(r.bytes(r.u32()))
        if (m.type !== 'consensus_vote') throw new TypeError(m.type)
        votes.push(m.data)
      }
      return { height, votes }
    } catch (err) {
      throw new ChainError('ERR_STORE_CORRUPT', 'finality record does not parse', { cause: err })
    }
  }

  async putFinality(height: number, votes: readonly ConsensusVoteData[]): Promise<void> {
    const w = new ByteWriter(64).u64(height).u32(votes.length)
    for (const vote of votes) w.varBytes(encode({ type: 'consensus_vote', data: vote }))
    await this.db.put(FINAL, w.finish().slice(), ENC)
  }
}

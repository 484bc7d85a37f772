import { type ConsensusVoteData, decode, encode } from '@chainwire/protocol-codec'
import { ByteReader, ByteWriter, equalBytes } from '../bytes'
import { ChainError } from '../errors'
import type { ChainDatabase } from './database'

/** Binary keys and values for every operation. */
export const ENC = { keyEncoding: 'view', valueEncoding: 'view' } as const

/**
 * Opens a database and checks its format record (`meta` key: format version u32 + genesis hash), writing it
 * when the database is empty: `ERR_STORE_VERSION` for a newer version, `ERR_STORE_FOREIGN` for another
 * genesis or a database that holds other data, `ERR_STORE_CORRUPT` for a damaged record.
 */
export async function openFormat(
  db: ChainDatabase,
  meta: Uint8Array,
  version: number,
  genesisHash: Uint8Array,
): Promise<'created' | 'existing'> {
  if (db.status !== 'open') await db.open()
  const record = (await db.get(meta, ENC)) as Uint8Array | undefined
  if (record === undefined) {
    for await (const _ of db.keys({ limit: 1, ...ENC })) {
      throw new ChainError('ERR_STORE_FOREIGN', 'the database holds data that chainwire did not write here')
    }
    await db.put(meta, new ByteWriter(36).u32(version).bytes(genesisHash).finish().slice(), ENC)
    return 'created'
  }
  if (record.length !== 36) throw new ChainError('ERR_STORE_CORRUPT', 'format record of the wrong size')
  const r = new ByteReader(record)
  const stored = r.u32()
  if (stored > version) {
    throw new ChainError('ERR_STORE_VERSION', 'the store was written by a newer format', {
      version: stored,
      supported: version,
    })
  }
  if (!equalBytes(r.bytes(32), genesisHash))
    throw new ChainError('ERR_STORE_FOREIGN', "the store belongs to another network's genesis")
  return 'existing'
}

/** Writes votes as codec `consensus_vote` envelopes, each length-prefixed, after their count. */
export function writeVotes(w: ByteWriter, votes: readonly ConsensusVoteData[]): ByteWriter {
  w.u32(votes.length)
  for (const vote of votes) w.varBytes(encode({ type: 'consensus_vote', data: vote }))
  return w
}

/** Reads what {@link writeVotes} wrote (throws on anything else). */
export function readVotes(r: ByteReader): ConsensusVoteData[] {
  const votes: ConsensusVoteData[] = []
  for (let n = r.u32(); n > 0; n--) {
    const m = decode(r.bytes(r.u32()))
    if (m.type !== 'consensus_vote') throw new TypeError(`expected a consensus_vote, got ${m.type}`)
    votes.push(m.data)
  }
  return votes
}

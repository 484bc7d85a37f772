import { randomBytes } from 'node:crypto'
import type { RestoredPeer } from '../book/address-book'
import { PeerStoreError } from '../errors'
import type { AnchorInfo, BanInfo, DiscouragedInfo, PeerStoreDatabase } from '../types'
import {
  type Geometry,
  type ReadContext,
  readAnchors,
  readBan,
  readDiscouraged,
  readPeer,
  readState,
  type StoredState,
  SUPERSEDED,
} from './records'

/** `format` of the schema record; anything else in that key means a foreign database. */
export const SCHEMA_FORMAT = 'chainwire-peer-store'
/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = 1

/** Keys of the singleton records. */
export const KEY = { schema: '@schema', salt: '@salt', state: '@state', anchors: '@anchors' } as const
/** Prefixes of the per-item records. */
export const PREFIX = { peer: 'p/', ban: 'b/', discouraged: 'd/', metadata: 'm/' } as const

/** One write in a batch: a put of JSON text, or a delete. */
export type WriteOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string }

/** Everything read from the database at open. */
export interface LoadedDatabase {
  salt: Uint8Array
  /** True when the database was empty and has just been initialised. */
  created: boolean
  state: StoredState | undefined
  peers: RestoredPeer[]
  bans: BanInfo[]
  discouraged: DiscouragedInfo[]
  anchors: AnchorInfo[]
  metadata: Array<[key: string, json: string]>
  /**
   * Keys of records that earlier versions wrote and the current rules refuse in part or whole (see
   * `ReadContext`): what was refused is dropped, and these records are rewritten (or deleted) at once.
   */
  superseded: string[]
}

/** What {@link Storage.load} needs to initialise and validate. */
export interface LoadOptions {
  salt: Uint8Array | undefined
  geometry: Geometry
  maxAddressesPerPeer: number
  maxAnchors: number
}

const UTF8 = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const

/** Maps an abstract-level error to a typed one: LevelDB corruption or any other open/read failure. */
export function databaseError(err: unknown, action: string): PeerStoreError {
  if (PeerStoreError.isInstance(err)) return err
  const e = err as { code?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined
  const code = e?.code
  const causeCode = e?.cause?.code
  const levelCode = typeof causeCode === 'string' ? causeCode : typeof code === 'string' ? code : undefined
  if (code === 'LEVEL_CORRUPTION' || causeCode === 'LEVEL_CORRUPTION') {
    return new PeerStoreError(
      'ERR_DB_CORRUPT',
      `peer store database is corrupt (${action}); open with onCorrupt: 'reset' or call destroyPeerStore(path)`,
      { levelCode },
      { cause: err },
    )
  }
  return new PeerStoreError(
    'ERR_DB_OPEN',
    `peer store database failed (${action})`,
    { levelCode },
    { cause: err },
  )
}

function corrupt(key: string, why: string): PeerStoreError {
  return new PeerStoreError(
    'ERR_DB_CORRUPT',
    `peer store database is corrupt: ${why} at key ${key.slice(0, 300)}; open with onCorrupt: 'reset' or call destroyPeerStore(path)`,
    { key: key.slice(0, 300) },
  )
}

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw corrupt(key, 'a value that is not JSON')
  }
}

/**
 * The peer store's view of its database: schema and salt checks at open, a full validated read, and batch
 * writes. Layout: `@schema` `{format, version}`, `@salt` (hex), `@state` (geometry, collisions), `@anchors`,
 * then `p/<peerId>`, `b/<ban target>`, `d/<ip>`, `m/<metadata key>`, all JSON text.
 */
export class Storage {
  /** The underlying database. */
  readonly db: PeerStoreDatabase

  constructor(db: PeerStoreDatabase) {
    this.db = db
  }

  /** Opens the database; throws `ERR_DB_CORRUPT` or `ERR_DB_OPEN`. */
  async open(): Promise<void> {
    try {
      await this.db.open()
    } catch (err) {
      throw databaseError(err, 'open')
    }
  }

  /**
   * Initialises an empty database, or checks the schema and salt of an existing one and reads every record.
   * Throws `ERR_DB_FOREIGN` (keys but no schema, or another format), `ERR_DB_VERSION` (newer schema) or
   * `ERR_DB_CORRUPT` (bad salt, unparsable or invalid records, LevelDB checksum failures).
   */
  async load(options: LoadOptions): Promise<LoadedDatabase> {
    try {
      return await this.#load(options)
    } catch (err) {
      throw databaseError(err, 'read')
    }
  }

  async #load(options: LoadOptions): Promise<LoadedDatabase> {
    const out: LoadedDatabase = {
      salt: new Uint8Array(0),
      created: false,
      state: undefined,
      peers: [],
      bans: [],
      discouraged: [],
      anchors: [],
      metadata: [],
      superseded: [],
    }
    const schemaText = await this.db.get(KEY.schema, UTF8)
    if (schemaText === undefined) {
      for await (const key of this.db.keys({ ...UTF8, limit: 1 })) {
        throw new PeerStoreError(
          'ERR_DB_FOREIGN',
          'the database holds data that is not a chainwire peer store (no schema record); use another path',
          { firstKey: String(key).slice(0, 100) },
        )
      }
      out.salt = options.salt ?? new Uint8Array(randomBytes(32))
      out.created = true
      const state: StoredState = { geometry: options.geometry, collisions: [] }
      out.state = state
      await this.db.batch(
        [
          {
            type: 'put',
            key: KEY.schema,
            value: JSON.stringify({ format: SCHEMA_FORMAT, version: SCHEMA_VERSION }),
          },
          { type: 'put', key: KEY.salt, value: Buffer.from(out.salt).toString('hex') },
          { type: 'put', key: KEY.state, value: JSON.stringify(state) },
        ],
        UTF8,
      )
      return out
    }

    let schema: unknown
    try {
      schema = JSON.parse(schemaText)
    } catch {
      schema = undefined
    }
    const s = schema as { format?: unknown; version?: unknown } | undefined
    if (typeof s !== 'object' || s === null || s.format !== SCHEMA_FORMAT) {
      throw new PeerStoreError(
        'ERR_DB_FOREIGN',
        'the database is not a chainwire peer store (unknown schema record); use another path',
        { schema: schemaText.slice(0, 100) },
      )
    }
    if (!Number.isInteger(s.version) || (s.version as number) < 1)
      throw corrupt(KEY.schema, 'an invalid version')
    if ((s.version as number) > SCHEMA_VERSION) {
      throw new PeerStoreError(
        'ERR_DB_VERSION',
        `the database was written by a newer peer store (schema ${String(s.version)}, this one reads ${SCHEMA_VERSION}); upgrade, or destroyPeerStore(path) to start over`,
        { version: s.version, supported: SCHEMA_VERSION },
      )
    }

    const iterator = this.db.iterator(UTF8)
    try {
      for (let batch = await iterator.nextv(1_000); batch.length > 0; batch = await iterator.nextv(1_000)) {
        for (const [key, value] of batch) this.#read(key, value, options, out)
      }
    } finally {
      await iterator.close()
    }
    if (out.salt.length !== 32) throw corrupt(KEY.salt, 'a missing salt')
    return out
  }

  /** Validates one record and files it into `out`. */
  #read(key: string, value: string, options: LoadOptions, out: LoadedDatabase): void {
    if (key === KEY.schema) return
    if (key === KEY.salt) {
      if (!/^[0-9a-f]{64}$/.test(value)) throw corrupt(key, 'an invalid salt')
      out.salt = new Uint8Array(Buffer.from(value, 'hex'))
    } else if (key === KEY.state) {
      const state = readState(parseJson(key, value))
      if (state === undefined) throw corrupt(key, 'an invalid state record')
      out.state = state
    } else if (key === KEY.anchors) {
      const ctx: ReadContext = { superseded: 0 }
      const anchors = readAnchors(parseJson(key, value), options.maxAnchors, ctx)
      if (anchors === undefined) throw corrupt(key, 'an invalid anchor list')
      out.anchors = anchors
      if (ctx.superseded > 0) out.superseded.push(key)
    } else if (key.startsWith(PREFIX.peer)) {
      const ctx: ReadContext = { superseded: 0 }
      const json = parseJson(key, value)
      const peer = readPeer(json, 'stored', options.maxAddressesPerPeer, ctx)
      const id = peer === SUPERSEDED ? (json as { peerId: string }).peerId : peer?.peerId
      if (peer === undefined || key !== PREFIX.peer + id) throw corrupt(key, 'an invalid peer record')
      if (peer !== SUPERSEDED) out.peers.push(peer)
      if (ctx.superseded > 0) out.superseded.push(key)
    } else if (key.startsWith(PREFIX.ban)) {
      const json = parseJson(key, value)
      const ban = readBan(json)
      const target = ban === SUPERSEDED ? (json as { target: string }).target : ban?.target
      if (ban === undefined || key !== PREFIX.ban + target) throw corrupt(key, 'an invalid ban')
      if (ban === SUPERSEDED) out.superseded.push(key)
      else out.bans.push(ban)
    } else if (key.startsWith(PREFIX.discouraged)) {
      const d = readDiscouraged(parseJson(key, value))
      if (d === undefined || key !== PREFIX.discouraged + d.ip)
        throw corrupt(key, 'an invalid discouragement')
      out.discouraged.push(d)
    } else if (key.startsWith(PREFIX.metadata)) {
      parseJson(key, value)
      out.metadata.push([key.slice(PREFIX.metadata.length), value])
    } else {
      throw corrupt(key, 'an unknown key')
    }
  }

  /** Writes `ops` atomically. */
  async write(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return
    await this.db.batch(ops, UTF8)
  }

  /** Deletes every key (used by `onCorrupt: 'reset'` when the database opens but its records are bad). */
  async wipe(): Promise<void> {
    await this.db.clear()
  }

  /** Closes the database. */
  async close(): Promise<void> {
    await this.db.close()
  }
}

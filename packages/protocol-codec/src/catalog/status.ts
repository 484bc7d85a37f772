import type { FramePieces } from '../framing/frame-pieces'
import { LIMITS } from '../limits'
import { bool, bytes, hash32, struct, u32, u256, uint, uintSafe } from '../schema'
import type { SpecTable } from './spec'

/** `network_status`: the sender's chain tip and load, announced when they change. */
export interface NetworkStatusData {
  bestHeight: number
  bestHash: Uint8Array
  /** Accumulated work of the best chain (up to 2^256 - 1). */
  totalWork: bigint
  /** Connected peers (u32). */
  peerCount: number
  /** True while the sender is still catching up with the network. */
  syncing: boolean
  /** Transactions in the sender's mempool (u32). */
  mempoolSize: number
}

/**
 * `chunk`: one piece of a payload too large for one message (see `splitIntoChunks` and `ChunkReassembler`).
 * Every chunk repeats the transfer's shape, so each one can be checked on its own and against the others.
 */
export interface ChunkData {
  /** Sender-chosen id of the transfer (u32), unique among its transfers in flight on the connection. */
  transferId: number
  /** Position of this chunk, below `total`. */
  index: number
  /** Number of chunks: `ceil(totalLength / chunkSize)`, at least 1. */
  total: number
  /** Length of the whole payload, at most `LIMITS.maxChunkedPayloadBytes`. */
  totalLength: number
  /** Length of every chunk but the last, 1 to `LIMITS.maxChunkBytes`. */
  chunkSize: number
  /** SHA-256 of the whole payload, checked after reassembly. */
  digest: Uint8Array
  /**
   * This chunk's bytes: `chunkSize` of them, or the remainder for the last chunk. A large chunk decoded from
   * a frame read in pieces (`FrameDecoder.pushFrames`, as chainwire's network does) holds them as those
   * pieces and joins them into one array on the first read of this property; {@link chunkByteLength} and
   * {@link copyChunkBytes} use them without joining.
   */
  bytes: Uint8Array
}

/** Data types of the status and transfer messages. */
export interface StatusMessages {
  network_status: NetworkStatusData
  chunk: ChunkData
}

/** The chunk count a transfer of `totalLength` bytes has with chunks of `chunkSize` bytes. */
export function chunkCount(totalLength: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(totalLength / chunkSize))
}

/** Length of chunk `index` of a transfer, given its shape. */
export function chunkLength(index: number, total: number, totalLength: number, chunkSize: number): number {
  return index < total - 1 ? chunkSize : totalLength - (total - 1) * chunkSize
}

/**
 * Where a chunk decoded from pieces keeps its bytes until they are joined (a non-enumerable property under a
 * module-private symbol, so it cannot be forged, and a copy of the object made by spreading gets the joined
 * bytes instead).
 */
const PIECES = Symbol('chunk bytes in pieces')

interface BytesInPieces {
  /** The frame the bytes are in, until they are joined (or `bytes` is assigned). */
  frame: FramePieces | undefined
  start: number
  length: number
  bytes: Uint8Array | undefined
}

type ChunkInPieces = ChunkData & { readonly [PIECES]: BytesInPieces }

function piecesOf(c: ChunkData): BytesInPieces | undefined {
  if (typeof c !== 'object' || c === null) return undefined
  const state = (c as Partial<ChunkInPieces>)[PIECES]
  return state?.frame === undefined ? undefined : state
}

function joinedBytes(this: ChunkInPieces): Uint8Array {
  const s = this[PIECES]
  if (s.frame !== undefined) {
    s.bytes = s.frame.bytes(s.start, s.start + s.length)
    s.frame = undefined
  }
  return s.bytes as Uint8Array
}

function assignBytes(this: ChunkInPieces, bytes: Uint8Array): void {
  const s = this[PIECES]
  s.bytes = bytes
  s.frame = undefined
}

/**
 * The chunk data of a frame read in pieces (internal: `decode` makes it once the frame is validated): the
 * fields as decoded, and `bytes` standing for bytes `[start, start + length)` of `frame`, joined on first
 * read. The result compares equal to the same chunk decoded from the joined frame.
 */
export function chunkInPieces(
  fields: Omit<ChunkData, 'bytes'>,
  frame: FramePieces,
  start: number,
  length: number,
): ChunkData {
  const c = {
    transferId: fields.transferId,
    index: fields.index,
    total: fields.total,
    totalLength: fields.totalLength,
    chunkSize: fields.chunkSize,
    digest: fields.digest,
  }
  const state: BytesInPieces = { frame, start, length, bytes: undefined }
  Object.defineProperty(c, PIECES, { value: state })
  Object.defineProperty(c, 'bytes', {
    enumerable: true,
    configurable: true,
    get: joinedBytes,
    set: assignBytes,
  })
  return c as ChunkData
}

/** The length of a chunk's bytes, without joining the pieces of a chunk decoded from them. */
export function chunkByteLength(c: ChunkData): number {
  const s = piecesOf(c)
  return s === undefined ? c.bytes.length : s.length
}

/**
 * Copies a chunk's bytes into `target` at `offset`: straight from the decrypted pieces for a chunk decoded
 * from them (one copy per byte, no joined array), else from `bytes`. Throws a `RangeError` when they do not
 * fit.
 */
export function copyChunkBytes(c: ChunkData, target: Uint8Array, offset = 0): void {
  const s = piecesOf(c)
  if (s === undefined) target.set(c.bytes, offset)
  else (s.frame as FramePieces).copyTo(target, offset, s.start, s.start + s.length)
}

const chunkFieldSchemas = {
  transferId: u32,
  index: u32,
  total: uint(LIMITS.maxChunkedPayloadBytes, 1),
  totalLength: uint(LIMITS.maxChunkedPayloadBytes),
  chunkSize: uint(LIMITS.maxChunkBytes, 1),
  digest: hash32,
  bytes: bytes(0, LIMITS.maxChunkBytes),
}

/** The chunk fields each checked on their own, without the cross-field rule (for the reassembler). */
export const chunkFields = struct<ChunkData>(chunkFieldSchemas)

const { bytes: chunkBytesSchema, ...chunkHeadSchemas } = chunkFieldSchemas
/** The fields before the bytes, each checked on their own. */
const chunkHeadFields = struct<Omit<ChunkData, 'bytes'>>(chunkHeadSchemas)

/** Whether a chunk's `bytes` field allows `n` bytes (the rule of its schema, for a chunk decoded from pieces). */
export function chunkBytesLengthAllowed(n: number): boolean {
  const { min, max, multipleOf } = chunkBytesSchema.desc as { min: number; max: number; multipleOf: number }
  return n >= min && n <= max && n % multipleOf === 0
}

/**
 * {@link chunkFields}' check of a chunk (throws its `SchemaViolation`), without joining a chunk decoded from
 * pieces: those bytes were checked when it was decoded and cannot be changed but by assigning `bytes`.
 */
export function checkChunkFields(c: ChunkData): void {
  if (piecesOf(c) === undefined) chunkFields.toWire(c)
  else chunkHeadFields.toWire(c)
}

/**
 * The cross-field rule of a chunk: its count matches the lengths, its index is in range, and its bytes
 * have the length of its position. Returns the problem, or `undefined` for a well-shaped chunk.
 */
export function chunkShapeProblem(
  c: ChunkData,
): undefined | { field: 'total' | 'index' | 'bytes'; reason: string } {
  if (c.total !== chunkCount(c.totalLength, c.chunkSize)) {
    return { field: 'total', reason: 'expected ceil(totalLength / chunkSize) chunks' }
  }
  if (c.index >= c.total) return { field: 'index', reason: 'expected an index below total' }
  if (chunkByteLength(c) !== chunkLength(c.index, c.total, c.totalLength, c.chunkSize)) {
    return { field: 'bytes', reason: 'expected chunkSize bytes (the remainder in the last chunk)' }
  }
  return undefined
}

/** Chain-tip status and chunked transfers. */
export const statusSpecs: SpecTable<StatusMessages> = {
  network_status: {
    code: 0x60,
    kind: 'announcement',
    summary: "the sender's best block, work, peer count, sync state and mempool size",
    schema: struct<NetworkStatusData>({
      bestHeight: uintSafe,
      bestHash: hash32,
      totalWork: u256,
      peerCount: u32,
      syncing: bool,
      mempoolSize: u32,
    }),
  },
  chunk: {
    code: 0x68,
    kind: 'announcement',
    summary: 'one piece of a payload larger than one message',
    schema: struct<ChunkData>(chunkFieldSchemas, chunkShapeProblem),
  },
}

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
  /** This chunk's bytes: `chunkSize` of them, or the remainder for the last chunk. */
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
  if (c.bytes.length !== chunkLength(c.index, c.total, c.totalLength, c.chunkSize)) {
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

import type { Clock } from '@chainwire/interface'
import type { ChunkData } from '../catalog/status'
import { checkChunkFields, chunkShapeProblem, copyChunkBytes } from '../catalog/status'
import { schemaError } from '../codec/errors'
import { CodecError, type CodecErrorCode } from '../errors'
import { sameDigest, sha256 } from './digest'

/** What a {@link ChunkReassembler} needs from its environment. */
export interface ChunkReassemblerComponents {
  /** Measures transfer inactivity; no timers are started. */
  clock: Pick<Clock, 'now'>
}

/** Options of {@link ChunkReassembler}. */
export interface ChunkReassemblerOptions {
  /** Bytes held across all transfers in progress (payload buffers and their chunk maps). @default 16_777_216 */
  maxTotalBytes?: number
  /** Transfers in progress at once. @default 4 */
  maxTransfers?: number
  /** Largest payload one transfer may declare. @default maxTotalBytes */
  maxPayloadBytes?: number
  /** A transfer that receives no chunk for this long is dropped (checked on each `push` and `prune`). @default 30_000 */
  transferTimeoutMs?: number
}

/** A payload whose chunks all arrived and whose digest matched. */
export interface ReassembledPayload {
  transferId: number
  payload: Uint8Array
}

/** Counters of a {@link ChunkReassembler}, for metrics. */
export interface ChunkReassemblerStats {
  /** Transfers in progress. */
  transfers: number
  /** Bytes held by them. */
  bufferedBytes: number
  /** Payloads delivered. */
  completed: number
  /** Transfers dropped for inactivity. */
  expired: number
  /** Transfers dropped because one of their chunks was refused. */
  failed: number
}

interface Transfer {
  readonly id: number
  readonly total: number
  readonly totalLength: number
  readonly chunkSize: number
  readonly digest: Uint8Array
  readonly payload: Uint8Array
  /** One bit per chunk index: set once received. */
  readonly seen: Uint8Array
  readonly cost: number
  received: number
  lastActivity: number
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new CodecError('ERR_INVALID_OPTIONS', `${name} must be a positive integer`, { option: name, value })
  }
  return value
}

/**
 * Rebuilds payloads from `chunk` messages, for one connection (use one reassembler per peer, so one peer's
 * transfers cannot crowd out another's). Memory is bounded: a transfer reserves its declared length (plus a
 * bit per chunk) when its first chunk arrives, and is refused with `ERR_CHUNK_TOO_LARGE` or `ERR_CHUNK_LIMIT`
 * when that would pass `maxPayloadBytes`, `maxTotalBytes` or `maxTransfers`. Inactive transfers expire
 * after `transferTimeoutMs` on the injected clock; no timer is used, so there is nothing to stop.
 *
 * A refused chunk of a transfer in progress (`ERR_CHUNK_INCONSISTENT`, `ERR_CHUNK_DUPLICATE`,
 * `ERR_CHUNK_OUT_OF_RANGE`, `ERR_CHUNK_DIGEST`) drops that transfer and frees its memory: over a reliable
 * stream none of these happen to an honest peer.
 */
export class ChunkReassembler {
  private readonly clock: Pick<Clock, 'now'>
  private readonly maxTotalBytes: number
  private readonly maxTransfers: number
  private readonly maxPayloadBytes: number
  private readonly transferTimeoutMs: number
  private readonly inProgress = new Map<number, Transfer>()
  private held = 0
  private completed = 0
  private expired = 0
  private failed = 0

  constructor(components: ChunkReassemblerComponents, options: ChunkReassemblerOptions = {}) {
    this.clock = components.clock
    this.maxTotalBytes = positiveInteger('maxTotalBytes', options.maxTotalBytes ?? 16_777_216)
    this.maxTransfers = positiveInteger('maxTransfers', options.maxTransfers ?? 4)
    this.maxPayloadBytes = positiveInteger('maxPayloadBytes', options.maxPayloadBytes ?? this.maxTotalBytes)
    this.transferTimeoutMs = positiveInteger('transferTimeoutMs', options.transferTimeoutMs ?? 30_000)
  }

  /** Bytes held by transfers in progress. */
  get bufferedBytes(): number {
    return this.held
  }

  /** Number of transfers in progress. */
  get transfers(): number {
    return this.inProgress.size
  }

  /** Counters for metrics. */
  stats(): ChunkReassemblerStats {
    return {
      transfers: this.inProgress.size,
      bufferedBytes: this.held,
      completed: this.completed,
      expired: this.expired,
      failed: this.failed,
    }
  }

  /**
   * Adds one chunk (the data of a decoded `chunk` message). Returns the payload when this chunk completes
   * its transfer and the digest matches, otherwise `undefined`. Throws a `CodecError` when the chunk is
   * refused (see the class description).
   *
   * The chunk's bytes are copied into the payload; a chunk decoded from a frame in pieces is copied straight
   * from them (`copyChunkBytes`), so a reassembled transfer costs one copy of each received byte.
   */
  push(chunk: ChunkData): ReassembledPayload | undefined {
    const now = this.clock.now()
    this.prune(now)
    try {
      checkChunkFields(chunk)
    } catch (err) {
      this.refuseMalformed(chunk)
      throw schemaError('chunk', err)
    }
    const id = chunk.transferId
    let t = this.inProgress.get(id)
    const shape = chunkShapeProblem(chunk)
    if (shape !== undefined) {
      const code: CodecErrorCode =
        shape.field === 'index' ? 'ERR_CHUNK_OUT_OF_RANGE' : 'ERR_CHUNK_INCONSISTENT'
      throw this.refuse(t, id, code, `chunk ${chunk.index} of transfer ${id}: ${shape.reason}`, {
        field: shape.field,
      })
    }
    if (t === undefined) {
      t = this.open(chunk, now)
    } else if (
      chunk.total !== t.total ||
      chunk.totalLength !== t.totalLength ||
      chunk.chunkSize !== t.chunkSize ||
      !sameDigest(chunk.digest, t.digest)
    ) {
      throw this.refuse(
        t,
        id,
        'ERR_CHUNK_INCONSISTENT',
        `chunk ${chunk.index} disagrees with transfer ${id}`,
        {},
      )
    }
    const index = chunk.index
    const bit = 1 << (index & 7)
    if (((t.seen[index >>> 3] as number) & bit) !== 0) {
      throw this.refuse(t, id, 'ERR_CHUNK_DUPLICATE', `chunk ${index} of transfer ${id} arrived twice`, {})
    }
    t.seen[index >>> 3] = (t.seen[index >>> 3] as number) | bit
    copyChunkBytes(chunk, t.payload, index * t.chunkSize)
    t.received++
    t.lastActivity = now
    if (t.received < t.total) return undefined
    this.drop(t)
    if (!sameDigest(sha256(t.payload), t.digest)) {
      this.failed++
      throw new CodecError('ERR_CHUNK_DIGEST', `transfer ${id} does not match its digest`, { transferId: id })
    }
    this.completed++
    return { transferId: id, payload: t.payload }
  }

  /** Drops transfers inactive for `transferTimeoutMs`; returns how many. Also done by every `push`. */
  prune(now: number = this.clock.now()): number {
    let count = 0
    for (const t of this.inProgress.values()) {
      if (now - t.lastActivity >= this.transferTimeoutMs) {
        this.drop(t)
        count++
      }
    }
    this.expired += count
    return count
  }

  /** Drops one transfer in progress (say, its request was cancelled); returns whether it existed. */
  abort(transferId: number): boolean {
    const t = this.inProgress.get(transferId)
    if (t !== undefined) this.drop(t)
    return t !== undefined
  }

  /** Drops every transfer in progress. */
  clear(): void {
    this.inProgress.clear()
    this.held = 0
  }

  private open(chunk: ChunkData, now: number): Transfer {
    const { transferId: id, total, totalLength } = chunk
    if (totalLength > this.maxPayloadBytes) {
      this.failed++
      throw new CodecError(
        'ERR_CHUNK_TOO_LARGE',
        `transfer ${id} declares ${totalLength} bytes, over ${this.maxPayloadBytes}`,
        { transferId: id, totalLength, maxPayloadBytes: this.maxPayloadBytes },
      )
    }
    const seenBytes = Math.ceil(total / 8)
    const cost = totalLength + seenBytes
    if (this.inProgress.size >= this.maxTransfers || this.held + cost > this.maxTotalBytes) {
      this.failed++
      throw new CodecError('ERR_CHUNK_LIMIT', `no room for transfer ${id}`, {
        transferId: id,
        transfers: this.inProgress.size,
        maxTransfers: this.maxTransfers,
        bufferedBytes: this.held,
        needed: cost,
        maxTotalBytes: this.maxTotalBytes,
      })
    }
    const t: Transfer = {
      id,
      total,
      totalLength,
      chunkSize: chunk.chunkSize,
      digest: chunk.digest.slice(),
      payload: new Uint8Array(totalLength),
      seen: new Uint8Array(seenBytes),
      cost,
      received: 0,
      lastActivity: now,
    }
    this.inProgress.set(id, t)
    this.held += cost
    return t
  }

  private drop(t: Transfer): void {
    if (this.inProgress.get(t.id) === t) {
      this.inProgress.delete(t.id)
      this.held -= t.cost
    }
  }

  /** A chunk that fails its schema still drops the transfer it names, when it names one in progress. */
  private refuseMalformed(chunk: unknown): void {
    this.failed++
    let id: unknown
    try {
      id = (chunk as { transferId?: unknown } | null)?.transferId
    } catch {
      return
    }
    const t = typeof id === 'number' ? this.inProgress.get(id) : undefined
    if (t !== undefined) this.drop(t)
  }

  private refuse(
    t: Transfer | undefined,
    transferId: number,
    code: CodecErrorCode,
    message: string,
    details: Record<string, unknown>,
  ): CodecError {
    if (t !== undefined) this.drop(t)
    this.failed++
    return new CodecError(code, message, { transferId, ...details })
  }
}

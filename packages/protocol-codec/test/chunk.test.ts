import { createHash } from 'node:crypto'
import { ManualClock } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import {
  type ChunkData,
  ChunkReassembler,
  CodecError,
  DEFAULT_CHUNK_SIZE,
  decode,
  encode,
  LIMITS,
  type MessageOf,
  splitIntoChunks,
} from '../src'
import { bytesOf } from './helpers/samples'

function failure(fn: () => unknown): CodecError {
  try {
    fn()
  } catch (err) {
    if (!CodecError.isInstance(err)) throw err
    return err as CodecError
  }
  throw new Error('expected a CodecError')
}

const data = (m: MessageOf<'chunk'>): ChunkData => m.data

describe('splitIntoChunks', () => {
  it('cuts a payload into chunk messages that carry the transfer shape and digest', () => {
    const payload = bytesOf(1_000, 5)
    const chunks = splitIntoChunks(payload, { chunkSize: 300, transferId: 9 })
    expect(chunks.map((c) => c.data.bytes.length)).toEqual([300, 300, 300, 100])
    const digest = createHash('sha256').update(payload).digest()
    for (const [i, c] of chunks.entries()) {
      expect(c.type).toBe('chunk')
      expect(c.data).toMatchObject({ transferId: 9, index: i, total: 4, totalLength: 1_000, chunkSize: 300 })
      expect(Buffer.from(c.data.digest).equals(digest)).toBe(true)
      expect(c.data.bytes.buffer).toBe(payload.buffer)
      expect(decode(encode(c))).toStrictEqual(c)
    }
  })

  it('handles exact multiples, empty payloads and the defaults', () => {
    expect(splitIntoChunks(bytesOf(600), { chunkSize: 300 }).map((c) => c.data.bytes.length)).toEqual([
      300, 300,
    ])
    const empty = splitIntoChunks(new Uint8Array(0))
    expect(empty).toHaveLength(1)
    expect(empty[0]?.data).toMatchObject({
      index: 0,
      total: 1,
      totalLength: 0,
      chunkSize: DEFAULT_CHUNK_SIZE,
    })
    const ids = new Set(Array.from({ length: 20 }, () => splitIntoChunks(bytesOf(1)).at(0)?.data.transferId))
    expect(ids.size).toBeGreaterThan(1)
  })

  it('validates its options', () => {
    expect(failure(() => splitIntoChunks(bytesOf(10), { chunkSize: 0 })).code).toBe('ERR_INVALID_OPTIONS')
    expect(failure(() => splitIntoChunks(bytesOf(10), { chunkSize: LIMITS.maxChunkBytes + 1 })).code).toBe(
      'ERR_INVALID_OPTIONS',
    )
    expect(failure(() => splitIntoChunks(bytesOf(10), { transferId: -1 })).code).toBe('ERR_INVALID_OPTIONS')
    expect(failure(() => splitIntoChunks('x' as unknown as Uint8Array)).code).toBe('ERR_INVALID_OPTIONS')
  })
})

describe('ChunkReassembler', () => {
  const clock = () => new ManualClock()

  it('rebuilds a payload from chunks in any order, through the wire', () => {
    const payload = bytesOf(10_000, 2)
    const chunks = splitIntoChunks(payload, { chunkSize: 999, transferId: 1 }).map((c) => decode(encode(c)))
    const r = new ChunkReassembler({ clock: clock() })
    const order = [...chunks.keys()].reverse()
    let result: ReturnType<ChunkReassembler['push']>
    for (const i of order) {
      expect(result).toBeUndefined()
      result = r.push(data(chunks[i] as MessageOf<'chunk'>))
    }
    expect(result?.transferId).toBe(1)
    expect(Buffer.compare(result?.payload as Uint8Array, payload)).toBe(0)
    expect(r.transfers).toBe(0)
    expect(r.bufferedBytes).toBe(0)
    expect(r.stats()).toMatchObject({ completed: 1, failed: 0, expired: 0 })
  })

  it('interleaves transfers and delivers each when complete', () => {
    const a = splitIntoChunks(bytesOf(50, 1), { chunkSize: 10, transferId: 1 })
    const b = splitIntoChunks(bytesOf(30, 2), { chunkSize: 10, transferId: 2 })
    const r = new ChunkReassembler({ clock: clock() })
    const done: number[] = []
    for (let i = 0; i < 5; i++) {
      for (const c of [a[i], b[i]]) {
        if (c === undefined) continue
        const out = r.push(c.data)
        if (out !== undefined) done.push(out.transferId)
      }
    }
    expect(done).toEqual([2, 1])
  })

  it('refuses a duplicate chunk and drops its transfer', () => {
    const chunks = splitIntoChunks(bytesOf(30), { chunkSize: 10, transferId: 3 })
    const r = new ChunkReassembler({ clock: clock() })
    r.push(data(chunks[0] as MessageOf<'chunk'>))
    expect(failure(() => r.push(data(chunks[0] as MessageOf<'chunk'>))).code).toBe('ERR_CHUNK_DUPLICATE')
    expect(r.transfers).toBe(0)
    expect(r.bufferedBytes).toBe(0)
  })

  it('refuses chunks that disagree with their transfer', () => {
    const chunks = splitIntoChunks(bytesOf(30), { chunkSize: 10, transferId: 4 })
    const first = data(chunks[0] as MessageOf<'chunk'>)
    const second = data(chunks[1] as MessageOf<'chunk'>)
    const variants: ChunkData[] = [
      { ...second, digest: bytesOf(32, 99) },
      { ...second, totalLength: 29, total: 3, bytes: second.bytes },
      { ...second, chunkSize: 15, total: 2, bytes: bytesOf(15) },
    ]
    for (const bad of variants) {
      const r = new ChunkReassembler({ clock: clock() })
      r.push(first)
      expect(failure(() => r.push(bad)).code).toBe('ERR_CHUNK_INCONSISTENT')
      expect(r.transfers).toBe(0)
    }
  })

  it('refuses out-of-range and misshapen chunks', () => {
    const base = data(splitIntoChunks(bytesOf(30), { chunkSize: 10, transferId: 5 })[2] as MessageOf<'chunk'>)
    const r = new ChunkReassembler({ clock: clock() })
    expect(failure(() => r.push({ ...base, index: 3 })).code).toBe('ERR_CHUNK_OUT_OF_RANGE')
    expect(failure(() => r.push({ ...base, bytes: bytesOf(9) })).code).toBe('ERR_CHUNK_INCONSISTENT')
    expect(failure(() => r.push({ ...base, total: 4 })).code).toBe('ERR_CHUNK_INCONSISTENT')
    expect(failure(() => r.push({ ...base, digest: bytesOf(31) })).code).toBe('ERR_SCHEMA')
    expect(failure(() => r.push(null as unknown as ChunkData)).code).toBe('ERR_SCHEMA')
  })

  it('refuses a payload whose digest does not match', () => {
    const chunks = splitIntoChunks(bytesOf(20), { chunkSize: 10, transferId: 6 })
    const r = new ChunkReassembler({ clock: clock() })
    r.push(data(chunks[0] as MessageOf<'chunk'>))
    const tampered = { ...data(chunks[1] as MessageOf<'chunk'>), bytes: bytesOf(10, 77) }
    expect(failure(() => r.push(tampered)).code).toBe('ERR_CHUNK_DIGEST')
    expect(r.stats()).toMatchObject({ transfers: 0, bufferedBytes: 0, failed: 1 })
  })

  it('bounds the payload size, the bytes held and the transfers in progress', () => {
    const r = new ChunkReassembler(
      { clock: clock() },
      { maxTotalBytes: 1_000, maxTransfers: 2, maxPayloadBytes: 600 },
    )
    const big = splitIntoChunks(bytesOf(601), { chunkSize: 100, transferId: 1 })
    expect(failure(() => r.push(data(big[0] as MessageOf<'chunk'>))).code).toBe('ERR_CHUNK_TOO_LARGE')
    expect(r.bufferedBytes).toBe(0)

    const a = splitIntoChunks(bytesOf(600), { chunkSize: 100, transferId: 2 })
    const b = splitIntoChunks(bytesOf(600), { chunkSize: 100, transferId: 3 })
    r.push(data(a[0] as MessageOf<'chunk'>))
    expect(r.bufferedBytes).toBe(601)
    const full = failure(() => r.push(data(b[0] as MessageOf<'chunk'>)))
    expect(full.code).toBe('ERR_CHUNK_LIMIT')
    expect(full.details).toMatchObject({ bufferedBytes: 601, maxTotalBytes: 1_000 })

    const small = (id: number) =>
      data(splitIntoChunks(bytesOf(20), { chunkSize: 10, transferId: id })[0] as MessageOf<'chunk'>)
    r.push(small(4))
    expect(r.transfers).toBe(2)
    expect(failure(() => r.push(small(5))).code).toBe('ERR_CHUNK_LIMIT')
    expect(r.bufferedBytes).toBeLessThanOrEqual(1_000)
  })

  it('expires inactive transfers on the injected clock, without timers', () => {
    const c = clock()
    const r = new ChunkReassembler({ clock: c }, { transferTimeoutMs: 1_000, maxTransfers: 1 })
    const a = splitIntoChunks(bytesOf(20), { chunkSize: 10, transferId: 1 })
    r.push(data(a[0] as MessageOf<'chunk'>))
    c.advance(999)
    expect(r.prune()).toBe(0)
    c.advance(1)
    // a new transfer gets the slot: the stale one is dropped on push
    const b = splitIntoChunks(bytesOf(20), { chunkSize: 10, transferId: 2 })
    r.push(data(b[0] as MessageOf<'chunk'>))
    expect(r.stats()).toMatchObject({ transfers: 1, expired: 1 })
    expect(c.pending()).toBe(0)
    // the expired transfer's late chunk starts over and never completes on its own
    expect(failure(() => r.push(data(a[1] as MessageOf<'chunk'>))).code).toBe('ERR_CHUNK_LIMIT')
    c.advance(1_000)
    expect(r.prune()).toBe(1)
    expect(r.bufferedBytes).toBe(0)
  })

  it('aborts and clears transfers', () => {
    const r = new ChunkReassembler({ clock: clock() })
    r.push(data(splitIntoChunks(bytesOf(20), { chunkSize: 10, transferId: 1 })[0] as MessageOf<'chunk'>))
    r.push(data(splitIntoChunks(bytesOf(20), { chunkSize: 10, transferId: 2 })[0] as MessageOf<'chunk'>))
    expect(r.abort(1)).toBe(true)
    expect(r.abort(1)).toBe(false)
    expect(r.transfers).toBe(1)
    r.clear()
    expect(r.transfers).toBe(0)
    expect(r.bufferedBytes).toBe(0)
  })

  it('validates its options', () => {
    for (const bad of [
      { maxTotalBytes: 0 },
      { maxTransfers: 1.5 },
      { transferTimeoutMs: -1 },
      { maxPayloadBytes: Number.NaN },
    ]) {
      expect(failure(() => new ChunkReassembler({ clock: clock() }, bad)).code).toBe('ERR_INVALID_OPTIONS')
    }
  })
})

describe('ChunkReassembler with invalid chunk data', () => {
  it('drops the transfer a schema-invalid chunk claims to belong to', () => {
    const r = new ChunkReassembler({ clock: new ManualClock() })
    const chunks = splitIntoChunks(bytesOf(30), { chunkSize: 10, transferId: 8 })
    r.push((chunks[0] as MessageOf<'chunk'>).data)
    expect(r.transfers).toBe(1)
    const bad = { ...(chunks[1] as MessageOf<'chunk'>).data, bytes: 'nope' as unknown as Uint8Array }
    expect(failure(() => r.push(bad)).code).toBe('ERR_SCHEMA')
    expect(r.transfers).toBe(0)
    expect(r.stats().failed).toBe(1)
  })
})

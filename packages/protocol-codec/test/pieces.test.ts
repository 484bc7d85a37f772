import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CATALOG,
  type ChunkData,
  ChunkReassembler,
  CodecError,
  chunkByteLength,
  copyChunkBytes,
  decode,
  encode,
  encodeFrame,
  FrameDecoder,
  FramePieces,
  LIMITS,
  type Message,
  MessageFrameDecoder,
  type MessageOf,
  splitIntoChunks,
} from '../src'
import { sha256 } from '../src/chunk/digest'
import { anyFormOf, rawEnvelope, wireOf } from './helpers/raw'

/*
 * A large `chunk` frame read in pieces (`FrameDecoder.pushFrames`) is decoded without joining them. Whatever
 * the bytes and however they are cut, the result must be the one `decode` gives for the joined frame: the
 * same message (its bytes available through `chunkByteLength` / `copyChunkBytes` and, joined, `bytes`), or
 * the same error.
 */

const clock = { now: () => 0 }

function chunkOf(length: number, fields: Partial<ChunkData> = {}): MessageOf<'chunk'> {
  const bytes = randomBytes(length)
  return {
    type: 'chunk',
    data: {
      transferId: 7,
      index: 0,
      total: 1,
      totalLength: length,
      chunkSize: length,
      digest: sha256(bytes),
      bytes: new Uint8Array(bytes),
      ...fields,
    },
  }
}

/** The frame cut at `cuts` (sorted, deduplicated, within it), each piece a fresh copy (as decrypted pieces are). */
function piecesOf(frame: Uint8Array, cuts: readonly number[]): FramePieces {
  const points = [...new Set(cuts)].filter((c) => c > 0 && c < frame.length).sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let start = 0
  for (const end of [...points, frame.length]) {
    pieces.push(frame.slice(start, end))
    start = end
  }
  return new FramePieces(pieces, frame.length)
}

type Outcome = { ok: true; message: Message } | { ok: false; code: string; message: string }

function outcome(fn: () => Message): Outcome {
  try {
    return { ok: true, message: fn() }
  } catch (err) {
    if (!CodecError.isInstance(err)) throw err
    const e = err as CodecError
    return { ok: false, code: e.code, message: e.message }
  }
}

/**
 * Two messages are the same: compared field by field, large byte fields with `Buffer.compare` (a deep
 * equality check walks them element by element, far too slowly for these sizes).
 */
function expectSameMessage(a: Message, b: Message): void {
  const split = (m: Message): [Record<string, unknown>, Uint8Array | undefined] => {
    if (m.type !== 'chunk') return [m as unknown as Record<string, unknown>, undefined]
    const { bytes, ...rest } = m.data
    return [{ ...m, data: rest }, bytes]
  }
  const [ra, ba] = split(a)
  const [rb, bb] = split(b)
  expect(ra).toStrictEqual(rb)
  if (ba !== undefined || bb !== undefined) {
    expect(ba).toBeInstanceOf(Uint8Array)
    expect(bb).toBeInstanceOf(Uint8Array)
    expect(ba?.constructor).toBe(bb?.constructor)
    expect(Buffer.compare(ba as Uint8Array, bb as Uint8Array)).toBe(0)
  }
}

/** decode() of the pieces gives what decode() of the joined frame gives; checks the bytes without joining. */
function expectSameAsJoined(frame: Uint8Array, pieces: FramePieces): Outcome {
  const fromPieces = outcome(() => decode(pieces))
  const joined = outcome(() => decode(frame))
  if (fromPieces.ok && joined.ok && fromPieces.message.type === 'chunk' && joined.message.type === 'chunk') {
    const a = fromPieces.message.data
    const b = joined.message.data
    // Before anything reads `bytes`: the length and the copy come from the pieces.
    expect(chunkByteLength(a)).toBe(b.bytes.length)
    const copy = new Uint8Array(b.bytes.length + 3)
    copyChunkBytes(a, copy, 3)
    expect(Buffer.compare(copy.subarray(3), b.bytes)).toBe(0)
  }
  if (fromPieces.ok && joined.ok) expectSameMessage(fromPieces.message, joined.message)
  else expect(fromPieces).toStrictEqual(joined)
  return fromPieces
}

describe('decode of a chunk frame in pieces', () => {
  const big = encode(chunkOf(300_000))

  it('gives the chunk of the joined frame, cut at every point of its head and around its end', () => {
    // The head (envelope, id, fields, digest, bin header) is the first ~60 bytes; cut anywhere in and after it,
    // in two places too, so the head itself spans pieces, including the bin's length bytes.
    const head = 80
    let fast = 0
    for (let i = 1; i < head; i++) {
      for (const j of [i + 1, i + 2, i + 5, i + 17, 70_000, big.length - 1]) {
        const r = expectSameAsJoined(big, piecesOf(big, [i, j]))
        expect(r.ok).toBe(true)
        fast++
      }
    }
    for (let i = big.length - 40; i < big.length; i++) expectSameAsJoined(big, piecesOf(big, [i]))
    expect(fast).toBeGreaterThan(400)
  })

  it('decodes without joining: the message holds the pieces until bytes is read, then the joined array', () => {
    const pieces = piecesOf(big, [10_000, 100_000, 200_000])
    const msg = decode(pieces) as MessageOf<'chunk'>
    const c = msg.data
    expect(chunkByteLength(c)).toBe(300_000 - 0)
    // Reading bytes joins once; the same array comes back afterwards.
    const joined = c.bytes
    expect(c.bytes).toBe(joined)
    expect(Buffer.compare(joined, (decode(big) as MessageOf<'chunk'>).data.bytes)).toBe(0)
    // Assigning bytes replaces them, for every reader.
    const other = new Uint8Array(5)
    c.bytes = other
    expect(chunkByteLength(c)).toBe(5)
    expect(c.bytes).toBe(other)
    // A copy by spreading is an ordinary chunk.
    expect(Object.keys({ ...c })).toEqual(Object.keys((decode(big) as MessageOf<'chunk'>).data))
  })

  it('a bytes field that lies within one piece is a view of it, not a copy', () => {
    const pieces = piecesOf(big, [big.length - 300_000])
    const c = (decode(pieces) as MessageOf<'chunk'>).data
    expect(c.bytes.buffer).toBe((pieces.pieces[1] as Uint8Array).buffer)
  })

  it('is the same message, or the same error, for every byte of the head set to values that matter', () => {
    const values = [
      0x00, 0x01, 0x7f, 0x80, 0x90, 0x93, 0x97, 0xc0, 0xc1, 0xc4, 0xc5, 0xc6, 0xcc, 0xce, 0xda, 0xff,
    ]
    const base = encode(
      chunkOf(262_200, { transferId: 300, index: 1, total: 3, totalLength: 786_600, chunkSize: 262_200 }),
    )
    const codes = new Set<string>()
    for (let p = 0; p < 72; p++) {
      for (const v of values) {
        const frame = base.slice()
        frame[p] = v
        const r = expectSameAsJoined(frame, piecesOf(frame, [p, p + 1, 40_000]))
        if (!r.ok) codes.add(r.code)
      }
    }
    // The mutations reach the typed errors the joined path gives.
    expect(codes).toContain('ERR_SCHEMA')
    expect(codes).toContain('ERR_MALFORMED')
  })

  it('is the same error for a truncated or extended frame', () => {
    for (const cut of [1, 2, 3, 40, 61, 62, 63, 70_000, big.length - 1]) {
      const frame = big.subarray(0, cut)
      expectSameAsJoined(frame, piecesOf(frame, [cut >> 1]))
    }
    for (const extra of [1, 2, 5]) {
      const frame = new Uint8Array(big.length + extra)
      frame.set(big)
      const r = expectSameAsJoined(frame, piecesOf(frame, [30, 100_000]))
      expect(r.ok).toBe(false)
    }
  })

  it('holds the chunk to its cross-field rule and its byte bound, as the joined path does', () => {
    // The wire fields in order, unchecked: transferId, index, total, totalLength, chunkSize, digest, bytes.
    const wire = (m: MessageOf<'chunk'>, fields: Partial<ChunkData> = {}): unknown[] => {
      const d = { ...m.data, ...fields }
      return [d.transferId, d.index, d.total, d.totalLength, d.chunkSize, d.digest, d.bytes]
    }
    const c = chunkOf(300_000)
    const cases = [
      // bytes not chunkSize long, for a chunk that is not the last
      rawEnvelope('chunk', null, wire(c, { total: 2, totalLength: 600_002, chunkSize: 300_001 })),
      // the last chunk's bytes not the remainder
      rawEnvelope('chunk', null, wire(c, { index: 1, total: 2, totalLength: 600_002, chunkSize: 300_001 })),
      // an index out of range
      rawEnvelope('chunk', null, wire(c, { index: 1 })),
      // a count that does not match the lengths
      rawEnvelope('chunk', null, wire(c, { total: 2 })),
      // over the byte bound (1 MiB), count and lengths consistent
      rawEnvelope(
        'chunk',
        null,
        wire(chunkOf(LIMITS.maxChunkBytes + 1), {
          chunkSize: LIMITS.maxChunkBytes + 1,
        }),
      ),
      // an id that is not a u32
      rawEnvelope('chunk', -1, wire(c)),
      // a field out of its range
      rawEnvelope('chunk', null, wire(c, { transferId: 2 ** 32 })),
    ]
    for (const frame of cases) {
      const r = expectSameAsJoined(frame, piecesOf(frame, [20, 50, 60_000]))
      expect([cases.indexOf(frame), r.ok]).toEqual([cases.indexOf(frame), false])
    }
    // A request id is allowed, and read from the head like the rest.
    const withId = rawEnvelope('chunk', 70_000, wire(c))
    const r = expectSameAsJoined(withId, piecesOf(withId, [3, 20]))
    expect(r.ok && r.message.id).toBe(70_000)
  })

  it('joins anything but a chunk and decodes it as one array', () => {
    const block = encode({ type: 'ping', data: { nonce: 3 } })
    expectSameMessage(decode(piecesOf(block, [1, 2])), decode(block))
    const other = rawEnvelope(CATALOG.chunk.code + 1, null, [randomBytes(300_000)])
    expectSameAsJoined(other, piecesOf(other, [3, 200]))
  })

  it('on 2,000 frames mutated in their head and around their end, cut at random places', () => {
    const base = encode(chunkOf(270_000, { index: 0, total: 2, totalLength: 540_000, chunkSize: 270_000 }))
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(90), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: -3, max: 3 }),
        fc.array(fc.nat(base.length), { maxLength: 4 }),
        (edits, resize, cuts) => {
          const frame = new Uint8Array(base.length + resize)
          frame.set(resize < 0 ? base.subarray(0, base.length + resize) : base)
          for (const [at, v] of edits) frame[at] = v
          expectSameAsJoined(frame, piecesOf(frame, cuts))
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it('on 100 chunks written in any standard msgpack form, cut at random places', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 256 * 1024, max: 300_000 }),
        fc.boolean(),
        fc.infiniteStream(fc.nat(7)),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.nat(80), { maxLength: 3 }),
        (length, last, picks, cuts, headCuts) => {
          const choose = (): number => picks.next().value as number
          const msg = last
            ? chunkOf(length, { index: 1, total: 2, chunkSize: 300_001, totalLength: 300_001 + length })
            : chunkOf(length)
          const frame = Uint8Array.from(anyFormOf([CATALOG.chunk.code, null, wireOf(msg)], choose))
          const r = expectSameAsJoined(
            frame,
            piecesOf(frame, [...cuts.map((c) => c % frame.length), ...headCuts]),
          )
          expect(r.ok).toBe(true)
        },
      ),
      { numRuns: 100 },
    )
  })
})

describe('FrameDecoder.pushFrames', () => {
  const chunk = chunkOf(300_000)
  const stream = new Uint8Array([
    ...encodeFrame({ type: 'ping', data: { nonce: 1 } }),
    ...encodeFrame(chunk),
    ...encodeFrame({ type: 'ping', data: { nonce: 2 } }),
  ])

  /** Pushes the stream in pieces of `size` bytes through `read`; the frames it returned. */
  function feed<T>(size: number, read: (d: FrameDecoder, piece: Uint8Array) => T[]): T[] {
    const d = new FrameDecoder()
    const out: T[] = []
    for (let i = 0; i < stream.length; i += size) out.push(...read(d, stream.slice(i, i + size)))
    d.end()
    return out
  }

  it('returns a large chunk frame as the pieces it arrived in, and small frames as arrays', () => {
    for (const size of [1_000, 4_096, 16_384, 65_519, 100_000]) {
      const frames = feed(size, (d, p) => d.pushFrames(p))
      expect(frames.map((f) => f instanceof FramePieces)).toEqual([false, true, false])
      const pieces = frames[1] as FramePieces
      expect(pieces.length).toBe(encode(chunk).length)
      // Pieces of 4 KiB or more are kept as views (none copied); shorter ones are gathered.
      if (size >= 4_096) expect(pieces.pieces.length).toBeGreaterThan(300_000 / size - 1)
      const joined = feed(size, (d, p) => d.push(p))
      expect(joined.length).toBe(3)
      for (const [i, f] of frames.entries()) expectSameMessage(decode(f), decode(joined[i] as Uint8Array))
    }
  })

  it('gives push() the same frames joined, even for a frame begun by pushFrames', () => {
    const d = new FrameDecoder()
    const half = 150_000
    expect(d.pushFrames(stream.slice(0, half)).length).toBe(1)
    const rest = d.push(stream.slice(half))
    expect(rest.every((f) => f instanceof Uint8Array)).toBe(true)
    expectSameMessage(decode(rest[0] as Uint8Array), chunk)
  })

  it('holds what was sent, not more, while a chunk frame arrives in pieces', () => {
    const d = new FrameDecoder()
    const frame = encodeFrame(chunk)
    d.pushFrames(frame.slice(0, 100_000))
    // The body so far (the 4-byte frame header is not held once read).
    expect(d.bufferedBytes).toBe(100_000 - 4)
    d.pushFrames(frame.slice(100_000, 200_000))
    expect(d.bufferedBytes).toBe(200_000 - 4)
  })

  it('MessageFrameDecoder decodes a chunk from its pieces', () => {
    const d = new MessageFrameDecoder()
    const out = []
    for (let i = 0; i < stream.length; i += 65_519) out.push(...d.push(stream.slice(i, i + 65_519)))
    expect(out.every((r) => r.ok)).toBe(true)
    const expected: Message[] = [
      { type: 'ping', data: { nonce: 1 } },
      chunk,
      { type: 'ping', data: { nonce: 2 } },
    ]
    for (const [i, r] of out.entries()) if (r.ok) expectSameMessage(r.message, expected[i] as Message)
    expect(out.map((r) => r.size)).toEqual(expected.map((m) => encode(m).length))
  })
})

describe('ChunkReassembler with chunks decoded from pieces', () => {
  const payload = randomBytes(1_000_000)
  const chunks = splitIntoChunks(payload, { transferId: 9 })

  function decodedInPieces(m: MessageOf<'chunk'>): ChunkData {
    const frame = encode(m)
    return (decode(piecesOf(frame, [50, 65_519, 131_038])) as MessageOf<'chunk'>).data
  }

  it('rebuilds the payload copying from the pieces', () => {
    const r = new ChunkReassembler({ clock })
    let done: Uint8Array | undefined
    for (const m of chunks) done = r.push(decodedInPieces(m))?.payload ?? done
    expect(done !== undefined && Buffer.compare(done, payload)).toBe(0)
  })

  it('still checks the fields of such a chunk, and its bytes once they are assigned', () => {
    const r = new ChunkReassembler({ clock })
    const c = decodedInPieces(chunks[0] as MessageOf<'chunk'>)
    c.transferId = -1
    expect(() => r.push(c)).toThrow(expect.objectContaining({ code: 'ERR_SCHEMA' }))
    const d = decodedInPieces(chunks[0] as MessageOf<'chunk'>)
    d.bytes = new Uint8Array(3)
    expect(() => r.push(d)).toThrow(expect.objectContaining({ code: 'ERR_CHUNK_INCONSISTENT' }))
  })
})

import { describe, expect, it } from 'vitest'
import {
  CodecError,
  decode,
  encode,
  encodeFrame,
  encodeFrameParts,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  framePayload,
  LIMITS,
  type Message,
  MessageFrameDecoder,
  partsLength,
  splitIntoChunks,
} from '../src'
import { bytesOf, SAMPLES } from './helpers/samples'

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function failure(fn: () => unknown): CodecError {
  try {
    fn()
  } catch (err) {
    if (!CodecError.isInstance(err)) throw err
    return err as CodecError
  }
  throw new Error('expected a CodecError')
}

const messages: Message[] = [
  SAMPLES.ping[0] as Message,
  SAMPLES.hello[0] as Message,
  SAMPLES.relay[1] as Message,
  SAMPLES.headers[0] as Message,
  SAMPLES.not_found[0] as Message,
]
const frames = messages.map((m) => encodeFrame(m))
const stream = concat(frames)

describe('encodeFrame', () => {
  it('is a 4-byte big-endian length followed by the envelope', () => {
    const frame = encodeFrame({ type: 'ping', id: 7, data: { nonce: 42 } })
    expect([...frame]).toEqual([0, 0, 0, 5, 0x93, 0x02, 0x07, 0x91, 0x2a])
    expect(FRAME_HEADER_BYTES).toBe(4)
  })

  it('refuses a frame over the given maxMessageSize while writing it', () => {
    const hello = SAMPLES.hello[0] as Message
    const size = encodeFrame(hello).length - FRAME_HEADER_BYTES
    expect(encodeFrame(hello, { maxMessageSize: size }).length).toBe(size + FRAME_HEADER_BYTES)
    const err = failure(() => encodeFrame(hello, { maxMessageSize: size - 1 }))
    expect(err.code).toBe('ERR_FRAME_TOO_LARGE')
    expect(err.details).toMatchObject({ type: 'hello', maxMessageSize: size - 1 })
  })

  it('framePayload frames existing envelope bytes and refuses oversized ones', () => {
    const payload = bytesOf(300)
    const frame = framePayload(payload)
    expect([...frame.subarray(0, 4)]).toEqual([0, 0, 1, 44])
    expect(frame.subarray(4)).toEqual(payload)
    expect(failure(() => framePayload(new Uint8Array(11), { maxMessageSize: 10 })).code).toBe(
      'ERR_FRAME_TOO_LARGE',
    )
  })
})

describe('encoding large byte fields', () => {
  it('writes 1 MiB chunk payloads exactly, next to small messages, and enforces the frame limit', () => {
    const payload = bytesOf(3 * 1024 * 1024 + 17, 11)
    const chunks = splitIntoChunks(payload, { chunkSize: 1024 * 1024, transferId: 5 })
    const ping = { type: 'ping', id: 3, data: { nonce: 1 } } as const
    for (const chunk of chunks) {
      const frame = encodeFrame(chunk)
      const [body] = new FrameDecoder().push(frame)
      // compared by encoding (deep equality of a megabyte of bytes takes seconds)
      expect(Buffer.from(encode(decode(body as Uint8Array))).equals(encode(chunk))).toBe(true)
      expect(frame.buffer.byteLength).toBe(frame.length)
      // the shared writer is clean for the next (small) message
      expect([...encodeFrame(ping)]).toEqual([0, 0, 0, 5, 0x93, 0x02, 0x03, 0x91, 0x01])
    }
    const first = chunks[0] as Message
    const size = encodeFrame(first).length - FRAME_HEADER_BYTES
    expect(failure(() => encodeFrame(first, { maxMessageSize: size - 1 })).code).toBe('ERR_FRAME_TOO_LARGE')
    expect(encodeFrame(first, { maxMessageSize: size })).toHaveLength(size + FRAME_HEADER_BYTES)
    expect(decode(encodeFrame(ping).subarray(FRAME_HEADER_BYTES))).toStrictEqual(ping)
  })
})

describe('encodeFrameParts', () => {
  it('concatenates to exactly encodeFrame for every sample message', () => {
    for (const list of Object.values(SAMPLES)) {
      for (const m of list as Message[]) {
        const parts = encodeFrameParts(m)
        expect(concat(parts)).toEqual(encodeFrame(m))
        expect(partsLength(parts)).toBe(encodeFrame(m).length)
        expect(parts.every((p) => p.length > 0)).toBe(true)
      }
    }
  })

  it('references large byte fields instead of copying them, and leaves the shared writer clean', () => {
    const payload = bytesOf(100 * 1024, 3)
    const small = bytesOf(100, 4)
    const [chunk] = splitIntoChunks(payload, { chunkSize: 100 * 1024, transferId: 9 })
    const parts = encodeFrameParts(chunk as Message)
    const ref = parts.find((p) => p.length === payload.length)
    expect(ref?.buffer).toBe(payload.buffer)
    expect(concat(parts)).toEqual(encodeFrame(chunk as Message))
    const header = parts[0] as Uint8Array
    expect(new DataView(header.buffer, header.byteOffset).getUint32(0)).toBe(
      partsLength(parts) - FRAME_HEADER_BYTES,
    )
    // small byte fields are copied into the one fresh buffer: a single piece that is nobody else's
    const relay = {
      type: 'relay',
      data: {
        origin: (SAMPLES.relay[1] as { data: { origin: string } }).data.origin,
        hops: 0,
        ttl: 1,
        payload: small,
      },
    } as Message
    const relayParts = encodeFrameParts(relay)
    expect(relayParts).toHaveLength(1)
    expect(relayParts[0]?.buffer).not.toBe(small.buffer)
    expect(concat(relayParts)).toEqual(encodeFrame(relay))
    const ping = { type: 'ping', id: 3, data: { nonce: 1 } } as const
    expect(encodeFrameParts(ping)).toEqual([encodeFrame(ping)])
  })

  it('enforces the frame limit and the per-type maximum like encodeFrame', () => {
    const [chunk] = splitIntoChunks(bytesOf(64 * 1024, 5), { chunkSize: 64 * 1024, transferId: 1 })
    const size = encodeFrame(chunk as Message).length - FRAME_HEADER_BYTES
    expect(failure(() => encodeFrameParts(chunk as Message, { maxMessageSize: size - 1 })).code).toBe(
      'ERR_FRAME_TOO_LARGE',
    )
    expect(partsLength(encodeFrameParts(chunk as Message, { maxMessageSize: size }))).toBe(size + 4)
    expect([...encodeFrame({ type: 'ping', id: 3, data: { nonce: 1 } })]).toEqual([
      0, 0, 0, 5, 0x93, 0x02, 0x03, 0x91, 0x01,
    ])
  })
})

describe('FrameDecoder', () => {
  it('returns every frame of one chunk, in order', () => {
    const out = new FrameDecoder().push(stream)
    expect(out.map((p) => decode(p))).toStrictEqual(messages)
  })

  it('handles every split of the stream into two chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder()
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))]
      expect(out.length, `cut at ${cut}`).toBe(messages.length)
      expect(d.bufferedBytes).toBe(0)
      for (let i = 0; i < out.length; i++) expect(out[i]).toEqual(frames[i]?.subarray(4))
    }
  })

  it('handles every split into three chunks around frame boundaries', () => {
    const first = frames[0]?.length as number
    for (let a = 0; a <= first + 6; a++) {
      for (let b = a; b <= first + 12; b++) {
        const d = new FrameDecoder()
        const out = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)].flatMap((c) =>
          d.push(c),
        )
        expect(out.length).toBe(messages.length)
        expect(out[1]).toEqual(frames[1]?.subarray(4))
      }
    }
  })

  it('handles one byte at a time, with buffered bytes never above one frame', () => {
    const d = new FrameDecoder()
    const out: Uint8Array[] = []
    let max = 0
    for (let i = 0; i < stream.length; i++) {
      out.push(...d.push(stream.subarray(i, i + 1)))
      max = Math.max(max, d.bufferedBytes)
    }
    expect(out.map((p) => decode(p))).toStrictEqual(messages)
    expect(max).toBe(Math.max(...frames.map((f) => f.length)) - FRAME_HEADER_BYTES - 1)
  })

  it('handles empty chunks and zero-length frames', () => {
    const d = new FrameDecoder()
    expect(d.push(new Uint8Array(0))).toEqual([])
    const out = d.push(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1, 9))
    expect(out.map((p) => [...p])).toEqual([[], [9]])
  })

  it('returns a view (no copy) when a frame arrives whole in one chunk', () => {
    const chunk = concat(frames)
    const [first] = new FrameDecoder().push(chunk)
    expect(first?.buffer).toBe(chunk.buffer)
  })

  it('assembles a 4 MB frame from 64 KiB pieces in linear time, with one right-sized result', () => {
    const payload = bytesOf(LIMITS.maxMessageSize, 3)
    const whole = framePayload(payload)
    const d = new FrameDecoder()
    const started = performance.now()
    const out: Uint8Array[] = []
    let maxBuffered = 0
    for (let i = 0; i < whole.length; i += 65_536) {
      out.push(...d.push(whole.subarray(i, i + 65_536)))
      maxBuffered = Math.max(maxBuffered, d.bufferedBytes)
    }
    const elapsed = performance.now() - started
    expect(out).toHaveLength(1)
    expect(out[0]?.length).toBe(payload.length)
    expect(out[0]?.buffer.byteLength).toBe(payload.length)
    expect(Buffer.compare(out[0] as Uint8Array, payload)).toBe(0)
    expect(maxBuffered).toBeLessThanOrEqual(LIMITS.maxMessageSize + FRAME_HEADER_BYTES)
    expect(elapsed).toBeLessThan(200)
  })

  it('decodes a 4 MB frame arriving in fresh 64 KB pieces, holding at most 4x the bytes received', () => {
    const payload = bytesOf(LIMITS.maxMessageSize, 5)
    const next = framePayload(bytesOf(300, 6))
    const whole = concat([framePayload(payload), next])
    for (const size of [65_536, 65_519]) {
      const d = new FrameDecoder()
      const out: Uint8Array[] = []
      let received = 0
      for (let i = 0; i < whole.length; i += size) {
        // A fresh buffer per piece, as a socket or the Noise stream hands them out.
        const piece = whole.slice(i, i + size)
        received += piece.length
        out.push(...d.push(piece))
        const body = received - FRAME_HEADER_BYTES
        if (out.length === 0) {
          // exactly what arrived until a quarter of the frame is here; then the frame's own buffer
          if (body * 4 < payload.length) expect(d.bufferedBytes).toBe(body)
          else expect(d.bufferedBytes).toBe(payload.length)
          expect(d.bufferedBytes).toBeLessThanOrEqual(4 * received)
        } else {
          expect(d.bufferedBytes).toBeLessThanOrEqual(received)
        }
      }
      expect(out).toHaveLength(2)
      expect(out[0]?.length).toBe(payload.length)
      expect(out[0]?.buffer.byteLength).toBe(payload.length)
      expect(Buffer.compare(out[0] as Uint8Array, payload)).toBe(0)
      expect(out[1]).toEqual(next.subarray(FRAME_HEADER_BYTES))
      expect(d.bufferedBytes).toBe(0)
      d.end()
    }
  })

  it('decodes a frame from a mix of long and tiny pieces, and from pieces of a larger buffer', () => {
    const payload = bytesOf(200_000, 7)
    const whole = framePayload(payload)
    const sizes = [1, 3, 20_000, 7, 1, 40_000, 2, 2, 17_000, 9_000, 1]
    for (const fresh of [true, false]) {
      const d = new FrameDecoder()
      const out: Uint8Array[] = []
      let pos = 0
      let received = 0
      for (let k = 0; pos < whole.length; k++) {
        const end = Math.min(whole.length, pos + (sizes[k % sizes.length] as number))
        const piece = fresh ? whole.slice(pos, end) : whole.subarray(pos, end)
        received += piece.length
        out.push(...d.push(piece))
        expect(d.bufferedBytes).toBeLessThanOrEqual(received)
        pos = end
      }
      expect(out).toHaveLength(1)
      expect(Buffer.compare(out[0] as Uint8Array, payload)).toBe(0)
      expect(d.bufferedBytes).toBe(0)
    }
  })

  it('accepts a frame of exactly maxMessageSize and refuses one byte more', () => {
    const d = new FrameDecoder({ maxMessageSize: 10 })
    expect(d.push(framePayload(bytesOf(10), { maxMessageSize: 10 }))).toHaveLength(1)
    const err = failure(() => d.push(Uint8Array.of(0, 0, 0, 11)))
    expect(err.code).toBe('ERR_FRAME_TOO_LARGE')
    expect(err.details).toMatchObject({ length: 11, maxMessageSize: 10 })
  })

  it('refuses a 4 GB declared length at the header, with nothing buffered', () => {
    const d = new FrameDecoder()
    expect(d.push(Uint8Array.of(0xff, 0xff))).toEqual([])
    expect(d.bufferedBytes).toBe(2)
    const err = failure(() => d.push(Uint8Array.of(0xff, 0xff, 1, 2, 3)))
    expect(err.code).toBe('ERR_FRAME_TOO_LARGE')
    expect(err.details.length).toBe(0xffff_ffff)
    expect(d.bufferedBytes).toBe(0)
    // the stream is dead: later pushes and end() rethrow
    expect(failure(() => d.push(frames[0] as Uint8Array)).code).toBe('ERR_FRAME_TOO_LARGE')
    expect(failure(() => d.end()).code).toBe('ERR_FRAME_TOO_LARGE')
  })

  it('refuses a declared length just over the default limit before allocating', () => {
    const d = new FrameDecoder()
    const header = new Uint8Array(4)
    new DataView(header.buffer).setUint32(0, LIMITS.maxMessageSize + 1)
    expect(failure(() => d.push(header)).code).toBe('ERR_FRAME_TOO_LARGE')
  })

  it('end() reports a stream that stops inside a frame', () => {
    const d = new FrameDecoder()
    d.push((frames[1] as Uint8Array).subarray(0, 10))
    expect(failure(() => d.end()).code).toBe('ERR_TRUNCATED')
    const clean = new FrameDecoder()
    clean.push(stream)
    expect(() => clean.end()).not.toThrow()
  })

  it('validates its options and input', () => {
    expect(failure(() => new FrameDecoder({ maxMessageSize: 2 ** 32 })).code).toBe('ERR_INVALID_OPTIONS')
    expect(failure(() => new FrameDecoder({ maxMessageSize: -1 })).code).toBe('ERR_INVALID_OPTIONS')
    expect(failure(() => new FrameDecoder().push('abc' as unknown as Uint8Array)).code).toBe('ERR_MALFORMED')
    expect(new FrameDecoder().maxMessageSize).toBe(4_000_000)
  })
})

describe('MessageFrameDecoder', () => {
  it('decodes frames into messages and reports a bad one without stopping the stream', () => {
    const bad = framePayload(Uint8Array.of(0x93, 0x7f, 0xc0, 0x90))
    const garbage = framePayload(Uint8Array.of(0xc1))
    const input = concat([frames[0] as Uint8Array, bad, garbage, frames[1] as Uint8Array])
    const d = new MessageFrameDecoder()
    const out = [...d.push(input.subarray(0, 7)), ...d.push(input.subarray(7))]
    expect(out.map((r) => r.ok)).toEqual([true, false, false, true])
    expect(out[0]).toMatchObject({ ok: true, message: messages[0] })
    expect(out[1]).toMatchObject({ ok: false, size: 4 })
    expect(out[1]?.ok === false && out[1].error.code).toBe('ERR_UNKNOWN_TYPE')
    expect(out[2]?.ok === false && out[2].error.code).toBe('ERR_MALFORMED')
    expect(out[3]).toMatchObject({ ok: true, message: messages[1] })
    expect(d.bufferedBytes).toBe(0)
    expect(d.maxMessageSize).toBe(LIMITS.maxMessageSize)
    expect(() => d.end()).not.toThrow()
  })

  it('still throws on framing errors', () => {
    const d = new MessageFrameDecoder({ maxMessageSize: 100 })
    expect(failure(() => d.push(Uint8Array.of(0, 0, 1, 0))).code).toBe('ERR_FRAME_TOO_LARGE')
  })
})

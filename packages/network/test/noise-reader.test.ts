import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CipherState, MAX_NOISE_MESSAGE, NoiseError, TAG_LENGTH } from '../src/noise/index'
import { MessageReader } from '../src/noise/message-reader'

const EMPTY = Buffer.alloc(0)
const MAX_PLAINTEXT = MAX_NOISE_MESSAGE - TAG_LENGTH

function ciphers(): { send: CipherState; receive: CipherState } {
  const key = randomBytes(32)
  const send = new CipherState()
  const receive = new CipherState()
  send.initializeKey(key)
  receive.initializeKey(key)
  return { send, receive }
}

/** The wire bytes of `plaintexts`, each one Noise transport message (2-byte length, ciphertext, tag). */
function wire(send: CipherState, plaintexts: readonly Buffer[]): Buffer {
  return Buffer.concat(
    plaintexts.map((p) => {
      const sealed = send.encryptWithAd(EMPTY, p)
      const prefix = Buffer.alloc(2)
      prefix.writeUInt16BE(sealed.length)
      return Buffer.concat([prefix, sealed])
    }),
  )
}

/**
 * Feeds `bytes` cut at `cuts`, each piece copied into one reused buffer that is scribbled over after every
 * call (as the shared socket read buffer is): the reader must not keep a view of it.
 */
function feed(reader: MessageReader, bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const scratch = Buffer.alloc(bytes.length)
  const out: Buffer[] = []
  let at = 0
  for (const end of [...cuts, bytes.length]) {
    if (end <= at) continue
    const n = bytes.copy(scratch, 0, at, end)
    reader.read(scratch.subarray(0, n), out)
    scratch.fill(0xee, 0, n)
    at = end
  }
  return out
}

describe('MessageReader', () => {
  it('gives back every message byte for byte, however the stream is cut, from a reused buffer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 40 }),
        (sizes, rawCuts) => {
          const { send, receive } = ciphers()
          const plaintexts = sizes.map((n) => randomBytes(Math.min(n, MAX_PLAINTEXT)))
          const bytes = wire(send, plaintexts)
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y)
          const reader = new MessageReader(receive)
          const out = feed(reader, bytes, cuts)
          expect(Buffer.concat(out).equals(Buffer.concat(plaintexts))).toBe(true)
          expect(reader.inMessage).toBe(false)
          expect(reader.bufferedBytes).toBe(0)
          expect(receive.nonce).toBe(BigInt(plaintexts.length))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('holds a bounded number of pieces for a message that arrives one byte per read', () => {
    const { send, receive } = ciphers()
    const plaintext = randomBytes(MAX_PLAINTEXT)
    const bytes = wire(send, [plaintext])
    const reader = new MessageReader(receive)
    const out: Buffer[] = []
    let most = 0
    for (let i = 0; i < bytes.length; i++) {
      reader.read(bytes.subarray(i, i + 1), out)
      most = Math.max(most, reader.bufferedBytes)
    }
    expect(Buffer.concat(out).equals(plaintext)).toBe(true)
    // Gathered 16 KiB at a time: 4 pieces, not 65,519 one-byte buffers.
    expect(out.length).toBe(4)
    expect(most).toBeLessThanOrEqual(MAX_PLAINTEXT)
  })

  it('releases nothing of a message whose tag fails, after the good ones before it', () => {
    const { send, receive } = ciphers()
    const first = randomBytes(30_000)
    const bytes = wire(send, [first, randomBytes(30_000), randomBytes(10)])
    // Flip a ciphertext byte of the second message.
    bytes[2 + first.length + TAG_LENGTH + 2 + 500] ^= 1
    const reader = new MessageReader(receive)
    const out: Buffer[] = []
    let failure: unknown
    try {
      reader.read(bytes, out)
    } catch (err) {
      failure = err
    }
    expect(NoiseError.isInstance(failure)).toBe(true)
    expect((failure as NoiseError).code).toBe('ERR_NOISE_DECRYPT')
    expect(Buffer.concat(out).equals(first)).toBe(true)
    // The nonce moved past the good message only.
    expect(receive.nonce).toBe(1n)
  })

  it('rejects a length outside [16, 65535] as soon as the prefix is read', () => {
    const { receive } = ciphers()
    const reader = new MessageReader(receive)
    reader.read(Buffer.from([0x00]), [])
    expect(reader.inMessage).toBe(true)
    expect(() => reader.read(Buffer.from([0x0f]), [])).toThrow(
      expect.objectContaining({ code: 'ERR_NOISE_FRAME' }),
    )
  })

  it('accepts an empty message (a tag alone)', () => {
    const { send, receive } = ciphers()
    const reader = new MessageReader(receive)
    const out: Buffer[] = []
    reader.read(wire(send, [EMPTY, Buffer.from('after')]), out)
    expect(Buffer.concat(out).toString()).toBe('after')
    expect(receive.nonce).toBe(2n)
  })
})

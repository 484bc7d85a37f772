import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createIdentity } from '../src/identity/index'
import {
  CipherState,
  createHandshakePayload,
  decodeHandshakePayload,
  encodeHandshakePayload,
  FrameDecoder,
  generateX25519KeyPair,
  HANDSHAKE_PAYLOAD_LENGTH,
  HandshakeState,
  hkdf,
  NoiseError,
  verifyHandshakePayload,
  x25519,
} from '../src/noise/index'

const EMPTY = Buffer.alloc(0)

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(NoiseError.isInstance(err), String(err)).toBe(true)
    return (err as NoiseError).code
  }
  return undefined
}

function keyed(): [CipherState, CipherState] {
  const key = randomBytes(32)
  const a = new CipherState()
  const b = new CipherState()
  a.initializeKey(key)
  b.initializeKey(key)
  return [a, b]
}

describe('CipherState', () => {
  it('passes data through until a key is set', () => {
    const c = new CipherState()
    expect(c.hasKey()).toBe(false)
    expect(c.encryptWithAd(EMPTY, Buffer.from('abc')).toString()).toBe('abc')
    expect(c.decryptWithAd(EMPTY, Buffer.from('abc')).toString()).toBe('abc')
  })

  it('encrypts with the 4-zero-byte + 64-bit little-endian nonce', () => {
    const key = randomBytes(32)
    const a = new CipherState()
    const b = new CipherState()
    a.initializeKey(key)
    b.initializeKey(key)
    a.setNonce(0x0102030405060708n)
    const ct = a.encryptWithAd(Buffer.from('ad'), Buffer.from('hello'))
    expect(a.nonce).toBe(0x0102030405060709n)
    // The same bytes through node:crypto with the nonce laid out by hand.
    const iv = Buffer.from('000000000807060504030201', 'hex')
    const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 })
    cipher.setAAD(Buffer.from('ad'), { plaintextLength: 5 })
    const expected = Buffer.concat([cipher.update(Buffer.from('hello')), cipher.final(), cipher.getAuthTag()])
    expect(ct).toEqual(expected)
    b.setNonce(0x0102030405060708n)
    expect(b.decryptWithAd(Buffer.from('ad'), ct).toString()).toBe('hello')
  })

  it('carries the nonce across the 32-bit boundary', () => {
    const [a, b] = keyed()
    a.setNonce(0xfffffffen)
    b.setNonce(0xfffffffen)
    for (let i = 0; i < 3; i++) {
      expect(b.decryptWithAd(EMPTY, a.encryptWithAd(EMPTY, Buffer.from([i])))).toEqual(Buffer.from([i]))
    }
    expect(a.nonce).toBe(0x100000001n)
  })

  it('fails with ERR_NOISE_DECRYPT on a bad tag, a wrong nonce, wrong ad or a short message', () => {
    const [a, b] = keyed()
    const ct = a.encryptWithAd(EMPTY, Buffer.from('payload'))
    const bad = Buffer.from(ct)
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x80
    expect(codeOf(() => b.decryptWithAd(EMPTY, bad))).toBe('ERR_NOISE_DECRYPT')
    expect(codeOf(() => b.decryptWithAd(Buffer.from('x'), ct))).toBe('ERR_NOISE_DECRYPT')
    expect(codeOf(() => b.decryptWithAd(EMPTY, ct.subarray(0, 15)))).toBe('ERR_NOISE_DECRYPT')
    // A failure leaves the nonce alone, so the genuine message still opens.
    expect(b.decryptWithAd(EMPTY, ct).toString()).toBe('payload')
    // The same message again (a replay) is checked against the next nonce and fails.
    expect(codeOf(() => b.decryptWithAd(EMPTY, ct))).toBe('ERR_NOISE_DECRYPT')
  })

  it('refuses to use nonce 2^64-1 (ERR_NONCE_EXHAUSTED)', () => {
    const [a, b] = keyed()
    a.setNonce(2n ** 64n - 2n)
    b.setNonce(2n ** 64n - 2n)
    const last = a.encryptWithAd(EMPTY, Buffer.from('last'))
    expect(b.decryptWithAd(EMPTY, last).toString()).toBe('last')
    expect(a.nonce).toBe(2n ** 64n - 1n)
    expect(codeOf(() => a.encryptWithAd(EMPTY, Buffer.from('one more')))).toBe('ERR_NONCE_EXHAUSTED')
    expect(codeOf(() => b.decryptWithAd(EMPTY, last))).toBe('ERR_NONCE_EXHAUSTED')
    expect(codeOf(() => a.setNonce(2n ** 64n))).toBe('ERR_NONCE_EXHAUSTED')
  })

  it('encrypts and decrypts messages given in pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (pieces) => {
        const [a, b] = keyed()
        const whole = Buffer.concat(pieces)
        const out: Buffer[] = []
        a.encryptParts(EMPTY, pieces, out)
        const sealed = Buffer.concat(out)
        expect(sealed.length).toBe(whole.length + 16)
        const half = Math.floor(whole.length / 2)
        const ctPieces = [sealed.subarray(0, half), sealed.subarray(half, whole.length)]
        expect(Buffer.concat(b.decryptParts(EMPTY, ctPieces, sealed.subarray(whole.length)))).toEqual(whole)
      }),
    )
  })

  it('rekeys both sides to the same new key', () => {
    const [a, b] = keyed()
    a.rekey()
    b.rekey()
    expect(b.decryptWithAd(EMPTY, a.encryptWithAd(EMPTY, Buffer.from('after rekey'))).toString()).toBe(
      'after rekey',
    )
    const [c, d] = keyed()
    c.rekey()
    expect(codeOf(() => d.decryptWithAd(EMPTY, c.encryptWithAd(EMPTY, Buffer.from('x'))))).toBe(
      'ERR_NOISE_DECRYPT',
    )
  })
})

describe('hkdf', () => {
  it('equals RFC 5869 HKDF-SHA256 with the chaining key as salt and empty info', () => {
    const ck = randomBytes(32)
    const ikm = randomBytes(32)
    const [a, b, c] = hkdf(ck, ikm, 3)
    expect(Buffer.concat([a as Buffer, b as Buffer, c as Buffer])).toEqual(
      Buffer.from(hkdfSync('sha256', ikm, ck, EMPTY, 96)),
    )
  })
})

describe('HandshakeState', () => {
  const run = (): [HandshakeState, HandshakeState] => {
    const i = new HandshakeState({ initiator: true, staticKey: generateX25519KeyPair() })
    const r = new HandshakeState({ initiator: false, staticKey: generateX25519KeyPair() })
    r.readMessage(i.writeMessage(EMPTY))
    i.readMessage(r.writeMessage(Buffer.from('r')))
    r.readMessage(i.writeMessage(Buffer.from('i')))
    return [i, r]
  }

  it('completes XX with matching hashes and crossed transport ciphers', () => {
    const [i, r] = run()
    expect(i.handshakeHash).toEqual(r.handshakeHash)
    const msg = i.transportCiphers().send.encryptWithAd(EMPTY, Buffer.from('x'))
    expect(r.transportCiphers().receive.decryptWithAd(EMPTY, msg).toString()).toBe('x')
  })

  it('enforces turns and completion with ERR_NOISE_HANDSHAKE', () => {
    const i = new HandshakeState({ initiator: true, staticKey: generateX25519KeyPair() })
    expect(codeOf(() => i.readMessage(Buffer.alloc(32)))).toBe('ERR_NOISE_HANDSHAKE')
    expect(codeOf(() => i.transportCiphers())).toBe('ERR_NOISE_HANDSHAKE')
    const [done] = run()
    expect(codeOf(() => done.writeMessage(EMPTY))).toBe('ERR_NOISE_HANDSHAKE')
  })

  it('rejects short messages and a low-order ephemeral key', () => {
    const r = new HandshakeState({ initiator: false, staticKey: generateX25519KeyPair() })
    expect(codeOf(() => r.readMessage(Buffer.alloc(31)))).toBe('ERR_NOISE_HANDSHAKE')
    const i = new HandshakeState({ initiator: true, staticKey: generateX25519KeyPair() })
    const r2 = new HandshakeState({ initiator: false, staticKey: generateX25519KeyPair() })
    r2.readMessage(i.writeMessage(EMPTY))
    const msg2 = r2.writeMessage(EMPTY)
    expect(codeOf(() => i.readMessage(msg2.subarray(0, 60)))).toBe('ERR_NOISE_HANDSHAKE')
    const zero = new HandshakeState({ initiator: true, staticKey: generateX25519KeyPair() })
    zero.writeMessage(EMPTY)
    // The all-zero point gives an all-zero shared secret, which X25519 refuses.
    expect(codeOf(() => zero.readMessage(Buffer.alloc(200)))).toBe('ERR_NOISE_HANDSHAKE')
    expect(codeOf(() => x25519(generateX25519KeyPair().privateKey, Buffer.alloc(32)))).toBe(
      'ERR_NOISE_HANDSHAKE',
    )
  })
})

describe('handshake payload', () => {
  it('encodes the fixed 97-byte layout and verifies the static-key signature', () => {
    const id = createIdentity()
    const s = generateX25519KeyPair()
    const bytes = encodeHandshakePayload(createHandshakePayload(id, s.publicKey))
    expect(bytes.length).toBe(HANDSHAKE_PAYLOAD_LENGTH)
    expect(bytes[0]).toBe(1)
    expect(Buffer.from(decodeHandshakePayload(bytes).identityKey)).toEqual(Buffer.from(id.publicKey))
    expect(verifyHandshakePayload(bytes, s.publicKey).peerId).toBe(id.peerId)
    expect(codeOf(() => verifyHandshakePayload(bytes, generateX25519KeyPair().publicKey))).toBe(
      'ERR_INVALID_IDENTITY',
    )
  })

  it('rejects any other size or version with ERR_INVALID_IDENTITY', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(codeOf(() => verifyHandshakePayload(bytes, Buffer.alloc(32, 9)))).toBe('ERR_INVALID_IDENTITY')
      }),
    )
  })
})

describe('FrameDecoder', () => {
  it('reassembles frames split at every byte without losing or copying more than needed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 100 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (frames, cuts) => {
          const wire = Buffer.concat(
            frames.map((f) => Buffer.concat([Buffer.from([f.length >> 8, f.length & 255]), f])),
          )
          const d = new FrameDecoder()
          const out: Buffer[] = []
          let at = 0
          let k = 0
          while (at < wire.length) {
            const n = cuts[k++ % cuts.length] as number
            d.push(wire.subarray(at, at + n))
            at += n
            for (let len = d.nextFrame(0, 65535); len !== undefined; len = d.nextFrame(0, 65535)) {
              out.push(Buffer.concat(d.take(len)))
              d.frameDone()
            }
          }
          expect(out).toEqual(frames.map((f) => Buffer.from(f)))
          expect(d.inFrame).toBe(false)
        },
      ),
    )
  })

  it('rejects a length outside the bounds as soon as the prefix arrives', () => {
    const d = new FrameDecoder()
    d.push(Buffer.from([0x00]))
    expect(d.nextFrame(16, 1024)).toBeUndefined()
    d.push(Buffer.from([0x0f]))
    expect(codeOf(() => d.nextFrame(16, 1024))).toBe('ERR_NOISE_FRAME')
    const e = new FrameDecoder()
    e.push(Buffer.from([0x04, 0x01]))
    expect(codeOf(() => e.nextFrame(16, 1024))).toBe('ERR_NOISE_FRAME')
  })
})

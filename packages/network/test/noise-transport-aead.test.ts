import { createCipheriv, createHash } from 'node:crypto'
import { once } from 'node:events'
import { Duplex } from 'node:stream'
import { systemClock } from '@chainwire/interface'
import { describe, expect, it } from 'vitest'
import { createIdentity } from '../src/identity/index'
import { CHACHA20_POLY1305, type TransportAead } from '../src/index'
import {
  CipherState,
  type SecureChannelOptions,
  type SecureConnection,
  secureInbound,
  secureOutbound,
  x25519KeyPairFromPrivateKey,
} from '../src/noise/index'

const alice = createIdentity()
const bob = createIdentity()
const PLAINTEXT = Buffer.from('chainwire transport message '.repeat(40))

/** A stand-in AEAD of the real one's sizes that leaves the plaintext as it is (a zero tag), and counts. */
function passThrough(): TransportAead & { sealed: number; opened: number } {
  const tag = Buffer.alloc(16)
  const aead = {
    name: 'pass-through',
    sealed: 0,
    opened: 0,
    seal: () => {
      aead.sealed++
      return {
        setAAD: () => undefined,
        update: (p: Uint8Array) => Buffer.from(p),
        final: () => Buffer.alloc(0),
        getAuthTag: () => tag,
      }
    },
    open: () => {
      aead.opened++
      let given = tag
      return {
        setAuthTag: (t: Uint8Array) => {
          given = Buffer.from(t)
        },
        setAAD: () => undefined,
        update: (c: Uint8Array) => Buffer.from(c),
        final: () => {
          if (!given.equals(tag)) throw new Error('tag mismatch')
          return Buffer.alloc(0)
        },
      }
    },
  }
  return aead
}

/** An in-memory byte pipe whose first end records every chunk it writes. */
function recordingPair(): { ends: [Duplex, Duplex]; written: Buffer[] } {
  const written: Buffer[] = []
  const ends: Duplex[] = []
  const make = (i: number): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        if (i === 0) written.push(Buffer.from(chunk))
        const peer = ends[1 - i] as Duplex
        if (!peer.destroyed) peer.push(chunk)
        callback()
      },
      final(callback) {
        ;(ends[1 - i] as Duplex).push(null)
        callback()
      },
    })
  ends.push(make(0), make(1))
  return { ends: ends as [Duplex, Duplex], written }
}

/** Seeded keys, so two handshakes are the same handshake. */
function keys(label: string): Pick<SecureChannelOptions, 'staticKey' | 'ephemeralKey'> {
  const key = (what: string) => createHash('sha256').update(`${label} ${what}`).digest()
  return {
    staticKey: x25519KeyPairFromPrivateKey(key('static')),
    ephemeralKey: x25519KeyPairFromPrivateKey(key('ephemeral')),
  }
}

/** Runs a seeded handshake, sends PLAINTEXT from the initiator, and returns what crossed the wire. */
async function exchange(aead: TransportAead | undefined): Promise<{ hash: Buffer; wire: Buffer[] }> {
  const { ends, written } = recordingPair()
  const extra = aead === undefined ? {} : { transportAead: aead }
  const [a, b]: SecureConnection[] = await Promise.all([
    secureOutbound(ends[0], {
      identity: alice,
      networkId: 'aead',
      clock: systemClock,
      ...keys('a'),
      ...extra,
    }),
    secureInbound(ends[1], { identity: bob, networkId: 'aead', clock: systemClock, ...keys('b'), ...extra }),
  ])
  const handshakeBytes = written.length
  const received = once(b.stream, 'data')
  a.stream.write(PLAINTEXT)
  const [data] = (await received) as [Buffer]
  expect(Buffer.from(data)).toEqual(PLAINTEXT)
  a.close()
  b.close()
  return { hash: Buffer.from(a.handshakeHash), wire: written.slice(handshakeBytes) }
}

describe('transport AEAD', () => {
  it('defaults to ChaCha20-Poly1305: a cipher state seals exactly as node:crypto does', () => {
    const key = createHash('sha256').update('key').digest()
    const state = new CipherState()
    state.initializeKey(key)
    const sealed = state.encryptWithAd(Buffer.from('ad'), PLAINTEXT)
    const iv = Buffer.alloc(12)
    const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 })
    cipher.setAAD(Buffer.from('ad'), { plaintextLength: PLAINTEXT.length })
    const expected = Buffer.concat([cipher.update(PLAINTEXT), cipher.final(), cipher.getAuthTag()])
    expect(sealed).toEqual(expected)
    expect(CHACHA20_POLY1305.name).toBe('ChaChaPoly')
  })

  it('by default, encrypts transport messages: the plaintext never crosses the wire', async () => {
    const { wire } = await exchange(undefined)
    const bytes = Buffer.concat(wire)
    expect(bytes.length).toBe(2 + PLAINTEXT.length + 16)
    expect(bytes.includes(PLAINTEXT.subarray(0, 32))).toBe(false)
  })

  it('an injected AEAD seals the transport messages only: same handshake, same frame sizes', async () => {
    const real = await exchange(undefined)
    const aead = passThrough()
    const injected = await exchange(aead)
    // The handshake runs the real cipher either way (its hash is the same with the same keys) ...
    expect(injected.hash).toEqual(real.hash)
    // ... and the transport message has the real one's framing and size, sealed by the injected AEAD.
    const bytes = Buffer.concat(injected.wire)
    expect(bytes.length).toBe(Buffer.concat(real.wire).length)
    expect(bytes.readUInt16BE(0)).toBe(PLAINTEXT.length + 16)
    expect(bytes.subarray(2, 2 + PLAINTEXT.length)).toEqual(PLAINTEXT)
    expect(aead.sealed).toBeGreaterThanOrEqual(1)
    expect(aead.opened).toBeGreaterThanOrEqual(1)
  })
})

import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  base32Decode,
  base32Encode,
  createIdentity,
  IDENTITY_KEY_FILE,
  IdentityError,
  identityFromPrivateKey,
  isPeerId,
  loadOrCreateIdentity,
  PEER_ID_LENGTH,
  peerIdFromPublicKey,
  publicKeyFromPeerId,
  sign,
  verify,
} from '../src/identity/index'
import { importRawPrivateKey } from '../src/identity/raw-key'
import { x25519KeyPairFromPrivateKey } from '../src/noise/index'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    expect(IdentityError.isInstance(err)).toBe(true)
    return (err as IdentityError).code
  }
  return undefined
}

describe('base32', () => {
  // RFC 4648 section 10, lowercased and without padding.
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ]
  it.each(vectors)('encodes and decodes the RFC 4648 vector %j', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded)
    expect(Buffer.from(base32Decode(encoded)).toString()).toBe(plain)
  })

  it('round-trips random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(base32Decode(base32Encode(bytes))).toEqual(bytes)
      }),
    )
  })

  it('rejects uppercase, padding, bad characters, impossible lengths and non-canonical tails', () => {
    for (const bad of ['MY', 'my======', 'm1', 'm', 'mzx', 'mzxw6y', 'mz', 'mzxr', 'é']) {
      expect(
        codeOf(() => base32Decode(bad)),
        bad,
      ).toBe('ERR_INVALID_BASE32')
    }
  })
})

describe('peer ids', () => {
  it('is cw + lowercase unpadded base32 of the public key, and round-trips', () => {
    const id = createIdentity()
    expect(id.peerId).toMatch(/^cw[a-z2-7]{52}$/)
    expect(id.peerId.length).toBe(PEER_ID_LENGTH)
    expect(id.peerId).toBe(`cw${base32Encode(id.publicKey)}`)
    expect(peerIdFromPublicKey(id.publicKey)).toBe(id.peerId)
    expect(Buffer.from(publicKeyFromPeerId(id.peerId))).toEqual(Buffer.from(id.publicKey))
    expect(isPeerId(id.peerId)).toBe(true)
  })

  it('matches a known key', () => {
    expect(peerIdFromPublicKey(new Uint8Array(32))).toBe(`cw${'a'.repeat(52)}`)
    expect(peerIdFromPublicKey(new Uint8Array(32).fill(0xff))).toBe(`cw${'7'.repeat(51)}q`)
  })

  it('rejects malformed peer ids with ERR_INVALID_PEER_ID', () => {
    const good = createIdentity().peerId
    const bad = [
      '',
      'cw',
      good.slice(0, -1),
      `${good}a`,
      `xx${good.slice(2)}`,
      good.toUpperCase(),
      `cw${'7'.repeat(52)}`, // non-zero trailing bits: not canonical
      `cw${'a'.repeat(51)}1`,
    ]
    for (const b of bad) {
      expect(
        codeOf(() => publicKeyFromPeerId(b)),
        b,
      ).toBe('ERR_INVALID_PEER_ID')
      expect(isPeerId(b)).toBe(false)
    }
    expect(codeOf(() => publicKeyFromPeerId(42 as unknown as string))).toBe('ERR_INVALID_PEER_ID')
    expect(codeOf(() => peerIdFromPublicKey(new Uint8Array(31)))).toBe('ERR_INVALID_KEY')
  })

  it('never accepts two strings for one key', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567ABC01=-'
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: PEER_ID_LENGTH - 1 }),
        fc.integer({ min: 0, max: alphabet.length - 1 }),
        (key, at, c) => {
          const id = peerIdFromPublicKey(key)
          const mutated = id.slice(0, at) + alphabet[c] + id.slice(at + 1)
          if (isPeerId(mutated)) expect(peerIdFromPublicKey(publicKeyFromPeerId(mutated))).toBe(mutated)
          else expect(codeOf(() => publicKeyFromPeerId(mutated))).toBe('ERR_INVALID_PEER_ID')
        },
      ),
    )
  })
})

describe('sign / verify', () => {
  it('verifies its own signatures and nothing else', () => {
    const a = createIdentity()
    const b = createIdentity()
    const data = Buffer.from('chainwire')
    const sig = sign(a, data)
    expect(sig.length).toBe(64)
    expect(verify(a.publicKey, data, sig)).toBe(true)
    expect(verify(b.publicKey, data, sig)).toBe(false)
    expect(verify(a.publicKey, Buffer.from('chainwirf'), sig)).toBe(false)
    const flipped = Uint8Array.from(sig)
    flipped[10] = (flipped[10] as number) ^ 1
    expect(verify(a.publicKey, data, flipped)).toBe(false)
    expect(verify(a.publicKey, data, sig.subarray(0, 63))).toBe(false)
    expect(verify(new Uint8Array(31), data, sig)).toBe(false)
  })

  it('verifies keys given as views of larger buffers, non-points, and keys again after many others', () => {
    const a = createIdentity()
    const data = Buffer.from('chainwire')
    const sig = sign(a, data)
    const padded = new Uint8Array(40)
    padded.set(a.publicKey, 5)
    expect(verify(padded.subarray(5, 37), data, sig)).toBe(true)
    // an arbitrary 32-byte value, refused whether or not it decodes as a point
    const notAPoint = new Uint8Array(32)
    notAPoint[0] = 2
    expect(verify(notAPoint, data, sig)).toBe(false)
    for (let i = 0; i < 1_100; i++) verify(randomBytes(32), data, sig)
    expect(verify(a.publicKey, data, sig)).toBe(true)
    expect(verify(a.publicKey, Buffer.from('other'), sig)).toBe(false)
  })

  it('rebuilds an identity from its seed', () => {
    const seed = randomBytes(32)
    expect(identityFromPrivateKey(seed).peerId).toBe(identityFromPrivateKey(seed).peerId)
    expect(codeOf(() => identityFromPrivateKey(new Uint8Array(16)))).toBe('ERR_INVALID_KEY')
  })

  it('imports raw seeds and X25519 keys as the same keys as their PKCS#8 DER form', () => {
    const pkcs8 = {
      Ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
      X25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(8), (raw, offset) => {
        // A view into a larger buffer, as keys drawn from a seeded stream are.
        const view = new Uint8Array(offset + 32)
        view.set(raw, offset)
        const key = view.subarray(offset)
        for (const crv of ['Ed25519', 'X25519'] as const) {
          const viaJwk = importRawPrivateKey(crv, key, pkcs8[crv])
          const viaDer = createPrivateKey({
            key: Buffer.concat([pkcs8[crv], raw]),
            format: 'der',
            type: 'pkcs8',
          })
          expect(viaJwk.asymmetricKeyType).toBe(crv.toLowerCase())
          expect(viaJwk.export({ format: 'jwk' })).toEqual(viaDer.export({ format: 'jwk' }))
        }
        expect(x25519KeyPairFromPrivateKey(key).publicKey).toEqual(
          Buffer.from(
            createPublicKey(
              createPrivateKey({ key: Buffer.concat([pkcs8.X25519, raw]), format: 'der', type: 'pkcs8' }),
            ).export({ format: 'jwk' }).x as string,
            'base64url',
          ),
        )
      }),
      { numRuns: 50 },
    )
  })
})

describe('loadOrCreateIdentity', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'chainwire-identity-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('creates the data dir and a 0600 key file, and reloads the same identity', async () => {
    const dir = join(root, 'nested', 'data')
    const first = await loadOrCreateIdentity(dir)
    const file = join(dir, IDENTITY_KEY_FILE)
    if (process.platform !== 'win32') {
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      expect((await stat(dir)).mode & 0o077).toBe(0)
    }
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    const again = await loadOrCreateIdentity(dir)
    expect(again.peerId).toBe(first.peerId)
    const data = Buffer.from('same key')
    expect(verify(first.publicKey, data, sign(again, data))).toBe(true)
  })

  it('ends with one identity when several callers race on an empty dir', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateIdentity(root)))
    expect(new Set(ids.map((i) => i.peerId)).size).toBe(1)
    expect((await loadOrCreateIdentity(root)).peerId).toBe(ids[0]?.peerId)
  })

  it('honours a custom file name', async () => {
    const a = await loadOrCreateIdentity(root, { fileName: 'a.key' })
    const b = await loadOrCreateIdentity(root, { fileName: 'b.key' })
    expect(a.peerId).not.toBe(b.peerId)
    expect((await loadOrCreateIdentity(root, { fileName: 'a.key' })).peerId).toBe(a.peerId)
  })

  it.skipIf(process.platform === 'win32')('refuses a key file readable by others', async () => {
    await loadOrCreateIdentity(root)
    await chmod(join(root, IDENTITY_KEY_FILE), 0o644)
    await expect(loadOrCreateIdentity(root)).rejects.toMatchObject({ code: 'ERR_KEY_FILE_PERMISSIONS' })
  })

  it('detects a corrupt key file and leaves it alone', async () => {
    const file = join(root, IDENTITY_KEY_FILE)
    const cases = [
      'not a key',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      // A valid PEM key of the wrong type (X25519).
      '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIOBM+BaOF4GzDLOmVa2RGgNVZEqeDI2jI0IfcspyQUfu\n-----END PRIVATE KEY-----\n',
      '',
    ]
    for (const content of cases) {
      await writeFile(file, content, { mode: 0o600 })
      const err = await loadOrCreateIdentity(root).catch((e: unknown) => e)
      expect(IdentityError.isInstance(err), content).toBe(true)
      expect((err as IdentityError).code).toBe('ERR_KEY_FILE_CORRUPT')
      expect(await readFile(file, 'utf8')).toBe(content)
    }
  })

  it('reports a data dir that cannot be created as ERR_KEY_FILE_IO', async () => {
    const blocker = join(root, 'file')
    await writeFile(blocker, 'x')
    await expect(loadOrCreateIdentity(join(blocker, 'sub'))).rejects.toMatchObject({
      code: 'ERR_KEY_FILE_IO',
    })
  })
})

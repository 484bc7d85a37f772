import { createPrivateKey, type KeyObject } from 'node:crypto'

/**
 * The private key object of a raw 32-byte Ed25519 seed or X25519 key. Imported as a JWK, which OpenSSL 3
 * reads without its DER decoder (about 33 us against 360 us for PKCS#8 DER on Node 20): it matters where keys
 * are imported per handshake (seeded Noise ephemeral keys, netsim's thousands of nodes). Node builds the key
 * from `d` alone and derives the public half itself; the JWK's `x` must be present but is not read, so it is
 * left empty rather than computed. A runtime that rejects that JWK gets the PKCS#8 DER import instead
 * (`pkcs8Prefix`: the DER header that wraps the raw key).
 */
export function importRawPrivateKey(
  crv: 'Ed25519' | 'X25519',
  raw: Uint8Array,
  pkcs8Prefix: Buffer,
): KeyObject {
  const d = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url')
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv, d, x: '' }, format: 'jwk' })
  } catch {
    return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, raw]), format: 'der', type: 'pkcs8' })
  }
}

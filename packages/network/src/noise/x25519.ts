import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { importRawPrivateKey } from '../identity/raw-key'
import { NoiseError } from './errors'

/** DHLEN of Curve25519: the size of public keys and shared secrets, in bytes. */
export const DH_LENGTH = 32

// Raw keys go through JWK: OpenSSL 3 imports and exports a raw key that way without its DER decoder/encoder,
// about 9 us against 77 us per public-key import, 33 us against 360 us per private-key import, and 1 us
// against 68 us per export (a handshake imports 3 remote keys and exports 1 on each side; a seeded one, as
// in netsim, also imports its ephemeral private key). PKCS#8 DER stays as the fallback for private keys.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

/** The raw 32-byte public key of an X25519 key object (private or public). */
function rawPublicKey(key: KeyObject): Buffer {
  const { x } = key.export({ format: 'jwk' })
  if (typeof x !== 'string') throw new NoiseError('ERR_NOISE_HANDSHAKE', 'not an X25519 key')
  return Buffer.from(x, 'base64url')
}

/** A Curve25519 key pair as Noise uses it: the raw public key and the private key object. */
export interface X25519KeyPair {
  /** The raw 32-byte public key. */
  readonly publicKey: Buffer
  readonly privateKey: KeyObject
}

/** GENERATE_KEYPAIR(): a fresh random key pair. */
export function generateX25519KeyPair(): X25519KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519')
  return { publicKey: rawPublicKey(publicKey), privateKey }
}

/** The key pair of a raw 32-byte private key (test vectors, or a persisted static key). */
export function x25519KeyPairFromPrivateKey(privateKey: Uint8Array): X25519KeyPair {
  if (privateKey.length !== DH_LENGTH) {
    throw new NoiseError('ERR_NOISE_HANDSHAKE', 'an X25519 private key has 32 bytes', {
      length: privateKey.length,
    })
  }
  const key = importRawPrivateKey('X25519', privateKey, PKCS8_X25519_PREFIX)
  return { publicKey: rawPublicKey(key), privateKey: key }
}

/**
 * DH(key_pair, public_key): the X25519 shared secret. A remote key of small order (all-zero result) is
 * rejected by OpenSSL; that and any other failure becomes `ERR_NOISE_HANDSHAKE`.
 */
export function x25519(privateKey: KeyObject, remotePublicKey: Uint8Array): Buffer {
  if (remotePublicKey.length !== DH_LENGTH) {
    throw new NoiseError('ERR_NOISE_HANDSHAKE', 'an X25519 public key has 32 bytes', {
      length: remotePublicKey.length,
    })
  }
  try {
    const publicKey = createPublicKey({
      key: {
        kty: 'OKP',
        crv: 'X25519',
        x: Buffer.from(remotePublicKey.buffer, remotePublicKey.byteOffset, DH_LENGTH).toString('base64url'),
      },
      format: 'jwk',
    })
    return diffieHellman({ privateKey, publicKey })
  } catch (err) {
    throw new NoiseError('ERR_NOISE_HANDSHAKE', 'X25519 key agreement failed', {}, { cause: err })
  }
}

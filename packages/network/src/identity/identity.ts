import {
  createPublicKey,
  sign as edSign,
  verify as edVerify,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto'
import type { PeerId } from '@chainwire/interface'
import { IdentityError } from './errors'
import { PUBLIC_KEY_LENGTH, peerIdFromPublicKey } from './peer-id'
import { importRawPrivateKey } from './raw-key'

/** Length of an Ed25519 signature, in bytes. */
export const SIGNATURE_LENGTH = 64

// DER headers that wrap a raw Ed25519 key into PKCS#8 (private seed: the fallback of `importRawPrivateKey`,
// which imports seeds as JWK) and SPKI (public key). `verify` imports public keys through JWK too: OpenSSL 3 takes a raw key that way without its DER decoder (about 9 us
// against 77 us per import).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** Public key objects kept by {@link verify}, least recently used first (bounded LRU). */
const MAX_CACHED_PUBLIC_KEYS = 1024
const publicKeys = new Map<string, KeyObject>()

/** The key object of a raw Ed25519 public key (its base64url text), from the LRU or imported as JWK. */
function publicKeyObject(x: string): KeyObject {
  let key = publicKeys.get(x)
  if (key !== undefined) {
    publicKeys.delete(x)
    publicKeys.set(x, key)
    return key
  }
  key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
  if (publicKeys.size >= MAX_CACHED_PUBLIC_KEYS) {
    const oldest = publicKeys.keys().next().value
    if (oldest !== undefined) publicKeys.delete(oldest)
  }
  publicKeys.set(x, key)
  return key
}

/** A node's long-term Ed25519 identity: the key pair and the peer id derived from its public key. */
export interface Identity {
  /** `cw` + base32 of {@link Identity.publicKey}. */
  readonly peerId: PeerId
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** The private key as a node:crypto key object (never leaves the process except through the key file). */
  readonly privateKey: KeyObject
}

/** Creates a fresh random identity (not persisted; see `loadOrCreateIdentity`). */
export function createIdentity(): Identity {
  return identityFromPrivateKey(generateKeyPairSync('ed25519').privateKey)
}

/**
 * Builds an identity from an Ed25519 private key: a node:crypto key object or the raw 32-byte seed.
 * Throws `ERR_INVALID_KEY` for anything else.
 */
export function identityFromPrivateKey(privateKey: KeyObject | Uint8Array): Identity {
  let key: KeyObject
  if (privateKey instanceof Uint8Array) {
    if (privateKey.length !== 32) {
      throw new IdentityError('ERR_INVALID_KEY', 'an Ed25519 private key seed has 32 bytes', {
        length: privateKey.length,
      })
    }
    key = importRawPrivateKey('Ed25519', privateKey, PKCS8_ED25519_PREFIX)
  } else {
    key = privateKey
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new IdentityError('ERR_INVALID_KEY', 'not an Ed25519 private key', {
      type: key.type,
      keyType: key.asymmetricKeyType,
    })
  }
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
  const publicKey = new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length))
  return { peerId: peerIdFromPublicKey(publicKey), publicKey, privateKey: key }
}

/** Signs `data` with the identity's Ed25519 key; returns the 64-byte signature. */
export function sign(identity: Identity, data: Uint8Array): Uint8Array {
  return new Uint8Array(edSign(null, data, identity.privateKey))
}

/**
 * Checks an Ed25519 signature against a raw 32-byte public key. Returns false (never throws) for a wrong
 * signature, a signature or key of the wrong length, or a key that is not a valid curve point. The key
 * objects of the last 1,024 public keys verified are kept, so repeated checks for one peer skip the import.
 */
export function verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || signature.length !== SIGNATURE_LENGTH) return false
  try {
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, PUBLIC_KEY_LENGTH).toString('base64url')
    return edVerify(null, data, publicKeyObject(x), signature)
  } catch {
    return false
  }
}

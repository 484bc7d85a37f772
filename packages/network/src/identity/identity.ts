import {
  createPrivateKey,
  createPublicKey,
  sign as edSign,
  verify as edVerify,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto'
import type { PeerId } from '@chainwire/interface'
import { IdentityError } from './errors'
import { PUBLIC_KEY_LENGTH, peerIdFromPublicKey } from './peer-id'

/** Length of an Ed25519 signature, in bytes. */
export const SIGNATURE_LENGTH = 64

// DER headers that wrap a raw Ed25519 key into PKCS#8 (private seed) and SPKI (public key).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

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
    key = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, privateKey]),
      format: 'der',
      type: 'pkcs8',
    })
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
 * signature, a signature or key of the wrong length, or a key that is not a valid curve point.
 */
export function verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || signature.length !== SIGNATURE_LENGTH) return false
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    })
    return edVerify(null, data, key, signature)
  } catch {
    return false
  }
}

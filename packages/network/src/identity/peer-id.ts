import type { PeerId } from '@chainwire/interface'
import { base32Decode, base32Encode } from './base32'
import { IdentityError } from './errors'

/** The prefix of every peer id. */
export const PEER_ID_PREFIX = 'cw'
/** Length of a raw Ed25519 public key, in bytes. */
export const PUBLIC_KEY_LENGTH = 32
/** Length of a peer id string: the prefix and 52 base32 characters. */
export const PEER_ID_LENGTH = PEER_ID_PREFIX.length + 52

/** Derives the peer id of a raw 32-byte Ed25519 public key: `cw` + lowercase unpadded base32 of the key. */
export function peerIdFromPublicKey(publicKey: Uint8Array): PeerId {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new IdentityError('ERR_INVALID_KEY', 'an Ed25519 public key has 32 bytes', {
      length: publicKey instanceof Uint8Array ? publicKey.length : undefined,
    })
  }
  return PEER_ID_PREFIX + base32Encode(publicKey)
}

/**
 * Recovers the raw 32-byte Ed25519 public key from a peer id. Only the canonical text is accepted (lowercase,
 * no padding, zero trailing bits), so two different strings never name the same peer. Throws
 * `ERR_INVALID_PEER_ID` otherwise.
 */
export function publicKeyFromPeerId(peerId: PeerId): Uint8Array {
  if (typeof peerId !== 'string' || peerId.length !== PEER_ID_LENGTH || !peerId.startsWith(PEER_ID_PREFIX)) {
    throw new IdentityError('ERR_INVALID_PEER_ID', 'not a chainwire peer id', {
      length: typeof peerId === 'string' ? peerId.length : undefined,
    })
  }
  try {
    return base32Decode(peerId.slice(PEER_ID_PREFIX.length))
  } catch (err) {
    throw new IdentityError('ERR_INVALID_PEER_ID', 'peer id is not canonical base32', {}, { cause: err })
  }
}

/** True when `value` is a well-formed peer id (see {@link publicKeyFromPeerId}). */
export function isPeerId(value: unknown): value is PeerId {
  if (typeof value !== 'string') return false
  try {
    publicKeyFromPeerId(value)
    return true
  } catch {
    return false
  }
}

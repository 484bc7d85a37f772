import { isPeerId, PEER_ID_PREFIX, type PeerId } from '@chainwire/interface'
import { base32Decode, base32Encode } from './base32'
import { IdentityError } from './errors'

/** Length of a raw Ed25519 public key, in bytes. */
export const PUBLIC_KEY_LENGTH = 32

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
 * Recovers the raw 32-byte Ed25519 public key from a peer id. Only the canonical text is accepted (the form
 * `isPeerId` of @chainwire/interface checks: lowercase, no padding, zero trailing bits), so two different
 * strings never name the same peer. Throws `ERR_INVALID_PEER_ID` otherwise.
 */
export function publicKeyFromPeerId(peerId: PeerId): Uint8Array {
  if (!isPeerId(peerId)) {
    const text: unknown = peerId
    throw new IdentityError('ERR_INVALID_PEER_ID', 'not a chainwire peer id', {
      length: typeof text === 'string' ? text.length : undefined,
    })
  }
  return base32Decode(peerId.slice(PEER_ID_PREFIX.length))
}

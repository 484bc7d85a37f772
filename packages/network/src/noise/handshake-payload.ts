import type { PeerId } from '@chainwire/interface'
import {
  type Identity,
  PUBLIC_KEY_LENGTH,
  peerIdFromPublicKey,
  SIGNATURE_LENGTH,
  sign,
  verify,
} from '../identity/index'
import { NoiseError } from './errors'

/** Version byte of the handshake payload layout below. */
export const HANDSHAKE_PAYLOAD_VERSION = 1
/** Size of a version-1 handshake payload: version, identity key, signature. */
export const HANDSHAKE_PAYLOAD_LENGTH = 1 + PUBLIC_KEY_LENGTH + SIGNATURE_LENGTH
/**
 * Domain separation of the identity signature: the identity key signs this prefix followed by the 32-byte
 * Noise static public key, so the signature can never be mistaken for one made in another context.
 */
export const STATIC_KEY_SIGNATURE_PREFIX = 'chainwire-noise-static-key:'

const PREFIX_BYTES = Buffer.from(STATIC_KEY_SIGNATURE_PREFIX, 'utf8')

/** The decoded handshake payload: who we are, and the proof that our Noise static key is ours. */
export interface HandshakePayload {
  /** Raw 32-byte Ed25519 identity public key. */
  readonly identityKey: Uint8Array
  /** Ed25519 signature over {@link STATIC_KEY_SIGNATURE_PREFIX} followed by the Noise static public key. */
  readonly signature: Uint8Array
}

/** The bytes the identity key signs to vouch for a Noise static public key. */
export function staticKeySignedData(staticPublicKey: Uint8Array): Buffer {
  return Buffer.concat([PREFIX_BYTES, staticPublicKey])
}

/** Signs our Noise static public key with our identity and returns the payload. */
export function createHandshakePayload(identity: Identity, staticPublicKey: Uint8Array): HandshakePayload {
  return {
    identityKey: identity.publicKey,
    signature: sign(identity, staticKeySignedData(staticPublicKey)),
  }
}

/**
 * Encodes a payload in its fixed layout: `version (1 byte) = 1 || identity key (32) || signature (64)`, 97
 * bytes in all. Throws `ERR_INVALID_IDENTITY` for fields of the wrong size.
 */
export function encodeHandshakePayload(payload: HandshakePayload): Buffer {
  if (payload.identityKey.length !== PUBLIC_KEY_LENGTH || payload.signature.length !== SIGNATURE_LENGTH) {
    throw new NoiseError('ERR_INVALID_IDENTITY', 'handshake payload fields have the wrong size')
  }
  const out = Buffer.allocUnsafe(HANDSHAKE_PAYLOAD_LENGTH)
  out[0] = HANDSHAKE_PAYLOAD_VERSION
  out.set(payload.identityKey, 1)
  out.set(payload.signature, 1 + PUBLIC_KEY_LENGTH)
  return out
}

/** Decodes the fixed layout; any other size or version throws `ERR_INVALID_IDENTITY`. */
export function decodeHandshakePayload(bytes: Uint8Array): HandshakePayload {
  if (bytes.length !== HANDSHAKE_PAYLOAD_LENGTH || bytes[0] !== HANDSHAKE_PAYLOAD_VERSION) {
    throw new NoiseError('ERR_INVALID_IDENTITY', 'malformed handshake payload', {
      length: bytes.length,
      version: bytes[0],
    })
  }
  return {
    identityKey: Uint8Array.prototype.slice.call(bytes, 1, 1 + PUBLIC_KEY_LENGTH),
    signature: Uint8Array.prototype.slice.call(bytes, 1 + PUBLIC_KEY_LENGTH),
  }
}

/**
 * Decodes a remote payload and checks that its identity key signed the remote Noise static key; returns the
 * proven peer id. Throws `ERR_INVALID_IDENTITY` otherwise.
 */
export function verifyHandshakePayload(
  bytes: Uint8Array,
  remoteStaticKey: Uint8Array,
): {
  peerId: PeerId
  identityKey: Uint8Array
} {
  const payload = decodeHandshakePayload(bytes)
  if (!verify(payload.identityKey, staticKeySignedData(remoteStaticKey), payload.signature)) {
    throw new NoiseError('ERR_INVALID_IDENTITY', 'identity signature does not cover the Noise static key')
  }
  return { peerId: peerIdFromPublicKey(payload.identityKey), identityKey: payload.identityKey }
}

import { createHash } from 'node:crypto'
import { PUBLIC_KEY_LENGTH } from '../identity/peer-id'

/**
 * The datagram wire: one request packet, one signed response packet.
 *
 * ```
 * request:  0x01 | network tag (4) | nonce (16) | sender's public key (32) | envelope length (2, BE) | envelope | zero padding
 * response: 0x02 | network tag (4) | nonce (16) | responder's public key (32) | Ed25519 signature (64) | envelope
 * ```
 *
 * The envelope is protocol-codec's msgpack envelope. The signature covers {@link signedBytes}: a domain
 * string, the network id, the nonce, SHA-256 of the request's envelope and the response's envelope, so an
 * answer is bound to one question of one network, and a response replayed for another nonce fails.
 */

/** Packet kinds (the first byte). */
export const REQUEST = 0x01
export const RESPONSE = 0x02

/** Bytes of the random nonce that pairs a response with its request. */
export const NONCE_LENGTH = 16
const TAG_LENGTH = 4
const SIGNATURE_LENGTH = 64
/** Bytes before a request's envelope. */
export const REQUEST_HEADER = 1 + TAG_LENGTH + NONCE_LENGTH + PUBLIC_KEY_LENGTH + 2
/** Bytes before a response's envelope. */
export const RESPONSE_HEADER = 1 + TAG_LENGTH + NONCE_LENGTH + PUBLIC_KEY_LENGTH + SIGNATURE_LENGTH
/** The smallest packet size a node may be configured with (room for a header and a small envelope). */
export const MIN_PACKET_BYTES = 512

const DOMAIN = new TextEncoder().encode('chainwire-datagram/1\0')

/** The first 4 bytes of SHA-256(network id): packets of another network are dropped before any work. */
export function networkTag(networkId: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(networkId).digest().subarray(0, TAG_LENGTH))
}

/** SHA-256 of a request envelope (what a response's signature binds it to). */
export function requestHash(envelope: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(envelope).digest())
}

/** A request packet: header, envelope and zero padding up to `minBytes`. */
export function encodeRequest(
  tag: Uint8Array,
  nonce: Uint8Array,
  publicKey: Uint8Array,
  envelope: Uint8Array,
  minBytes: number,
): Uint8Array {
  const out = new Uint8Array(Math.max(minBytes, REQUEST_HEADER + envelope.length))
  out[0] = REQUEST
  out.set(tag, 1)
  out.set(nonce, 1 + TAG_LENGTH)
  out.set(publicKey, 1 + TAG_LENGTH + NONCE_LENGTH)
  const at = 1 + TAG_LENGTH + NONCE_LENGTH + PUBLIC_KEY_LENGTH
  out[at] = envelope.length >>> 8
  out[at + 1] = envelope.length & 0xff
  out.set(envelope, REQUEST_HEADER)
  return out
}

/** A response packet around an envelope, signed by `signature`. */
export function encodeResponse(
  tag: Uint8Array,
  nonce: Uint8Array,
  publicKey: Uint8Array,
  signature: Uint8Array,
  envelope: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(RESPONSE_HEADER + envelope.length)
  out[0] = RESPONSE
  out.set(tag, 1)
  out.set(nonce, 1 + TAG_LENGTH)
  out.set(publicKey, 1 + TAG_LENGTH + NONCE_LENGTH)
  out.set(signature, 1 + TAG_LENGTH + NONCE_LENGTH + PUBLIC_KEY_LENGTH)
  out.set(envelope, RESPONSE_HEADER)
  return out
}

/** The bytes a response's signature covers. */
export function signedBytes(
  networkId: Uint8Array,
  nonce: Uint8Array,
  request: Uint8Array,
  envelope: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + networkId.length + 1 + NONCE_LENGTH + 32 + envelope.length)
  let at = 0
  for (const part of [DOMAIN, networkId, new Uint8Array(1), nonce, request, envelope]) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** A packet's parts, or the reason it is dropped. */
export type DecodedPacket =
  | {
      kind: 'request'
      nonce: Uint8Array
      publicKey: Uint8Array
      envelope: Uint8Array
    }
  | {
      kind: 'response'
      nonce: Uint8Array
      publicKey: Uint8Array
      signature: Uint8Array
      envelope: Uint8Array
    }
  | { kind: 'drop'; reason: 'malformed' | 'network' }

/**
 * Splits a packet (no copy: views into `bytes`). Never throws: anything that is not a well-formed packet of
 * our network is a drop with its reason. Padding after a request's envelope must be zeros.
 */
export function decodePacket(bytes: Uint8Array, tag: Uint8Array): DecodedPacket {
  const kind = bytes[0]
  if (bytes.length < REQUEST_HEADER || (kind !== REQUEST && kind !== RESPONSE)) {
    return { kind: 'drop', reason: 'malformed' }
  }
  for (let i = 0; i < TAG_LENGTH; i++) {
    if (bytes[1 + i] !== tag[i]) return { kind: 'drop', reason: 'network' }
  }
  const nonce = bytes.subarray(1 + TAG_LENGTH, 1 + TAG_LENGTH + NONCE_LENGTH)
  const keyAt = 1 + TAG_LENGTH + NONCE_LENGTH
  const publicKey = bytes.subarray(keyAt, keyAt + PUBLIC_KEY_LENGTH)
  if (kind === REQUEST) {
    const at = keyAt + PUBLIC_KEY_LENGTH
    const length = ((bytes[at] as number) << 8) | (bytes[at + 1] as number)
    const end = REQUEST_HEADER + length
    if (length === 0 || end > bytes.length) return { kind: 'drop', reason: 'malformed' }
    for (let i = end; i < bytes.length; i++) if (bytes[i] !== 0) return { kind: 'drop', reason: 'malformed' }
    return { kind: 'request', nonce, publicKey, envelope: bytes.subarray(REQUEST_HEADER, end) }
  }
  if (bytes.length <= RESPONSE_HEADER) return { kind: 'drop', reason: 'malformed' }
  const sigAt = keyAt + PUBLIC_KEY_LENGTH
  return {
    kind: 'response',
    nonce,
    publicKey,
    signature: bytes.subarray(sigAt, sigAt + SIGNATURE_LENGTH),
    envelope: bytes.subarray(RESPONSE_HEADER),
  }
}

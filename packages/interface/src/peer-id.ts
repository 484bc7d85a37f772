/**
 * A peer's identity as text: `cw` followed by the lowercase RFC 4648 base32 (no padding) of its 32-byte
 * Ed25519 public key. @chainwire/network derives it from keys and proves it in the handshake; every other
 * package checks only its form, with {@link isPeerId}.
 */
export type PeerId = string

/** The prefix of every peer id. */
export const PEER_ID_PREFIX = 'cw'

/** The length of every peer id: the prefix and 52 base32 characters (256 key bits and 4 zero bits). */
export const PEER_ID_LENGTH = 54

/**
 * The canonical text of a peer id: `cw`, 51 base32 characters, then a last character that carries one key bit
 * and four zero bits (`a` or `q`), so two different strings never name the same key.
 */
export const PEER_ID_PATTERN = /^cw[a-z2-7]{51}[aq]$/

/**
 * True when `value` is a peer id in canonical form (see {@link PEER_ID_PATTERN}). This is the one check every
 * package applies to peer ids it receives (wire schema, address book, bans, scores), so a string is a peer id
 * to all of them or to none.
 */
export function isPeerId(value: unknown): value is PeerId {
  return typeof value === 'string' && value.length === PEER_ID_LENGTH && PEER_ID_PATTERN.test(value)
}

import { ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link NoiseError}. */
export type NoiseErrorCode =
  /** A Noise message failed authentication (bad tag, wrong key, wrong prologue, replayed or reordered). */
  | 'ERR_NOISE_DECRYPT'
  /** A handshake message is malformed or out of order, or a key agreement failed. */
  | 'ERR_NOISE_HANDSHAKE'
  /** A frame on the wire is impossible: shorter than the tag, or longer than a handshake message may be. */
  | 'ERR_NOISE_FRAME'
  /** A cipher state used all 2^64-1 nonces; the connection must be replaced. */
  | 'ERR_NONCE_EXHAUSTED'
  /** The handshake did not finish within `handshakeTimeoutMs`. */
  | 'ERR_HANDSHAKE_TIMEOUT'
  /** The handshake payload is malformed or its signature does not bind the identity key to the static key. */
  | 'ERR_INVALID_IDENTITY'
  /** The remote proved a different peer id than the one dialled (`expectedPeerId`). */
  | 'ERR_PEER_ID_MISMATCH'
  /** The underlying connection closed or failed before the handshake finished or in the middle of a frame. */
  | 'ERR_CONNECTION_CLOSED'

/** Every failure of the Noise layer, from the cipher primitives up to the secure channel. */
export class NoiseError extends ChainwireError<NoiseErrorCode> {}

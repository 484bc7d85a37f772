/**
 * @packageDocumentation
 * The secure channel: `Noise_XX_25519_ChaChaPoly_SHA256` on node:crypto (the spec's CipherState,
 * SymmetricState and HandshakeState), the chainwire handshake payload that proves a peer id, and
 * `secureOutbound` / `secureInbound`, which turn a raw connection into an encrypted, authenticated byte stream.
 */

export { CipherState, KEY_LENGTH, MAX_NOISE_MESSAGE, TAG_LENGTH } from './cipher-state'
export { NoiseError, type NoiseErrorCode } from './errors'
export { FrameDecoder, LENGTH_PREFIX } from './frame-decoder'
export {
  createHandshakePayload,
  decodeHandshakePayload,
  encodeHandshakePayload,
  HANDSHAKE_PAYLOAD_LENGTH,
  HANDSHAKE_PAYLOAD_VERSION,
  type HandshakePayload,
  STATIC_KEY_SIGNATURE_PREFIX,
  staticKeySignedData,
  verifyHandshakePayload,
} from './handshake-payload'
export {
  type HandshakePattern,
  HandshakeState,
  type HandshakeStateOptions,
  type HandshakeToken,
  protocolName,
  type TransportCiphers,
  XX,
} from './handshake-state'
export { MAX_PLAINTEXT, NoiseStream, type NoiseStreamInit } from './noise-stream'
export { checkRekeySchedule, DEFAULT_REKEY_SCHEDULE, RekeyCounter, type RekeySchedule } from './rekey'
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  MAX_HANDSHAKE_MESSAGE,
  noisePrologue,
  PROLOGUE_PREFIX,
  type SecureChannelOptions,
  type SecureConnection,
  secureInbound,
  secureOutbound,
} from './secure-channel'
export { type BudgetWaiter, DEFAULT_SEAL_BYTES_PER_TURN, SendBudget, SOLO_TURNS } from './send-budget'
export { HASH_LENGTH, hash, hkdf, SymmetricState } from './symmetric-state'
export {
  DH_LENGTH,
  generateX25519KeyPair,
  type X25519KeyPair,
  x25519,
  x25519KeyPairFromPrivateKey,
} from './x25519'

/**
 * @packageDocumentation
 * Node identity: the Ed25519 key pair kept in the data directory, the peer id derived from it, and
 * signatures. The secure channel (`../noise`) proves a peer's id with these keys.
 */

export { isPeerId, PEER_ID_LENGTH, PEER_ID_PREFIX } from '@chainwire/interface'
export { base32Decode, base32Encode } from './base32'
export { IdentityError, type IdentityErrorCode } from './errors'
export {
  createIdentity,
  type Identity,
  identityFromPrivateKey,
  SIGNATURE_LENGTH,
  sign,
  verify,
} from './identity'
export { IDENTITY_KEY_FILE, type LoadIdentityOptions, loadOrCreateIdentity } from './key-file'
export { PUBLIC_KEY_LENGTH, peerIdFromPublicKey, publicKeyFromPeerId } from './peer-id'

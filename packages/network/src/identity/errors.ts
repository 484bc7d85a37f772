import { ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link IdentityError}. */
export type IdentityErrorCode =
  /** A peer id string is not `cw` + canonical lowercase base32 of a 32-byte key. */
  | 'ERR_INVALID_PEER_ID'
  /** A key has the wrong length or type. */
  | 'ERR_INVALID_KEY'
  /** A string is not canonical lowercase unpadded RFC 4648 base32. */
  | 'ERR_INVALID_BASE32'
  /** The identity key file exists but does not hold an Ed25519 private key. */
  | 'ERR_KEY_FILE_CORRUPT'
  /** The identity key file is readable or writable by group or others. */
  | 'ERR_KEY_FILE_PERMISSIONS'
  /** The identity key file or its directory could not be read or written. */
  | 'ERR_KEY_FILE_IO'

/** Thrown by the identity functions: bad peer ids, bad keys and key-file problems. */
export class IdentityError extends ChainwireError<IdentityErrorCode> {}

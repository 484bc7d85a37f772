import { ChainwireError } from '@chainwire/interface'

/** The stable codes a {@link PeerStoreError} carries. */
export type PeerStoreErrorCode =
  /** The LevelDB files are damaged or a stored record does not parse; see the README's recovery section. */
  | 'ERR_DB_CORRUPT'
  /** The database holds keys that chainwire's peer store did not write (wrong path or shared database). */
  | 'ERR_DB_FOREIGN'
  /** The database was written by a newer, incompatible schema version. */
  | 'ERR_DB_VERSION'
  /** The database could not be opened for another reason (locked by another process, permissions). */
  | 'ERR_DB_OPEN'
  /** A method that needs the loaded tables was called before `open()` or after `stop()`. */
  | 'ERR_NOT_OPEN'
  /** An address is not a supported URL (`tcp://`, `ws://`, `wss://`, `memory://`) or IP literal. */
  | 'ERR_INVALID_ADDRESS'
  /**
   * `addAddresses` was called without a source: pass who told us (`{ peerId?, address }`) or `'verified'` for
   * addresses we reached the peer at ourselves. The store never files an address under a source it guessed.
   */
  | 'ERR_MISSING_SOURCE'
  /** A peer id is not in the canonical form every chainwire package checks (`isPeerId` of @chainwire/interface). */
  | 'ERR_INVALID_PEER_ID'
  /** A ban target is neither a peer id, an IP, a CIDR subnet nor an address URL. */
  | 'ERR_INVALID_BAN_TARGET'
  /** An option is out of range. */
  | 'ERR_INVALID_OPTION'
  /** A metadata key or value is invalid, not JSON-serialisable, or over the size limits. */
  | 'ERR_INVALID_METADATA'
  /** More persistent/bootstrap peers than `maxPinnedPeers`. */
  | 'ERR_PINNED_LIMIT'
  /** `importJSON` was given something that is not a valid peer store export. */
  | 'ERR_IMPORT_INVALID'

/**
 * The one error class `@chainwire/peer-store` throws; branch on `code`, and use `PeerStoreError.isInstance`
 * rather than `instanceof` so errors from another copy of the package are recognised too.
 */
export class PeerStoreError extends ChainwireError<PeerStoreErrorCode> {}

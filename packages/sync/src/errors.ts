import { ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link SyncError}. */
export type SyncErrorCode =
  /** An option is out of range. */
  | 'ERR_INVALID_OPTIONS'
  /** The service is not started (or already stopped). */
  | 'ERR_NOT_STARTED'
  /** A peer's headers do not link to each other or to anything we know. */
  | 'ERR_HEADERS_UNCONNECTED'
  /** A peer's header or block broke a chain rule. */
  | 'ERR_INVALID_DATA'
  /** A peer's answer does not match what was asked (unrequested blocks, wrong transactions). */
  | 'ERR_BAD_RESPONSE'
  /** A peer's low-work header chain grew past the presync bound. */
  | 'ERR_PRESYNC_LIMIT'
  /** A compact block could not be rebuilt (short-id collision, missing transactions). */
  | 'ERR_RECONSTRUCTION_FAILED'

/** Every error this package throws or records; match on `code` (stable), never on the message. */
export class SyncError extends ChainwireError<SyncErrorCode> {}

import { ChainwireError } from '@chainwire/interface'

/**
 * The stable codes of {@link SyncError}. Bad input from peers is never thrown: it ends as a report to the
 * misbehaviour sink (`peer:penalised`) and a counter in `stats()`.
 */
export type SyncErrorCode =
  /** An option is out of range. */
  'ERR_INVALID_OPTIONS'

/** Every error this package throws; match on `code` (stable), never on the message. */
export class SyncError extends ChainwireError<SyncErrorCode> {}

import { ChainwireError } from '@chainwire/interface'

/** The stable codes of the errors this package throws. */
export type PeerScoringErrorCode = 'ERR_SNAPSHOT_INVALID' | 'ERR_INVALID_OPTIONS' | 'ERR_INVALID_ARGUMENT'

/**
 * Thrown by `restore()` when a snapshot is not valid JSON, has an unsupported version or a field out of
 * range; `details.path` names the offending field. Nothing is restored when it is thrown.
 */
export class SnapshotInvalidError extends ChainwireError<'ERR_SNAPSHOT_INVALID'> {
  constructor(
    message: string,
    details: { path: string; [key: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('ERR_SNAPSHOT_INVALID', message, details, options)
  }
}

/**
 * Thrown by `createPeerScoring()` when an option is unknown or out of range; `details.option` names it. The
 * one class every chainwire package throws for options, re-exported from `@chainwire/interface`.
 */
export { InvalidOptionsError } from '@chainwire/interface'

/**
 * Thrown when a method is called with an argument it cannot accept (an unknown behaviour, a negative
 * latency, a string that is not a peer id); `details.argument` names it.
 */
export class InvalidArgumentError extends ChainwireError<'ERR_INVALID_ARGUMENT'> {
  constructor(message: string, details: { argument: string; [key: string]: unknown }) {
    super('ERR_INVALID_ARGUMENT', message, details)
  }
}

import { ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link RelayError}. */
export type RelayErrorCode =
  /** An option is unknown, of the wrong type or out of range (`details.option` names it). */
  | 'ERR_INVALID_OPTIONS'
  /** The relay is not started (or already stopped). */
  | 'ERR_NOT_STARTED'
  /** The topic is not joined (or not a valid topic name). */
  | 'ERR_UNKNOWN_TOPIC'
  /** The message does not belong to the topic (a `new_transaction` published on `blocks`, bytes on `blocks`). */
  | 'ERR_WRONG_TOPIC'
  /** The message was already published or received (same message id). */
  | 'ERR_DUPLICATE'
  /** The message id function returned something other than 32 bytes. */
  | 'ERR_BAD_MESSAGE_ID'
  /** A direct message's target is not a peer id, or is ourselves. */
  | 'ERR_INVALID_TARGET'
  /** The topic limit (`maxTopics`) is reached. */
  | 'ERR_TOO_MANY_TOPICS'

/** Every error @chainwire/relay throws; match on `code` (stable), never on the message. */
export class RelayError extends ChainwireError<RelayErrorCode> {}

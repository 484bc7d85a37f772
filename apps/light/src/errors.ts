import { ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link LightClientError}. */
export type LightClientErrorCode =
  /** An option is out of range. */
  | 'ERR_INVALID_OPTIONS'
  /** A method that needs a running client was called before `start()` or after `stop()`. */
  | 'ERR_NOT_STARTED'
  /** No connected peer could answer (none connected, or every one failed or was banned). */
  | 'ERR_NO_PEERS'
  /** The block is not on the client's best header chain. */
  | 'ERR_NOT_IN_BEST_CHAIN'
  /** Every peer asked said the transaction is not in that block. */
  | 'ERR_TX_NOT_FOUND'
  /** The devnet folder has no readable, valid `devnet.json`. */
  | 'ERR_NO_DEVNET'
  /** A config file, environment variable or flag of the CLI is invalid. */
  | 'ERR_CONFIG'
  /** The stored data of the client does not parse or belongs to another network. */
  | 'ERR_STORE_CORRUPT'

/**
 * The one error class of `@chainwire/light`: branch on `code`, and use `LightClientError.isInstance` rather
 * than `instanceof` so errors from another copy of the package are recognised.
 */
export class LightClientError extends ChainwireError<LightClientErrorCode> {}

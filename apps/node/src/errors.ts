import { ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link NodeError}. */
export type NodeErrorCode =
  | 'ERR_INVALID_CONFIG'
  | 'ERR_CONFIG_FILE'
  | 'ERR_DATA_DIR_LOCKED'
  | 'ERR_DATA_DIR_VERSION'
  | 'ERR_DATA_DIR_FOREIGN'
  | 'ERR_USAGE'
  | 'ERR_API'
  | 'ERR_DEVNET'
  | 'ERR_WALLET'

/** Every error the node app raises itself; the packages' own errors pass through unchanged. */
export class NodeError extends ChainwireError<NodeErrorCode> {}

/**
 * Process exit codes of `chainwire-node` (documented in the README): 0 success, 1 runtime failure, 2 bad usage
 * or configuration, 3 data dir locked by another process, 4 data dir of another format or network, 5 the API
 * of the running node could not be reached.
 */
export const EXIT = Object.freeze({
  ok: 0,
  failure: 1,
  usage: 2,
  locked: 3,
  dataDir: 4,
  unreachable: 5,
})

/** The exit code for an error. */
export function exitCodeOf(err: unknown): number {
  if (!NodeError.isInstance(err)) {
    const code = (err as { code?: unknown })?.code
    return code === 'ERR_INVALID_OPTIONS' || code === 'ERR_INVALID_OPTION' ? EXIT.usage : EXIT.failure
  }
  switch (err.code) {
    case 'ERR_INVALID_CONFIG':
    case 'ERR_CONFIG_FILE':
    case 'ERR_USAGE':
      return EXIT.usage
    case 'ERR_DATA_DIR_LOCKED':
      return EXIT.locked
    case 'ERR_DATA_DIR_VERSION':
    case 'ERR_DATA_DIR_FOREIGN':
      return EXIT.dataDir
    case 'ERR_API':
      return EXIT.unreachable
    default:
      return EXIT.failure
  }
}

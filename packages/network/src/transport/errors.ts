import { AbortError, ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link TransportError}. */
export type TransportErrorCode =
  /** The address is not a well-formed transport URL (bad host, port, path or name). */
  | 'ERR_INVALID_ADDRESS'
  /** The URL scheme is not handled by this transport (or by any registered transport). */
  | 'ERR_UNSUPPORTED_PROTOCOL'
  /** A dial failed for a reason other than a refusal: unreachable host, DNS, TLS, HTTP upgrade. */
  | 'ERR_DIAL_FAILED'
  /** Nobody listens at the dialed address (TCP RST, or no memory listener under that name). */
  | 'ERR_CONNECTION_REFUSED'
  /** Binding a listener failed: the address is in use, not local, or not permitted. */
  | 'ERR_LISTEN_FAILED'
  /** A transport was configured with invalid options (missing TLS key, bad synthetic IP ...). */
  | 'ERR_INVALID_OPTIONS'
  /** The remote broke the transport's framing, such as a text frame on a binary-only WebSocket. */
  | 'ERR_INVALID_FRAME'
  /** A write reached a connection that had already closed. */
  | 'ERR_CONNECTION_CLOSED'
  /** The connection was torn down under both ends (a memory network reset, such as a simulated link cut). */
  | 'ERR_CONNECTION_RESET'

/**
 * An error from a transport: a bad address, a failed dial or listen, or a remote that broke the framing.
 * Cancelled dials reject with {@link AbortError} (`ERR_ABORTED`) instead. Tests and callers match on `code`;
 * `details` carries the address and, for system errors, the OS error code (`ECONNREFUSED`, `EADDRINUSE` ...).
 */
export class TransportError extends ChainwireError<TransportErrorCode> {}

/** The AbortError a cancelled dial rejects with; the signal's reason (often a TimeoutError) is its cause. */
export function abortError(signal: AbortSignal | undefined): AbortError {
  return new AbortError('The dial was aborted', { cause: signal?.reason })
}

/**
 * The checks every socket transport makes before dialing: the address parses, the signal has not already
 * aborted, and the port is not 0. Returns the target, or the error the dial rejects with.
 */
export function dialTarget<T extends { port: number }>(
  address: string,
  parse: (address: string) => T,
  signal: AbortSignal | undefined,
): T | Error {
  let target: T
  try {
    target = parse(address)
  } catch (err) {
    return err as Error
  }
  if (signal?.aborted === true) return abortError(signal)
  if (target.port === 0) {
    return new TransportError('ERR_INVALID_ADDRESS', `cannot dial port 0 (${address})`, { address })
  }
  return target
}

/** Maps a Node system error from `connect()` to a typed dial error. */
export function dialError(address: string, err: unknown): TransportError {
  const code = systemCode(err)
  if (code === 'ECONNREFUSED') {
    return new TransportError(
      'ERR_CONNECTION_REFUSED',
      `connection refused by ${address}`,
      { address },
      {
        cause: err,
      },
    )
  }
  const reason = err instanceof Error ? err.message : String(err)
  return new TransportError(
    'ERR_DIAL_FAILED',
    `dial to ${address} failed: ${reason}`,
    { address, systemCode: code },
    { cause: err },
  )
}

/** Maps a Node system error from `listen()` to a typed listen error. */
export function listenError(address: string, err: unknown): TransportError {
  const code = systemCode(err)
  const reason = err instanceof Error ? err.message : String(err)
  return new TransportError(
    'ERR_LISTEN_FAILED',
    `listen on ${address} failed: ${reason}`,
    { address, systemCode: code },
    { cause: err },
  )
}

/** The `code` of a Node system error (`ECONNREFUSED` ...), if any. */
export function systemCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

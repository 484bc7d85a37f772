import { ChainwireError } from '@chainwire/interface'

/** The stable codes of every error this package's core throws (transport and Noise errors have their own). */
export type NetworkErrorCode =
  | GeneralErrorCode
  | DialErrorCode
  | HandshakeErrorCode
  | RequestErrorCode
  | SendErrorCode

/** Codes of {@link NetworkError} itself. */
export type GeneralErrorCode =
  /** The network is not started (or already stopped). */
  | 'ERR_NOT_STARTED'
  /** An option or argument is out of range. */
  | 'ERR_INVALID_OPTIONS'
  /** No connection to that peer. */
  | 'ERR_NOT_CONNECTED'
  /** A message does not fit what the call needs (an announcement given to `request`, for instance). */
  | 'ERR_INVALID_MESSAGE'
  /** A handler is already registered for that message type. */
  | 'ERR_HANDLER_EXISTS'

/** Codes of {@link DialError}. */
export type DialErrorCode =
  /** The dial (transport connect, Noise and hello) did not finish within `dialTimeoutMs`. */
  | 'ERR_DIAL_TIMEOUT'
  /** The gater refused the address. */
  | 'ERR_DIAL_DENIED'
  /** The address failed recently and is backing off; `details.retryAt` says until when. */
  | 'ERR_DIAL_BACKOFF'
  /** Every outbound slot of the requested kind is taken (or the total connection limit is reached). */
  | 'ERR_CONNECTION_LIMIT'
  /** No registered transport handles the address's scheme. */
  | 'ERR_NO_TRANSPORT'

/** Codes of {@link HandshakeError}. */
export type HandshakeErrorCode =
  /** Noise plus hello did not finish within `handshakeTimeoutMs`; progress does not extend it. */
  | 'ERR_HANDSHAKE_TIMEOUT'
  /** The Noise handshake failed or the hello was malformed or out of order (`details.reason`). */
  | 'ERR_HANDSHAKE_FAILED'
  /**
   * The remote's hello names another network, or (dials) the Noise handshake did not decrypt, which the
   * prologue's network id makes the case for a responder of another network.
   */
  | 'ERR_NETWORK_MISMATCH'
  /** The remote's protocol version is not compatible with ours. */
  | 'ERR_INCOMPATIBLE_VERSION'
  /** The remote is this node (same peer id). */
  | 'ERR_SELF_CONNECTION'
  /** The remote's clock is too far from ours. */
  | 'ERR_CLOCK_SKEW'
  /** The gater refused the remote peer id. */
  | 'ERR_PEER_DENIED'
  /** The remote closed the connection with a `disconnect` during the handshake (`details.reason`). */
  | 'ERR_REMOTE_DISCONNECT'
  /** The connection closed before the handshake finished. */
  | 'ERR_CONNECTION_CLOSED'

/** Codes of {@link RequestError}. */
export type RequestErrorCode =
  /** No response within the request's timeout. */
  | 'ERR_REQUEST_TIMEOUT'
  /** The peer already has `maxInflightRequests` of our requests outstanding. */
  | 'ERR_TOO_MANY_REQUESTS'
  /** The peer answered with an `error` message (`details.code` is its protocol error code). */
  | 'ERR_REQUEST_FAILED'
  /** The peer answered with a message of the wrong type. */
  | 'ERR_BAD_RESPONSE'
  /**
   * The peer's answer carried our request's id but did not decode or broke its schema; `cause` is the
   * `CodecError`. The request fails as soon as the answer arrives, and the peer is reported.
   */
  | 'ERR_INVALID_RESPONSE'
  /** `datagramRequest`: no bound datagram socket reaches the address (its scheme or family has none). */
  | 'ERR_NO_DATAGRAMS'
  /** `datagramRequest`: the answer was signed by another key than the peer expected at the address. */
  | 'ERR_WRONG_PEER'

/** Codes of {@link SendError}. */
export type SendErrorCode =
  /** The peer's send queue is full and did not drain in time (or the caller asked not to wait). */
  'ERR_QUEUE_FULL'

/**
 * The base of the errors this package's connection layer throws; match on `code` (stable), never on the
 * message. Transport and secure-channel failures keep their own classes (`TransportError`, `NoiseError`).
 */
export class NetworkError<Code extends string = NetworkErrorCode> extends ChainwireError<Code> {}

/** A dial failed before a connection was established: timeout, gater, backoff, limits. */
export class DialError extends NetworkError<DialErrorCode> {}

/** The handshake (Noise plus hello) failed; `details.reason` is the disconnect reason when one was sent. */
export class HandshakeError extends NetworkError<HandshakeErrorCode> {}

/** A request got no usable response. */
export class RequestError extends NetworkError<RequestErrorCode> {}

/** A message could not be queued for sending. */
export class SendError extends NetworkError<SendErrorCode> {}

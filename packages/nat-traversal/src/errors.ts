import { ChainwireError } from '@chainwire/interface'

/** The stable codes of the errors @chainwire/nat-traversal throws. */
export type NatErrorCode =
  /** An option is out of range or of the wrong type. */
  | 'ERR_INVALID_OPTIONS'
  /** The service is not started. */
  | 'ERR_NOT_STARTED'
  /** Bytes that are not a well-formed STUN message (`details.reason`). */
  | 'ERR_STUN_MALFORMED'
  /** A STUN response whose transaction id, class, integrity or fingerprint does not match the request. */
  | 'ERR_STUN_MISMATCH'
  /** A STUN or TURN server answered with an error response (`details.code`, `details.reason`). */
  | 'ERR_STUN_ERROR_RESPONSE'
  /** No STUN/TURN answer within the deadline, after every retransmission. */
  | 'ERR_STUN_TIMEOUT'
  /** A relay refused a reservation or a circuit (`details.status`). */
  | 'ERR_RELAY_REFUSED'
  /** A relayed circuit could not be set up (the relay or the target failed or timed out). */
  | 'ERR_CIRCUIT_FAILED'
  /** Hole punching did not produce a direct connection (`details.reason`). */
  | 'ERR_HOLE_PUNCH_FAILED'
  /** A port-mapping gateway refused or did not answer (`details.protocol`, `details.reason`). */
  | 'ERR_PORT_MAPPING_FAILED'
  /** A dial-back (reachability) request was refused or failed. */
  | 'ERR_DIAL_BACK_FAILED'
  /** Every connection candidate of a peer failed (`details.attempts`). */
  | 'ERR_NO_CANDIDATE'

/** Every error this package throws; match on `code`, never on the message. */
export class NatError extends ChainwireError<NatErrorCode> {}

import { ChainwireError } from '@chainwire/interface'

/** The stable codes of {@link DiscoveryError}. */
export type DiscoveryErrorCode =
  /** An option is out of range. */
  | 'ERR_INVALID_OPTIONS'
  /** The service is not started (or already stopped). */
  | 'ERR_NOT_STARTED'
  /** A peer's reply broke the protocol's limits (more than 16 DHT nodes, more than 1,000 peers). */
  | 'ERR_BAD_REPLY'
  /** A DHT lookup was given a target that is not 32 bytes. */
  | 'ERR_INVALID_TARGET'
  /** A DHT lookup found nobody to ask (empty routing table). */
  | 'ERR_NO_PEERS'
  /** A DNS seed could not be resolved. */
  | 'ERR_DNS_FAILED'
  /** Too many lookups are running (`maxConcurrentLookups`), or no query connection was free in time. */
  | 'ERR_BUSY'
  /** A DHT query could not reach its node (`details.failure` says why: timeout, refused, unreachable ...). */
  | 'ERR_UNREACHABLE'

/** Every error this package throws; match on `code` (stable), never on the message. */
export class DiscoveryError extends ChainwireError<DiscoveryErrorCode> {}

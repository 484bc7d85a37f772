/**
 * @packageDocumentation
 * The shared contracts of chainwire. Every package imports this one; it imports nothing.
 */

export type { Clock, TimerHandle } from './clock'
export { type Deadline, deadline } from './deadline'
export { AbortError, ChainwireError, TimeoutError } from './errors'
export { type LogFn, type Logger, noopLogger } from './logger'
export {
  type Counter,
  type Gauge,
  type Histogram,
  type HistogramOptions,
  type Labels,
  type MetricOptions,
  type Metrics,
  noopMetrics,
} from './metrics'
export { sleepWith, systemClock } from './system-clock'

/** Options of every operation that waits on the network: a caller-supplied cancellation signal. */
export interface AbortOptions {
  signal?: AbortSignal
}

/**
 * A peer's identity as text: `cw` followed by the lowercase RFC 4648 base32 (no padding) of its 32-byte
 * Ed25519 public key. @chainwire/network derives and verifies it; other packages treat it as opaque.
 */
export type PeerId = string

/** The roles a node announces in its hello. */
export type NodeRole = 'full' | 'light' | 'bootstrap' | 'validator'

/**
 * @packageDocumentation
 * The shared contracts of chainwire, and the rules every package applies the same way: addresses, network
 * groups and peer ids, signals, token buckets, bounded maps, a binary heap, option resolution, the seeded
 * generator, shuffles and Poisson delays. Every package imports this one; it imports nothing and uses no
 * `node:` module, so it runs in browsers too.
 */

export {
  AddressError,
  type AddressScheme,
  canonicalAddress,
  dhtSubnet,
  embeddedIpv4,
  formatHost,
  formatIp,
  type GroupInput,
  type HostKind,
  type IpBytes,
  inPrefix,
  ipGroup,
  isAddress,
  isDialable,
  isDnsName,
  isLoopback,
  isRoutable,
  MAX_ADDRESS_LENGTH,
  MAX_DNS_NAME_LENGTH,
  MAX_MEMORY_NAME_LENGTH,
  type MemoryAddress,
  maskIp,
  networkGroup,
  type ParsedAddress,
  type ParsedHost,
  parseAddress,
  parseHost,
  parseIp,
  parseIpv4,
  parseIpv6,
  type SocketAddress,
  tryParseAddress,
  unmapIpv4,
} from './address'
export { BinaryHeap } from './binary-heap'
export type { Clock, TimerHandle } from './clock'
export { type Deadline, deadline } from './deadline'
export { AbortError, ChainwireError, TimeoutError } from './errors'
export { type LogFn, type Logger, noopLogger } from './logger'
export { LruMap } from './lru-map'
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
export {
  defaultsOf,
  InvalidOptionsError,
  type NumberBounds,
  type OptionField,
  type OptionSpec,
  option,
  type ResolveContext,
  resolveOptions,
} from './options'
export { isPeerId, PEER_ID_LENGTH, PEER_ID_PATTERN, PEER_ID_PREFIX, type PeerId } from './peer-id'
export { exponentialDelay, shuffled } from './random'
export { type LinkedSignal, linkSignals } from './signals'
export { sipHash24 } from './siphash'
export { sleepWith, systemClock } from './system-clock'
export { type BucketRate, TokenBucket } from './token-bucket'
export { Xoshiro128 } from './xoshiro'

/** Options of every operation that waits on the network: a caller-supplied cancellation signal. */
export interface AbortOptions {
  signal?: AbortSignal
}

/** The roles a node announces in its hello. */
export type NodeRole = 'full' | 'light' | 'bootstrap' | 'validator'

import type { NetworkOptions } from '@chainwire/network'

/** The connection limits and rate limits a benchmark listener needs (defaults protect a public node). */
export const BENCH_LIMITS: NetworkOptions = {
  maxConnections: 5_000,
  maxInbound: 5_000,
  maxInboundPerIp: 5_000,
  maxInboundPerNetGroup: 5_000,
  maxPendingInbound: 256,
  inboundRatePerIp: 1_000_000,
  inboundBurstPerIp: 1_000_000,
  maxManual: 5_000,
  rateLimits: {
    bulk: {
      messagesPerSecond: 1e9,
      messageBurst: 1e9,
      bytesPerSecond: 1e12,
      byteBurst: 1e12,
    },
  },
}

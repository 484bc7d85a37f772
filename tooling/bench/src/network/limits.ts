import type { NetworkOptions } from '@chainwire/network'
import type { MessageOf } from '@chainwire/protocol-codec'

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

const ZERO_DIGEST = new Uint8Array(32)

/** The bulk workload's message: chunk `index` (of 256) of a transfer whose chunks are `bytes` long. */
export function chunkMessage(index: number, bytes: Uint8Array): MessageOf<'chunk'> {
  return {
    type: 'chunk',
    data: {
      transferId: 1,
      index: index % 256,
      total: 256,
      totalLength: 256 * bytes.length,
      chunkSize: bytes.length,
      digest: ZERO_DIGEST,
      bytes,
    },
  }
}

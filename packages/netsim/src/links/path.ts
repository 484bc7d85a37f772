import { NS_PER_MS } from '../scheduler/scheduler'

/** Nanoseconds per second. */
const NS_PER_S = 1_000_000_000

/** The resolved parameters of one direction between two nodes. */
export interface PathParams {
  /** One-way propagation delay, in ms. */
  readonly latencyMs: number
  /** Serialization rate, in bytes per second (`Infinity`: no serialization delay). */
  readonly bandwidth: number
  /** Probability that one transmission attempt of a chunk is lost (0 to < 1). */
  readonly loss: number
  /** Bytes the path's queue holds waiting for serialization; a chunk that does not fit is tail-dropped. */
  readonly bufferBytes: number
}

/**
 * A FIFO serialization queue: a link direction, or a node's uplink shared by all its links. A chunk of `s`
 * bytes starts when the queue is free and finishes `s / bandwidth` later.
 */
export class SerialQueue {
  /** Virtual time (ns) when the last accepted chunk finishes serializing. */
  freeAt = 0
  /** Chunks tail-dropped because the backlog was full. */
  overflows = 0

  /**
   * Accepts a chunk of `bytes` ready at `readyNs` (not before `nowNs`) on a queue of `bandwidth` bytes/s
   * holding at most `bufferBytes` of backlog. Returns when it finishes serializing, or -1 if it does not fit
   * (tail drop: the queue is unchanged).
   */
  accept(nowNs: number, readyNs: number, bytes: number, bandwidth: number, bufferBytes: number): number {
    if (bandwidth === Number.POSITIVE_INFINITY) return readyNs
    const backlog = this.freeAt > nowNs ? ((this.freeAt - nowNs) * bandwidth) / NS_PER_S : 0
    if (bytes > 0 && backlog + bytes > bufferBytes && backlog > 0) {
      this.overflows++
      return -1
    }
    const start = Math.max(readyNs, this.freeAt)
    this.freeAt = start + serializationNs(bytes, bandwidth)
    return this.freeAt
  }
}

/** Time to put `bytes` on a wire of `bandwidth` bytes/s, in integer ns. */
export function serializationNs(bytes: number, bandwidth: number): number {
  if (bandwidth === Number.POSITIVE_INFINITY || bytes === 0) return 0
  return Math.round((bytes * NS_PER_S) / bandwidth)
}

/**
 * Retransmission timeout of a path, in ms: max(200 ms, 2 x RTT), where RTT is twice the one-way latency.
 * Linux's floor is 200 ms; doubling the RTT stands in for the variance term of RFC 6298.
 */
export function retransmitTimeoutMs(latencyMs: number): number {
  return Math.max(200, 4 * latencyMs)
}

/** One-way delay in integer ns. */
export function latencyNs(latencyMs: number): number {
  return Math.round(latencyMs * NS_PER_MS)
}

import type { Clock, PeerId } from '@chainwire/interface'
import { AbortError, TimeoutError } from '@chainwire/interface'
import type { Message } from '@chainwire/protocol-codec'
import type { DiscoveryNetwork } from '../components'
import type { DiscoveryError } from '../errors'
import { failure, type QueryFailure } from './query-connections'

/** A `nodes` answer to a datagram `find_node`, and the address that proved the node's key. */
export interface DatagramAnswer {
  readonly message: Message
  /** The address asked; the answer came from it, signed by the node's key over our nonce. */
  readonly address: string
}

/**
 * The DHT's connectionless queries: one `find_node` datagram to a node's address and one signed `nodes`
 * datagram back, over the network's datagram wire. A first contact then costs one round trip (plus the
 * signature), where a connection costs its dial (transport connect, Noise XX, hellos: about 3 round trips)
 * first. The answer proves the node's key at the address asked, as a dial there would, so the DHT admits it
 * at that address and counts that address's subnet.
 *
 * A datagram that gets no answer says nothing until a deadline passes, and a lookup waits for the silent
 * nodes among its k closest: the deadline is therefore TCP's retransmission timeout over the round trips of
 * the answers so far (smoothed RTT + 4 x its deviation, RFC 6298), between `minTimeoutMs` and `maxTimeoutMs`,
 * rather than a fixed second per dead node. As in TCP, each query that times out doubles it until the next
 * answer (RFC 6298 §5.5), so round trips longer than the deadline raise it instead of failing for ever.
 */
export class DatagramQueries {
  private srtt: number | undefined
  private rttvar = 0
  /** Doubled by each timeout, reset by each answer (at most `maxTimeoutMs` / `minTimeoutMs`). */
  private backoff = 1

  constructor(
    private readonly clock: Clock,
    private readonly network: DiscoveryNetwork,
    private readonly minTimeoutMs: number,
    private readonly maxTimeoutMs: number,
  ) {}

  /** The deadline of the next datagram query: RFC 6298's RTO over the answers seen, clamped. */
  get timeoutMs(): number {
    if (this.srtt === undefined) return this.maxTimeoutMs
    const rto = (this.srtt + 4 * this.rttvar) * this.backoff
    return Math.round(Math.min(this.maxTimeoutMs, Math.max(this.minTimeoutMs, rto)))
  }

  /** Feeds one round trip into the smoothed RTT and its deviation (RFC 6298's gains, 1/8 and 1/4). */
  private sample(rtt: number): void {
    this.backoff = 1
    if (this.srtt === undefined) {
      this.srtt = rtt
      this.rttvar = rtt / 2
      return
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt)
    this.srtt = 0.875 * this.srtt + 0.125 * rtt
  }

  /** Whether the network has the datagram wire at all. */
  get available(): boolean {
    return this.network.datagramRequest !== undefined && this.network.canDatagram !== undefined
  }

  /** The addresses of `addrs` a datagram reaches, in order. */
  reachable(addrs: readonly string[]): string[] {
    const can = this.network.canDatagram
    if (this.network.datagramRequest === undefined || can === undefined) return []
    return addrs.filter((a) => can.call(this.network, a))
  }

  /**
   * Asks `peerId` for the nodes closest to `target` at each address in turn until one answers signed by its
   * key. Rejects with a {@link DiscoveryError} whose `details.failure` is a {@link QueryFailure}.
   */
  async ask(
    peerId: PeerId,
    addrs: readonly string[],
    target: Uint8Array,
    signal: AbortSignal,
  ): Promise<DatagramAnswer> {
    const request = this.network.datagramRequest
    if (request === undefined || addrs.length === 0) throw failure('unreachable', 'no datagram address')
    let last: DiscoveryError | undefined
    for (const address of addrs) {
      if (signal.aborted) break
      const sent = this.clock.now()
      try {
        const r = await request.call(
          this.network,
          address,
          { type: 'find_node', data: { target } },
          { signal, timeoutMs: this.timeoutMs, peerId },
        )
        this.sample(this.clock.now() - sent)
        return { message: r.message, address: r.address }
      } catch (err) {
        last = classify(err, signal)
        if (last.details.failure === 'timeout' && !signal.aborted) {
          this.backoff = Math.min(2 * this.backoff, this.maxTimeoutMs / this.minTimeoutMs)
        }
        if (last.details.failure === 'busy') break
      }
    }
    throw signal.aborted || last === undefined ? failure('timeout', 'no answer before the deadline') : last
  }
}

const FAILURES: Record<string, QueryFailure> = {
  ERR_REQUEST_TIMEOUT: 'timeout',
  ERR_WRONG_PEER: 'unreachable',
  ERR_NO_DATAGRAMS: 'unreachable',
  ERR_TOO_MANY_REQUESTS: 'busy',
}

function classify(err: unknown, signal: AbortSignal): DiscoveryError {
  if (signal.aborted || AbortError.isInstance(err) || TimeoutError.isInstance(err)) {
    return failure('timeout', 'no datagram answer before the deadline')
  }
  const code = (err as { code?: unknown } | undefined)?.code
  const kind = typeof code === 'string' ? FAILURES[code] : undefined
  return failure(kind ?? 'request', 'the datagram query failed', {
    cause: typeof code === 'string' ? code : 'error',
  })
}

/**
 * A `nodes` answer to a datagram `find_node`: the first of `nodes` (closest first) that fit in the response
 * packet, as `reply.fits` says.
 */
export function fittingNodes(
  nodes: readonly { peerId: PeerId; addrs: string[] }[],
  reply: { fits(message: Message): boolean },
): Message {
  const kept = [...nodes]
  let answer: Message = { type: 'nodes', data: { nodes: kept } }
  while (kept.length > 0 && !reply.fits(answer)) {
    kept.pop()
    answer = { type: 'nodes', data: { nodes: kept } }
  }
  return answer
}

import type { PeerId } from '@chainwire/interface'
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
 */
export class DatagramQueries {
  constructor(
    private readonly network: DiscoveryNetwork,
    private readonly timeoutMs: number,
  ) {}

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
      try {
        const r = await request.call(
          this.network,
          address,
          { type: 'find_node', data: { target } },
          { signal, timeoutMs: this.timeoutMs, peerId },
        )
        return { message: r.message, address: r.address }
      } catch (err) {
        last = classify(err, signal)
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

import type { Socket } from 'node:net'
import { formatHost } from '@chainwire/interface'
import { NatError } from '../errors'
import type { StunClient, StunEndpoint } from '../stun/client'

/** A local port to punch from, with the external address its NAT mapping has. */
export interface PunchPort {
  /** The local TCP port: the punch dials from it. */
  readonly localPort: number
  /** Our external address for that port, as `tcp://host:port`: what the peer dials. */
  readonly external: string
  /** Lets the mapping go (closes what kept it alive). */
  release(): void
}

/** Where punch ports come from. */
export interface PunchPortSource {
  /** A fresh port with a known mapping; rejects when none can be had. */
  acquire(options: { signal?: AbortSignal }): Promise<PunchPort>
}

/**
 * Node cannot dial from the port it listens on (no `SO_REUSEPORT`), so a hole punch uses a dedicated port:
 * this source opens a STUN-over-TCP connection from a fresh local port and keeps it open, which both tells
 * the NAT's mapping of that port (XOR-MAPPED-ADDRESS) and keeps the mapping alive until the punch is done.
 * Behind an endpoint-independent NAT the punch's own connection from that port gets the same mapping; behind
 * a symmetric one it does not, and the punch fails as it must. Servers are tried in order.
 */
export class StunPunchPortSource implements PunchPortSource {
  constructor(
    private readonly client: StunClient,
    private readonly servers: readonly StunEndpoint[],
  ) {}

  async acquire(options: { signal?: AbortSignal } = {}): Promise<PunchPort> {
    let last: unknown
    for (const server of this.servers) {
      try {
        const r = await this.client.bindingTcp(server, { keepOpen: true, signal: options.signal })
        const socket = r.socket as Socket
        return {
          localPort: r.local.port,
          external: `tcp://${formatHost(r.mapped.host)}:${r.mapped.port}`,
          release: () => socket.destroy(),
        }
      } catch (err) {
        last = err
      }
    }
    throw new NatError(
      'ERR_HOLE_PUNCH_FAILED',
      'no STUN server gave a mapping for a punch port',
      { reason: 'no_mapping' },
      { cause: last },
    )
  }
}

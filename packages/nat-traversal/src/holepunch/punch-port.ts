import type { Socket } from 'node:net'
import { type Clock, formatHost, systemClock, tryParseAddress } from '@chainwire/interface'
import type { RawConnection } from '@chainwire/network'
import { NatError } from '../errors'
import { rawConnectionOf } from '../relay/circuit-socket'
import { connectTcp, type StunClient, type StunEndpoint } from '../stun/client'

/** A local port to punch from, with the external address its NAT mapping has. */
export interface PunchPort {
  /** The local port: the punch dials from it. */
  readonly localPort: number
  /** Our external address for that port (`tcp://host:port` over TCP): what the peer dials. */
  readonly external: string
  /**
   * The simultaneous open: connects from this port to one of the peer's external addresses, trying until one
   * connects or `signal` aborts. Resolves with the connection (its direction is the caller's to set);
   * rejects with `ERR_HOLE_PUNCH_FAILED` (reason `no_connection`).
   */
  connect(remote: readonly string[], signal: AbortSignal): Promise<RawConnection>
  /** Lets the mapping go (closes what kept it alive). */
  release(): void
}

/** Where punch ports come from. */
export interface PunchPortSource {
  /** A fresh port with a known mapping; rejects when none can be had. */
  acquire(options: { signal?: AbortSignal }): Promise<PunchPort>
  /** Whether a peer's punch address is one these ports can dial (anything else is ignored as `bad_address`). */
  accepts(address: string): boolean
}

/** Pause before dialing a punch address again after a refused connect, in ms. */
const PUNCH_RETRY_MS = 50

/** Whether `address` is a `tcp://` address with an IP literal and a port: what a TCP punch can dial. */
export function isTcpPunchAddress(address: string): boolean {
  const p = tryParseAddress(address)
  return p !== undefined && p.scheme === 'tcp' && p.hostKind !== 'dns' && p.port !== 0
}

/**
 * A TCP punch port: `localPort` is bound (with SO_REUSEADDR) by every dial of the punch, so the dials leave
 * through the NAT mapping that `external` names. `release` lets what keeps the mapping alive go.
 */
export function tcpPunchPort(
  localPort: number,
  external: string,
  release: () => void,
  clock: Clock = systemClock,
): PunchPort {
  return {
    localPort,
    external,
    release,
    async connect(remote, signal) {
      const dials = remote.map((addr) => dialUntil(addr, localPort, signal, clock))
      try {
        const socket = await Promise.any(dials)
        // Another address may connect too: keep the first.
        for (const d of dials)
          void d.then(
            (s) => s !== socket && s.destroy(),
            () => {},
          )
        return rawConnectionOf(socket, 'outbound')
      } catch (err) {
        throw new NatError(
          'ERR_HOLE_PUNCH_FAILED',
          'the simultaneous open did not connect',
          { reason: 'no_connection' },
          { cause: err },
        )
      }
    },
  }
}

/**
 * Dials one address from the punch port until it connects or the signal aborts. A NAT or host that answers
 * an early SYN with a reset (instead of dropping it) fails the connect at once; the next try may meet the
 * peer's own SYN.
 */
async function dialUntil(
  addr: string,
  localPort: number,
  signal: AbortSignal,
  clock: Clock,
): Promise<Socket> {
  const a = tryParseAddress(addr) as { host: string; port: number }
  for (;;) {
    try {
      return await connectTcp({ host: a.host, port: a.port }, { localPort }, signal)
    } catch (err) {
      if (signal.aborted) throw err
      await clock.sleep(PUNCH_RETRY_MS, signal)
    }
  }
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
    private readonly clock: Clock = systemClock,
  ) {}

  accepts(address: string): boolean {
    return isTcpPunchAddress(address)
  }

  async acquire(options: { signal?: AbortSignal } = {}): Promise<PunchPort> {
    let last: unknown
    for (const server of this.servers) {
      try {
        const r = await this.client.bindingTcp(server, { keepOpen: true, signal: options.signal })
        const socket = r.socket as Socket
        return tcpPunchPort(
          r.local.port,
          `tcp://${formatHost(r.mapped.host)}:${r.mapped.port}`,
          () => socket.destroy(),
          this.clock,
        )
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

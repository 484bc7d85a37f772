import { parseAddress, protocolOf } from './address'
import { TransportError } from './errors'
import type { DatagramReceiver, DatagramSocket, Listener, RawConnection, Transport } from './transport'

/**
 * Several transports behind one {@link Transport}: each dial and listen goes to the transport whose
 * `protocols` contain the address's scheme.
 */
export interface Transports extends Transport {
  /** The registered transports, in registration order. */
  readonly transports: readonly Transport[]
  /** The transport for an address's scheme, or undefined (also for a malformed address). */
  transportFor(address: string): Transport | undefined
  /** Whether some registered transport handles this address's scheme. */
  canHandle(address: string): boolean
  /** Binds a datagram endpoint with the transport of the address's scheme; `ERR_UNSUPPORTED_PROTOCOL` without one. */
  bindDatagram(address: string, onDatagram: DatagramReceiver): Promise<DatagramSocket>
}

/**
 * Creates a scheme-routing registry: `createTransports([tcp, ws, memory]).dial('ws://...', { signal })`.
 * Throws `ERR_INVALID_OPTIONS` when two transports claim the same scheme. Dials and listens on a scheme no
 * transport handles fail with `ERR_UNSUPPORTED_PROTOCOL`, malformed addresses with `ERR_INVALID_ADDRESS`.
 */
export function createTransports(transports: readonly Transport[]): Transports {
  return new TransportRegistry(transports)
}

class TransportRegistry implements Transports {
  readonly transports: readonly Transport[]
  readonly protocols: readonly string[]
  private readonly byProtocol = new Map<string, Transport>()

  constructor(transports: readonly Transport[]) {
    this.transports = [...transports]
    for (const transport of this.transports) {
      for (const protocol of transport.protocols) {
        const p = protocol.toLowerCase()
        if (this.byProtocol.has(p)) {
          throw new TransportError('ERR_INVALID_OPTIONS', `two transports handle ${p}`, { protocol: p })
        }
        this.byProtocol.set(p, transport)
      }
    }
    this.protocols = [...this.byProtocol.keys()]
  }

  transportFor(address: string): Transport | undefined {
    try {
      return this.byProtocol.get(protocolOf(parseAddress(address)))
    } catch {
      return undefined
    }
  }

  canHandle(address: string): boolean {
    return this.transportFor(address) !== undefined
  }

  dial(address: string, options: { signal: AbortSignal }): Promise<RawConnection> {
    try {
      return this.route(address).dial(address, options)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  async listen(address: string, onConnection: (conn: RawConnection) => void): Promise<Listener> {
    return this.route(address).listen(address, onConnection)
  }

  bindDatagram(address: string, onDatagram: DatagramReceiver): Promise<DatagramSocket> {
    try {
      const transport = this.route(address)
      if (transport.bindDatagram === undefined) {
        throw new TransportError('ERR_UNSUPPORTED_PROTOCOL', `no datagrams on ${address}`, { address })
      }
      return transport.bindDatagram(address, onDatagram)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  private route(address: string): Transport {
    const protocol = protocolOf(parseAddress(address))
    const transport = this.byProtocol.get(protocol)
    if (transport === undefined) {
      throw new TransportError('ERR_UNSUPPORTED_PROTOCOL', `no transport for ${protocol} (${address})`, {
        address,
        protocol,
      })
    }
    return transport
  }
}

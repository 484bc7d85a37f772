import type { Duplex } from 'node:stream'
import type { MemoryAddress } from '@chainwire/interface'
import { type Logger, noopLogger, tryParseAddress } from '@chainwire/interface'
import { parseFor } from './address'
import { TransportError } from './errors'
import {
  type MemoryBinding,
  type MemoryDatagramBinding,
  type MemoryNetwork,
  routerOf,
} from './memory-network'
import type { MemoryPair } from './memory-stream'
import type { MemoryEndpoint } from './memory-types'
import type {
  DatagramReceiver,
  DatagramSocket,
  Direction,
  Listener,
  RawConnection,
  Transport,
} from './transport'

/** What the memory transport uses: the network it attaches to. */
export interface MemoryTransportComponents {
  /** The in-process network shared by every node of a test or simulation. */
  network: MemoryNetwork
  /** @default noopLogger */
  logger?: Logger
}

/** Options of {@link createMemoryTransport}. */
export interface MemoryTransportOptions {
  /**
   * The IP this endpoint appears from (the `remoteHost` its peers see, in both directions). Several
   * transports may share one, to test per-IP limits. @default the network's next 10.a.b.c (see MemoryNetwork)
   */
  host?: string
  /** A name for logs and schedulers; the endpoint's `memory://` address on connections it dials. @default `endpoint-<id>` */
  label?: string
  /** Buffer size of each connection stream, readable and writable: the link's window is the reader's. @default 65_536 */
  highWaterMark?: number
}

/** The memory transport: a {@link Transport} plus the endpoint it is on the {@link MemoryNetwork}. */
export interface MemoryTransport extends Transport {
  /** This transport's identity on the network: id, synthetic IP and label. */
  readonly endpoint: MemoryEndpoint
  readonly network: MemoryNetwork
}

/**
 * Creates a transport for `memory://name` addresses on an in-process {@link MemoryNetwork}: the fast path
 * for multi-node tests, and the transport netsim runs thousands of nodes on.
 */
export function createMemoryTransport(
  components: MemoryTransportComponents,
  options: MemoryTransportOptions = {},
): MemoryTransport {
  return new InMemoryTransport(components, options)
}

class InMemoryTransport implements MemoryTransport {
  readonly protocols = ['memory:'] as const
  readonly endpoint: MemoryEndpoint
  readonly network: MemoryNetwork
  private readonly highWaterMark: number
  private readonly onStreamError: (err: Error) => void

  constructor(components: MemoryTransportComponents, options: MemoryTransportOptions) {
    if (components?.network === undefined) {
      throw new TransportError('ERR_INVALID_OPTIONS', 'createMemoryTransport needs components.network')
    }
    this.network = components.network
    this.highWaterMark = options.highWaterMark ?? 65_536
    if (!Number.isSafeInteger(this.highWaterMark) || this.highWaterMark < 1) {
      throw new TransportError('ERR_INVALID_OPTIONS', 'highWaterMark must be a positive integer', {
        highWaterMark: this.highWaterMark,
      })
    }
    this.endpoint = this.network[routerOf].createEndpoint(options.host, options.label)
    const log = (components.logger ?? noopLogger).child({
      component: 'transport:memory',
      endpoint: this.endpoint.label,
    })
    this.onStreamError = (err) => log.debug({ err }, 'memory stream error')
  }

  async dial(address: string, options: { signal: AbortSignal }): Promise<RawConnection> {
    const target = this.parse(address)
    const pair = await this.network[routerOf].dial(
      this.endpoint,
      target.host,
      this.highWaterMark,
      options?.signal,
    )
    return this.connection(pair, 'outbound')
  }

  async listen(address: string, onConnection: (conn: RawConnection) => void): Promise<Listener> {
    const target = this.parse(address)
    const binding: MemoryBinding = {
      name: target.host,
      endpoint: this.endpoint,
      highWaterMark: this.highWaterMark,
      onConnection: (pair) => {
        const conn = this.connection(pair, 'inbound')
        try {
          onConnection(conn)
        } catch (err) {
          this.onStreamError(err as Error)
          conn.close()
        }
      },
    }
    const router = this.network[routerOf]
    router.bind(binding)
    return new MemoryListener(`memory://${target.host}`, () => router.unbind(binding))
  }

  async bindDatagram(address: string, onDatagram: DatagramReceiver): Promise<DatagramSocket> {
    const target = this.parse(address)
    const binding: MemoryDatagramBinding = { name: target.host, endpoint: this.endpoint, receive: onDatagram }
    const router = this.network[routerOf]
    router.bindDatagram(binding)
    return new MemoryDatagramSocket(binding, router)
  }

  private connection(pair: MemoryPair, direction: Direction): RawConnection {
    const outbound = direction === 'outbound'
    const stream = outbound ? pair.dialerStream : pair.listenerStream
    stream.on('error', this.onStreamError)
    const dialerAddress = `memory://${pair.dialer.label}`
    const listenerAddress = `memory://${pair.name}`
    return new MemoryRawConnection(
      stream,
      outbound ? listenerAddress : dialerAddress,
      outbound ? dialerAddress : listenerAddress,
      outbound ? pair.listener.host : pair.dialer.host,
      direction,
    )
  }

  private parse(address: string): MemoryAddress {
    return parseFor(address, 'memory', ['memory'])
  }
}

class MemoryRawConnection implements RawConnection {
  readonly inProcess = true

  constructor(
    readonly stream: Duplex,
    readonly remoteAddress: string,
    readonly localAddress: string,
    readonly remoteHost: string,
    readonly direction: Direction,
  ) {}

  close(err?: Error): void {
    if (!this.stream.destroyed) this.stream.destroy(err)
  }
}

class MemoryListener implements Listener {
  readonly addresses: readonly string[]
  private unbind: (() => void) | undefined

  constructor(address: string, unbind: () => void) {
    this.addresses = [address]
    this.unbind = unbind
  }

  close(): Promise<void> {
    this.unbind?.()
    this.unbind = undefined
    return Promise.resolve()
  }
}

class MemoryDatagramSocket implements DatagramSocket {
  readonly address: string
  private open = true

  constructor(
    private readonly binding: MemoryDatagramBinding,
    private readonly router: MemoryNetwork[typeof routerOf],
  ) {
    this.address = `memory://${binding.name}`
  }

  canSend(to: string): boolean {
    return this.open && tryParseAddress(to)?.scheme === 'memory'
  }

  send(to: string, bytes: Uint8Array): boolean {
    const target = this.open ? tryParseAddress(to) : undefined
    if (target?.scheme !== 'memory') return false
    this.router.sendDatagram(this.binding, target.host, bytes)
    return true
  }

  close(): Promise<void> {
    if (this.open) this.router.unbindDatagram(this.binding)
    this.open = false
    return Promise.resolve()
  }
}

import { parseHost } from '@chainwire/interface'
import { abortError, TransportError } from './errors'
import { MemoryPair } from './memory-stream'

/** One attached transport (a node's network interface) as the memory network and its scheduler see it. */
export interface MemoryEndpoint {
  /** Unique within the network, from 1 in creation order. */
  readonly id: number
  /** The synthetic IP the endpoint appears from: the `remoteHost` its peers see. */
  readonly host: string
  /** A name for logs and schedulers (netsim's node name); also the endpoint's address on dialed connections. */
  readonly label: string
}

/** What travels on a link: bytes, or the writer's end of stream (FIN). */
export type MemoryPacketType = 'data' | 'end'

/** One direction of one memory connection. */
export interface MemoryLink {
  /** The connection this direction belongs to. */
  readonly connection: MemoryConnection
  /** The endpoint writing. */
  readonly from: MemoryEndpoint
  /** The endpoint reading. */
  readonly to: MemoryEndpoint
  /** Bytes written into this direction and not yet delivered or dropped (reorder-waiting ones included). */
  readonly bytesInFlight: number
}

/**
 * One packet handed to {@link MemoryScheduler.transmit}: a chunk as the writer wrote it, or the end of
 * stream. The scheduler settles it exactly once, with `deliver()` or `drop()`, at any later time (or at
 * once, even inside `transmit`). Settling twice, or after the connection closed, is a no-op.
 */
export interface MemoryTransmission {
  readonly link: MemoryLink
  readonly type: MemoryPacketType
  /** The chunk (empty for `'end'`). Shared with the writer and the reader: never modify it. */
  readonly bytes: Uint8Array
  /** `bytes.byteLength`: what a bandwidth model charges. */
  readonly byteLength: number
  /** Position in this link's packets, from 0. */
  readonly seq: number
  /**
   * The packet has arrived. The reader gets it on the next `process.nextTick`, and only after every earlier
   * packet of the same link was delivered or dropped: order per direction is kept whatever the scheduler
   * does, so a packet delivered early waits for the ones before it.
   */
  deliver(): void
  /**
   * The packet is lost. Later packets of the link no longer wait for it. Dropping data leaves a gap in the
   * byte stream (the secure channel above then fails, as with corruption); dropping `'end'` leaves the
   * reader waiting for more.
   */
  drop(): void
}

/**
 * A dial on its way to a listener, handed to {@link MemoryScheduler.connect}. Settle it once: `accept()`
 * creates the connection (the listener's handler runs, then the dial resolves), `refuse()` fails the dial.
 * If the dial was aborted, or the listener closed, before `accept()`, accepting is a no-op or a refusal.
 */
export interface MemoryDialAttempt {
  readonly dialer: MemoryEndpoint
  readonly listener: MemoryEndpoint
  /** The listener name dialed (`memory://<name>`). */
  readonly name: string
  accept(): void
  /** Fails the dial with `error`, by default a `TransportError` with code `ERR_CONNECTION_REFUSED`. */
  refuse(error?: Error): void
}

/** The network's handle on an open memory connection. */
export interface MemoryConnection {
  /** Unique within the network, from 1 in creation order. */
  readonly id: number
  readonly dialer: MemoryEndpoint
  readonly listener: MemoryEndpoint
  /** The listener name that was dialed. */
  readonly name: string
  /** Dialer to listener. */
  readonly outbound: MemoryLink
  /** Listener to dialer. */
  readonly inbound: MemoryLink
  /** True once both ends' streams are destroyed. */
  readonly closed: boolean
  /**
   * Destroys both ends at once with `error` (default `ERR_CONNECTION_RESET`), bypassing the scheduler: what
   * both TCP stacks do when a cut link outlives their retransmission timeout. Packets still in flight are
   * discarded.
   */
  reset(error?: Error): void
}

/**
 * The hook a network simulator plugs into {@link MemoryNetwork}: it decides when each dial and each packet
 * arrives, on its own (virtual) clock. Latency: deliver later. Bandwidth and queueing: deliver after the
 * link's serialisation backlog. A cut link: hold the packets and deliver them when it heals (or `reset()`
 * the connections), or drop them. `connect` runs synchronously inside `dial()`; `transmit` runs synchronously
 * when a stream hands a chunk to its link (inside `write()`, or later when a write held by backpressure is
 * released).
 */
export interface MemoryScheduler {
  /** Called for every packet, in write order per link. Required. */
  transmit(transmission: MemoryTransmission): void
  /** Called for every dial that found a listener. @default accept on the next `process.nextTick` */
  connect?(attempt: MemoryDialAttempt): void
  /** Called when a connection is created, before either side sees it. */
  opened?(connection: MemoryConnection): void
  /** Called when both ends of a connection are destroyed: drop any per-connection state. */
  closed?(connection: MemoryConnection): void
}

/** Options of {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /**
   * Decides when dials and bytes arrive (the netsim hook). Without one, dials connect and every packet
   * reaches the reader on the next `process.nextTick`. @default undefined
   */
  scheduler?: MemoryScheduler
}

/** A listener bound on the network, as kept by the router. */
export interface MemoryBinding {
  readonly name: string
  readonly endpoint: MemoryEndpoint
  readonly highWaterMark: number
  readonly onConnection: (pair: MemoryPair) => void
}

/** Highest endpoint id the default IP allocation can map (10.x.y.z with z from 1 to 254). */
const MAX_ALLOCATED = 254 * 65_536 - 1

/** The default synthetic IP of endpoint `id`: 10.(id & 255).((id >> 8) & 255).((id >> 16) + 1). */
export function allocatedHost(id: number): string {
  return `10.${id & 255}.${(id >> 8) & 255}.${(id >> 16) + 1}`
}

/** Internal operations of a {@link MemoryNetwork}, reachable only from this package's transport. */
export const routerOf = Symbol('chainwire.memory.router')

/**
 * An in-process network: `memory://name` dials from memory transports reach the listeners bound under that
 * name on the same network. Each attached transport is an endpoint with a synthetic IP, so per-IP and
 * per-subnet limits behave as over TCP. A {@link MemoryScheduler} (netsim) can model latency, bandwidth,
 * loss and partitions; without one, delivery is immediate (next tick).
 */
export class MemoryNetwork {
  /** The scheduler in use, if any. */
  readonly scheduler: MemoryScheduler | undefined
  /** @internal */
  readonly [routerOf]: MemoryRouter

  constructor(options: MemoryNetworkOptions = {}) {
    this.scheduler = options.scheduler
    this[routerOf] = new MemoryRouter(this.scheduler)
  }

  /** The open connections (at least one end not destroyed), oldest first. */
  connections(): MemoryConnection[] {
    return this[routerOf].connections()
  }

  /** The names currently listened on. */
  listening(): string[] {
    return this[routerOf].names()
  }
}

/** Creates a {@link MemoryNetwork}. */
export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  return new MemoryNetwork(options)
}

/** Routing state of one memory network: endpoints, bound names, open connections. */
export class MemoryRouter {
  private readonly scheduler: MemoryScheduler | undefined
  private readonly bindings = new Map<string, MemoryBinding>()
  private readonly open = new Set<MemoryPair>()
  private endpoints = 0
  private connectionIds = 0

  constructor(scheduler: MemoryScheduler | undefined) {
    this.scheduler = scheduler
  }

  connections(): MemoryConnection[] {
    return [...this.open]
  }

  names(): string[] {
    return [...this.bindings.keys()]
  }

  /** Registers an endpoint: the given host (validated, normalised) or the next allocated 10.x.y.z. */
  createEndpoint(host: string | undefined, label: string | undefined): MemoryEndpoint {
    const id = ++this.endpoints
    let ip: string
    if (host === undefined) {
      if (id > MAX_ALLOCATED) {
        throw new TransportError('ERR_INVALID_OPTIONS', 'the memory network ran out of synthetic IPs', { id })
      }
      ip = allocatedHost(id)
    } else {
      const parsed = parseHost(host)
      if (parsed?.ip === undefined) {
        throw new TransportError('ERR_INVALID_OPTIONS', `memory host must be an IP literal: ${host}`, {
          host,
        })
      }
      ip = parsed.host
    }
    const name = label ?? `endpoint-${id}`
    if (!/^[A-Za-z0-9._~-]{1,255}$/.test(name)) {
      throw new TransportError('ERR_INVALID_OPTIONS', `bad memory endpoint label: ${name}`, { label: name })
    }
    return { id, host: ip, label: name }
  }

  bind(binding: MemoryBinding): void {
    if (this.bindings.has(binding.name)) {
      throw new TransportError('ERR_LISTEN_FAILED', `memory://${binding.name} is already in use`, {
        address: `memory://${binding.name}`,
        systemCode: 'EADDRINUSE',
      })
    }
    this.bindings.set(binding.name, binding)
  }

  unbind(binding: MemoryBinding): void {
    if (this.bindings.get(binding.name) === binding) this.bindings.delete(binding.name)
  }

  /** Dials `name` from `dialer`; resolves with the new pair once the listener's handler has run. */
  dial(
    dialer: MemoryEndpoint,
    name: string,
    highWaterMark: number,
    signal: AbortSignal,
  ): Promise<MemoryPair> {
    const address = `memory://${name}`
    if (signal?.aborted === true) return Promise.reject(abortError(signal))
    const binding = this.bindings.get(name)
    if (binding === undefined) return Promise.reject(refused(address))
    return new Promise<MemoryPair>((resolve, reject) => {
      let settled = false
      const settle = (): boolean => {
        if (settled) return false
        settled = true
        signal?.removeEventListener('abort', onAbort)
        return true
      }
      const onAbort = (): void => {
        if (settle()) reject(abortError(signal))
      }
      const refuse = (error?: Error): void => {
        if (settle()) reject(error ?? refused(address))
      }
      const accept = (): void => {
        if (!settle()) return
        if (this.bindings.get(name) !== binding) {
          reject(refused(address))
          return
        }
        const pair = new MemoryPair({
          id: ++this.connectionIds,
          dialer,
          listener: binding.endpoint,
          name,
          dialerHighWaterMark: highWaterMark,
          listenerHighWaterMark: binding.highWaterMark,
          scheduler: this.scheduler,
          onClosed: (p) => this.closed(p),
        })
        this.open.add(pair)
        try {
          this.scheduler?.opened?.(pair)
        } catch (err) {
          pair.discard()
          reject(
            new TransportError('ERR_DIAL_FAILED', 'the memory scheduler threw', { address }, { cause: err }),
          )
          return
        }
        binding.onConnection(pair)
        resolve(pair)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const connect = this.scheduler?.connect
      if (connect === undefined) {
        // Never synchronous, as with any real dial: the caller can still abort right after dialing.
        process.nextTick(accept)
        return
      }
      try {
        connect.call(this.scheduler, { dialer, listener: binding.endpoint, name, accept, refuse })
      } catch (err) {
        refuse(
          new TransportError('ERR_DIAL_FAILED', 'the memory scheduler threw', { address }, { cause: err }),
        )
      }
    })
  }

  private closed(pair: MemoryPair): void {
    this.open.delete(pair)
    try {
      this.scheduler?.closed?.(pair)
    } catch (err) {
      // Called from inside a stream's destroy: surface the scheduler's bug outside the stream machinery.
      process.nextTick(() => {
        throw err
      })
    }
  }
}

function refused(address: string): TransportError {
  return new TransportError('ERR_CONNECTION_REFUSED', `nobody listens on ${address}`, { address })
}

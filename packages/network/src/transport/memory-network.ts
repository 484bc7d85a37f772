import { parseHost } from '@chainwire/interface'
import { abortError, TransportError } from './errors'
import { MemoryPair } from './memory-stream'
import type { MemoryConnection, MemoryEndpoint, MemoryNetworkOptions, MemoryScheduler } from './memory-types'
import type { DatagramReceiver } from './transport'

/** A listener bound on the network, as kept by the router. */
export interface MemoryBinding {
  readonly name: string
  readonly endpoint: MemoryEndpoint
  readonly highWaterMark: number
  readonly onConnection: (pair: MemoryPair) => void
}

/** A datagram socket bound on the network, as kept by the router. */
export interface MemoryDatagramBinding {
  readonly name: string
  readonly endpoint: MemoryEndpoint
  readonly receive: DatagramReceiver
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
  private readonly datagramBindings = new Map<string, MemoryDatagramBinding>()
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

  bindDatagram(binding: MemoryDatagramBinding): void {
    if (this.datagramBindings.has(binding.name)) {
      throw new TransportError(
        'ERR_LISTEN_FAILED',
        `datagrams on memory://${binding.name} are bound already`,
        {
          address: `memory://${binding.name}`,
          systemCode: 'EADDRINUSE',
        },
      )
    }
    this.datagramBindings.set(binding.name, binding)
  }

  unbindDatagram(binding: MemoryDatagramBinding): void {
    if (this.datagramBindings.get(binding.name) === binding) this.datagramBindings.delete(binding.name)
  }

  /**
   * Sends a datagram from `from` (bound as `fromName`) to the name `to`: silently lost when nobody is bound
   * there, as over UDP; the scheduler decides when (and whether) it arrives.
   */
  sendDatagram(from: MemoryDatagramBinding, to: string, bytes: Uint8Array): void {
    const target = this.datagramBindings.get(to)
    if (target === undefined) return
    const source = { address: `memory://${from.name}`, host: from.endpoint.host }
    let settled = false
    const deliver = (): void => {
      if (settled) return
      settled = true
      process.nextTick(() => {
        if (this.datagramBindings.get(to) === target) target.receive(bytes, source)
      })
    }
    const drop = (): void => {
      settled = true
    }
    const hook = this.scheduler?.datagram
    if (hook === undefined) {
      deliver()
      return
    }
    hook.call(this.scheduler, {
      from: from.endpoint,
      to: target.endpoint,
      bytes,
      byteLength: bytes.byteLength,
      deliver,
      drop,
    })
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

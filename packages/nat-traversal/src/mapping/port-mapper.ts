import type { Socket as UdpSocket } from 'node:dgram'
import { readFileSync } from 'node:fs'
import {
  type Clock,
  deadline,
  type Logger,
  noopLogger,
  type OptionSpec,
  option,
  systemClock,
  type TimerHandle,
} from '@chainwire/interface'
import { EventEmitter } from 'eventemitter3'
import { NatError } from '../errors'
import { resolveNatOptions } from '../options'
import { bindUdp } from '../stun/client'
import { type MappingCodec, type MappingGrant, type MappingRequest, natPmp, PCP_PORT, pcp } from './protocols'
import { UpnpGateway, type UpnpOptions } from './upnp'

/** Options of {@link PortMapper}. */
export interface PortMapperOptions {
  /** The gateway's LAN IP. @default the default route's gateway (Linux `/proc/net/route`) */
  gateway?: string
  /** Our LAN IP as the gateway sees it (PCP carries it). @default the local address of the socket used */
  clientIp?: string
  /** The gateway's PCP / NAT-PMP port. @default 5351 */
  gatewayPort?: number
  /** Protocols to try, in order. @default ['pcp', 'nat-pmp', 'upnp'] */
  protocols?: readonly MappingProtocol[]
  /** Lifetime asked for each mapping, in seconds; renewed at half of what was granted. @default 7_200 */
  lifetimeSeconds?: number
  /** First retransmission timeout, doubled after each try (RFC 6886: 250 ms). @default 250 */
  rtoMs?: number
  /** Requests sent per transaction at most. @default 4 */
  maxRequests?: number
  /** Mappings held at most. @default 16 */
  maxMappings?: number
  /** UPnP IGD: SSDP and HTTP limits, or a known description URL. @default its defaults */
  upnp?: UpnpOptions
  /** What UPnP mappings are called on the gateway (`NewPortMappingDescription`). @default 'chainwire' */
  description?: string
}

/** A port-mapping protocol. */
export type MappingProtocol = 'pcp' | 'nat-pmp' | 'upnp'

type Resolved = Required<Omit<PortMapperOptions, 'gateway' | 'clientIp' | 'upnp'>> & {
  gateway: string
  clientIp: string
}

const spec: OptionSpec<Resolved> = {
  gateway: option.string('', { maxLength: 64 }),
  clientIp: option.string('', { maxLength: 64 }),
  gatewayPort: option.integer(PCP_PORT, { min: 1, max: 65535 }),
  protocols: option.custom<readonly MappingProtocol[]>(['pcp', 'nat-pmp', 'upnp'], (v) =>
    Array.isArray(v) && v.length > 0 && v.every((p) => p === 'pcp' || p === 'nat-pmp' || p === 'upnp')
      ? undefined
      : "must be a non-empty list of 'pcp', 'nat-pmp' and 'upnp'",
  ),
  lifetimeSeconds: option.integer(7_200, { min: 60, max: 86_400 }),
  rtoMs: option.integer(250, { min: 1 }),
  maxRequests: option.integer(4, { min: 1, max: 9 }),
  maxMappings: option.integer(16, { min: 1 }),
  description: option.string('chainwire', { maxLength: 64 }),
}

/** A mapping the gateway granted. */
export interface PortMapping {
  readonly protocol: 'tcp' | 'udp'
  readonly internalPort: number
  readonly externalPort: number
  /** Our external IP (from PCP's answer, or NAT-PMP's external-address request). */
  readonly externalIp: string
  /** Which protocol granted it. */
  readonly via: MappingProtocol
  /** Clock time the mapping ends unless renewed. */
  readonly expiresAt: number
}

/** Events of {@link PortMapper}. */
export interface PortMapperEvents {
  'mapping:granted': (m: PortMapping) => void
  'mapping:renewed': (m: PortMapping) => void
  'mapping:lost': (e: { protocol: 'tcp' | 'udp'; internalPort: number; reason: string }) => void
}

/**
 * Asks the home router for port mappings with PCP (RFC 6887), NAT-PMP (RFC 6886) or UPnP IGD (SSDP and
 * SOAP), whichever answers first in `protocols` order; learns the external address with them; renews each
 * lease at half its granted lifetime (a permanent UPnP mapping, for gateways that only grant those, needs
 * none); and deletes every mapping on `stop()`. Nothing is sent until `map()` is called.
 */
export class PortMapper extends EventEmitter<PortMapperEvents> {
  private readonly options: Resolved
  private readonly clock: Clock
  private readonly log: Logger
  private readonly mappings = new Map<string, { mapping: PortMapping; timer: TimerHandle | undefined }>()
  private socket: UdpSocket | undefined
  private readonly upnp: UpnpGateway

  constructor(components: { clock?: Clock; logger?: Logger } = {}, options: PortMapperOptions = {}) {
    super()
    const { upnp, ...rest } = options
    this.options = resolveNatOptions(spec, rest)
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'port-mapper' })
    this.upnp = new UpnpGateway(components, upnp)
  }

  /** Mappings held now. */
  list(): PortMapping[] {
    return [...this.mappings.values()].map((m) => m.mapping)
  }

  /**
   * Maps `internalPort` (asking for the same external port). Resolves with the mapping; rejects with
   * `ERR_PORT_MAPPING_FAILED` when no protocol got one.
   */
  async map(
    protocol: 'tcp' | 'udp',
    internalPort: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<PortMapping> {
    const key = `${protocol}:${internalPort}`
    if (!this.mappings.has(key) && this.mappings.size >= this.options.maxMappings) {
      throw new NatError('ERR_PORT_MAPPING_FAILED', 'too many mappings', { protocol: 'any', reason: 'limit' })
    }
    const previous = this.mappings.get(key)?.mapping
    let last: unknown
    for (const name of previous === undefined ? this.options.protocols : [previous.via]) {
      try {
        const suggested = previous?.externalPort ?? internalPort
        const mapping =
          name === 'upnp'
            ? await this.mapUpnp(protocol, internalPort, suggested, options.signal)
            : await this.mapPcpOrNatPmp(name, protocol, internalPort, suggested, options.signal)
        const entry = this.mappings.get(key)
        this.clock.clearTimeout(entry?.timer)
        const lifetimeMs = mapping.expiresAt - this.clock.now()
        const timer = Number.isFinite(lifetimeMs)
          ? this.clock.setTimeout(() => void this.renew(protocol, internalPort), lifetimeMs / 2)
          : undefined
        this.mappings.set(key, { mapping, timer })
        this.emit(previous === undefined ? 'mapping:granted' : 'mapping:renewed', mapping)
        return mapping
      } catch (err) {
        last = err
      }
    }
    throw NatError.isInstance(last)
      ? last
      : new NatError(
          'ERR_PORT_MAPPING_FAILED',
          'no port-mapping protocol answered',
          { protocol: 'any', reason: 'no_answer' },
          { cause: last },
        )
  }

  /** Deletes one mapping at the gateway (lifetime 0, or UPnP's DeletePortMapping). */
  async unmap(protocol: 'tcp' | 'udp', internalPort: number): Promise<void> {
    const key = `${protocol}:${internalPort}`
    const entry = this.mappings.get(key)
    if (entry === undefined) return
    this.clock.clearTimeout(entry.timer)
    this.mappings.delete(key)
    if (entry.mapping.via === 'upnp') {
      await this.upnp
        .deletePortMapping({ protocol, externalPort: entry.mapping.externalPort })
        .catch((err) => this.log.debug({ err }, 'deleting a UPnP mapping failed'))
      return
    }
    const codec = entry.mapping.via === 'pcp' ? pcp : natPmp
    await this.transact(
      codec,
      { protocol, internalPort, suggestedExternalPort: 0, lifetimeSeconds: 0 },
      undefined,
    ).catch((err) => this.log.debug({ err }, 'deleting a mapping failed'))
  }

  /** Deletes every mapping and closes the socket. */
  async stop(): Promise<void> {
    await Promise.all(this.list().map((m) => this.unmap(m.protocol, m.internalPort)))
    this.socket?.close()
    this.socket = undefined
  }

  private async renew(protocol: 'tcp' | 'udp', internalPort: number): Promise<void> {
    try {
      await this.map(protocol, internalPort)
    } catch (err) {
      const key = `${protocol}:${internalPort}`
      this.clock.clearTimeout(this.mappings.get(key)?.timer)
      this.mappings.delete(key)
      this.emit('mapping:lost', { protocol, internalPort, reason: (err as Error).message })
    }
  }

  private async mapPcpOrNatPmp(
    name: 'pcp' | 'nat-pmp',
    protocol: 'tcp' | 'udp',
    internalPort: number,
    suggested: number,
    signal: AbortSignal | undefined,
  ): Promise<PortMapping> {
    const grant = await this.transact(
      name === 'pcp' ? pcp : natPmp,
      {
        protocol,
        internalPort,
        suggestedExternalPort: suggested,
        lifetimeSeconds: this.options.lifetimeSeconds,
      },
      signal,
    )
    const externalIp = grant.externalIp ?? (await this.natPmpExternalIp(signal))
    return {
      protocol,
      internalPort,
      externalPort: grant.externalPort,
      externalIp,
      via: name,
      expiresAt: this.clock.now() + grant.lifetimeSeconds * 1_000,
    }
  }

  /**
   * UPnP: `AddPortMapping` for the suggested external port with our lease; a gateway that only grants
   * permanent mappings (error 725) gets a lease of 0 (then nothing to renew; still deleted at stop); a port
   * taken by another host (718) is tried once more on a port derived from ours.
   */
  private async mapUpnp(
    protocol: 'tcp' | 'udp',
    internalPort: number,
    suggested: number,
    signal: AbortSignal | undefined,
  ): Promise<PortMapping> {
    let lease = this.options.lifetimeSeconds
    let externalPort = suggested
    for (let attempt = 0; ; attempt++) {
      try {
        await this.upnp.addPortMapping(
          {
            protocol,
            externalPort,
            internalPort,
            leaseSeconds: lease,
            description: this.options.description,
          },
          { signal },
        )
        break
      } catch (err) {
        const upnpCode = (err as NatError).details?.upnpCode
        if (attempt >= 2) throw err
        if (upnpCode === 725 && lease !== 0) lease = 0
        else if (upnpCode === 718) externalPort = 1_024 + ((externalPort * 7 + 1) % 64_000)
        else throw err
      }
    }
    return {
      protocol,
      internalPort,
      externalPort,
      externalIp: await this.upnp.externalIp({ signal }),
      via: 'upnp',
      expiresAt: lease === 0 ? Number.POSITIVE_INFINITY : this.clock.now() + lease * 1_000,
    }
  }

  private async natPmpExternalIp(signal: AbortSignal | undefined): Promise<string> {
    const request = natPmp.encodeExternalAddress()
    return this.exchange('nat-pmp', request.bytes, request.match, signal)
  }

  private async transact(
    codec: MappingCodec,
    request: MappingRequest,
    signal: AbortSignal | undefined,
  ): Promise<MappingGrant> {
    await this.udp(this.gateway())
    const { bytes, match } = codec.encodeMap(request, this.clientIp())
    return this.exchange(codec.name, bytes, match, signal)
  }

  private clientIp(): string {
    if (this.options.clientIp !== '') return this.options.clientIp
    const local = this.socket?.address().address
    return local !== undefined && local !== '0.0.0.0' ? local : '0.0.0.0'
  }

  /** Sends a request to the gateway with retransmissions until a reply matches. */
  private async exchange<T>(
    protocol: string,
    bytes: Uint8Array,
    match: (reply: Uint8Array) => T | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const gateway = this.gateway()
    const socket = await this.udp(gateway)
    const total = this.options.rtoMs * (2 ** this.options.maxRequests - 1)
    const timer = deadline(this.clock, total, signal, `${protocol} request`)
    return new Promise<T>((resolve, reject) => {
      let rto = this.options.rtoMs
      let sent = 0
      let retransmit: TimerHandle | undefined
      const done = (err: unknown, value?: T): void => {
        this.clock.clearTimeout(retransmit)
        timer.clear()
        timer.signal.removeEventListener('abort', onAbort)
        socket.removeListener('message', onMessage)
        if (err !== undefined) reject(err)
        else resolve(value as T)
      }
      const send = (): void => {
        if (sent++ >= this.options.maxRequests) return
        socket.send(bytes, () => {})
        retransmit = this.clock.setTimeout(send, rto)
        rto *= 2
      }
      // The socket is connected to the gateway: the kernel drops datagrams from anyone else.
      const onMessage = (data: Buffer): void => {
        try {
          const value = match(new Uint8Array(data))
          if (value !== undefined) done(undefined, value)
        } catch (err) {
          done(err)
        }
      }
      const onAbort = (): void =>
        done(
          signal?.aborted === true
            ? timer.signal.reason
            : new NatError('ERR_PORT_MAPPING_FAILED', `${protocol}: no answer from ${gateway}`, {
                protocol,
                reason: 'timeout',
              }),
        )
      timer.signal.addEventListener('abort', onAbort, { once: true })
      socket.on('message', onMessage)
      send()
    })
  }

  private gateway(): string {
    if (this.options.gateway !== '') return this.options.gateway
    const gw = defaultGateway()
    if (gw === undefined)
      throw new NatError('ERR_PORT_MAPPING_FAILED', 'no default gateway found', {
        protocol: 'any',
        reason: 'no_gateway',
      })
    return gw
  }

  /** One socket connected to the gateway: replies from anyone else are dropped by the kernel, and its local
   * address is the one the gateway sees (PCP's client IP). */
  private async udp(gateway: string): Promise<UdpSocket> {
    if (this.socket === undefined) {
      const socket = await bindUdp(0, '0.0.0.0')
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.connect(this.options.gatewayPort, gateway, () => {
          socket.removeListener('error', reject)
          resolve()
        })
      })
      this.socket = socket
    }
    return this.socket
  }
}

/** The IPv4 default gateway from Linux's `/proc/net/route`, or undefined elsewhere. */
export function defaultGateway(): string | undefined {
  let table: string
  try {
    table = readFileSync('/proc/net/route', 'utf8')
  } catch {
    return undefined
  }
  for (const line of table.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/)
    if (destination !== '00000000' || gateway === undefined || gateway === '00000000') continue
    const n = Number.parseInt(gateway, 16)
    // Little-endian hex, as the kernel prints it.
    return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff].join('.')
  }
  return undefined
}

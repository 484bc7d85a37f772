import type { Clock, Logger, Metrics, PeerId, TimerHandle } from '@chainwire/interface'
import { isAddress, LruMap, noopLogger, type OptionSpec, option, PEER_ID_PATTERN } from '@chainwire/interface'
import { EventEmitter } from 'eventemitter3'
import multicastDns from 'multicast-dns'
import type { DiscoveryPeerStore } from '../components'
import type { DiscoveryEvents } from '../events'
import { type DiscoveryMetrics, discoveryMetrics } from '../metrics'
import { safeEmit } from '../util/emit'
import { resolveServiceOptions } from '../util/options'

/** A DNS resource record as multicast-dns reads and writes it. */
export interface MdnsRecord {
  name: string
  type: string
  data?: unknown
}

/**
 * The part of a `multicast-dns` instance the mDNS service uses; inject a fake in tests. The real module's
 * instance fits (it is created at `start()` when none is injected).
 */
export interface MulticastDns {
  on(event: 'query', fn: (packet: { questions: { name: string; type: string }[] }) => void): unknown
  /** `rinfo.address` is the IP the answer came from: the source its addresses are filed under. */
  on(
    event: 'response',
    fn: (packet: { answers: MdnsRecord[]; additionals?: MdnsRecord[] }, rinfo: { address: string }) => void,
  ): unknown
  removeListener(event: 'query' | 'response', fn: (...args: never[]) => void): unknown
  query(packet: { questions: { name: string; type: string }[] }): void
  respond(packet: { answers: MdnsRecord[] }): void
  destroy(callback?: () => void): void
}

/** Options of mDNS discovery; every field is optional. */
export interface MdnsOptions {
  /** Run mDNS on the LAN. @default true on dev networks (`networkKind: 'dev'`), false otherwise */
  enabled?: boolean
  /** How often we query the LAN for other nodes. @default 10_000 */
  intervalMs?: number
  /** The DNS-SD service name nodes answer for. @default '_chainwire._udp.local' */
  serviceName?: string
  /** Peers remembered (to report each once) at most. @default 1_024 */
  maxRememberedPeers?: number
  /** Peers taken from one response at most. @default 16 */
  maxPeersPerResponse?: number
}

/** The spec of {@link MdnsOptions}: defaults and ranges (`enabled` is read by `createDiscovery`). */
const MDNS_SPEC: OptionSpec<Required<MdnsOptions>> = {
  enabled: option.boolean(false),
  intervalMs: option.integer(10_000, { min: 1 }),
  serviceName: option.string('_chainwire._udp.local', { maxLength: 253 }),
  maxRememberedPeers: option.integer(1_024, { min: 1 }),
  maxPeersPerResponse: option.integer(16, { min: 1 }),
}

/** What mDNS discovery needs. */
export interface MdnsComponents {
  clock: Clock
  peerStore: DiscoveryPeerStore
  /** Our peer id (not reported) and network id (others are ignored). */
  self: { peerId: PeerId; networkId: string }
  /** Our reachable addresses, announced in answers. */
  announcedAddresses(): string[]
  /** @default a multicast-dns instance created at `start()` */
  mdns?: MulticastDns
  logger?: Logger
  metrics?: Metrics
}

/**
 * Local-network discovery with multicast DNS: answers PTR queries for the service with a TXT record
 * (`id=<peer id>`, `net=<network id>`, `addr=<url>` ...), queries every `intervalMs`, and gives the
 * addresses of nodes of our network that answer to the peer store.
 */
export class MdnsDiscovery extends EventEmitter<DiscoveryEvents> {
  readonly options: Required<Omit<MdnsOptions, 'enabled'>>
  private readonly c: MdnsComponents
  private readonly log: Logger
  private readonly metrics: DiscoveryMetrics
  private readonly seen: LruMap<PeerId, number>
  private mdns: MulticastDns | undefined
  private owned = false
  private timer: TimerHandle | undefined

  constructor(components: MdnsComponents, options: MdnsOptions = {}) {
    super()
    this.c = components
    const { enabled: _, ...resolved } = resolveServiceOptions(MDNS_SPEC, options, 'mdns')
    this.options = resolved
    this.log = (components.logger ?? noopLogger).child({ component: 'mdns' })
    this.metrics = discoveryMetrics(components.metrics)
    this.seen = new LruMap(this.options.maxRememberedPeers)
  }

  /** Opens (or takes) the mDNS socket, answers queries and queries now and every `intervalMs`. */
  async start(): Promise<void> {
    if (this.mdns !== undefined) return
    this.owned = this.c.mdns === undefined
    const mdns = this.c.mdns ?? (multicastDns() as unknown as MulticastDns)
    this.mdns = mdns
    mdns.on('query', this.onQuery)
    mdns.on('response', this.onResponse)
    this.timer = this.c.clock.setInterval(() => this.query(), this.options.intervalMs)
    this.query()
  }

  /** Stops querying, removes the listeners and closes the socket if we opened it. */
  async stop(): Promise<void> {
    const mdns = this.mdns
    if (mdns === undefined) return
    this.mdns = undefined
    this.c.clock.clearInterval(this.timer)
    this.timer = undefined
    mdns.removeListener('query', this.onQuery)
    mdns.removeListener('response', this.onResponse)
    if (this.owned) await new Promise<void>((resolve) => mdns.destroy(resolve))
  }

  /** Sends one PTR query for the service. */
  query(): void {
    try {
      this.mdns?.query({ questions: [{ name: this.options.serviceName, type: 'PTR' }] })
    } catch (err) {
      this.log.debug({ err }, 'mDNS query failed')
    }
  }

  private readonly onQuery = (packet: { questions: { name: string; type: string }[] }): void => {
    const asked = packet.questions?.some((q) => q.name === this.options.serviceName)
    if (asked !== true) return
    const addrs = this.c.announcedAddresses()
    if (addrs.length === 0) return
    const instance = `${this.c.self.peerId}.${this.options.serviceName}`
    try {
      this.mdns?.respond({
        answers: [
          { name: this.options.serviceName, type: 'PTR', data: instance },
          {
            name: instance,
            type: 'TXT',
            data: [
              `id=${this.c.self.peerId}`,
              `net=${this.c.self.networkId}`,
              ...addrs.map((a) => `addr=${a}`),
            ],
          },
        ],
      })
    } catch (err) {
      this.log.debug({ err }, 'mDNS response failed')
    }
  }

  private readonly onResponse = (
    packet: { answers: MdnsRecord[]; additionals?: MdnsRecord[] },
    rinfo: { address: string } | undefined,
  ): void => {
    // The addresses are filed under the IP the answer came from; an answer we cannot attribute is dropped.
    const from = rinfo?.address
    if (typeof from !== 'string') {
      this.log.debug('mDNS response without a sender address dropped')
      return
    }
    const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])]
    let taken = 0
    for (const r of records) {
      if (taken >= this.options.maxPeersPerResponse) break
      if (r.type !== 'TXT' || typeof r.name !== 'string' || !r.name.endsWith(this.options.serviceName))
        continue
      const peer = parseTxt(r.data)
      if (peer === undefined) continue
      if (peer.peerId === this.c.self.peerId || peer.networkId !== this.c.self.networkId) continue
      taken++
      this.c.peerStore.addAddresses(peer.peerId, peer.addrs, { source: { address: from } })
      if (!this.seen.has(peer.peerId)) {
        this.metrics.discovered.inc(1, { method: 'mdns' })
        safeEmit(this, this.log, 'peer:discovered', {
          peerId: peer.peerId,
          addresses: peer.addrs,
          method: 'mdns',
        })
      }
      this.seen.set(peer.peerId, this.c.clock.now())
    }
  }
}

/** Reads `id=`, `net=` and up to 8 `addr=` strings from TXT record data (strings or buffers). */
export function parseTxt(data: unknown): { peerId: PeerId; networkId: string; addrs: string[] } | undefined {
  const parts = Array.isArray(data) ? data : [data]
  let peerId: string | undefined
  let networkId: string | undefined
  const addrs: string[] = []
  for (const part of parts.slice(0, 32)) {
    const text =
      typeof part === 'string' ? part : part instanceof Uint8Array ? Buffer.from(part).toString('utf8') : ''
    const eq = text.indexOf('=')
    if (eq < 0) continue
    const key = text.slice(0, eq)
    const value = text.slice(eq + 1)
    if (key === 'id') peerId = value
    else if (key === 'net') networkId = value
    else if (key === 'addr' && addrs.length < 8 && isAddress(value) && !addrs.includes(value))
      addrs.push(value)
  }
  if (peerId === undefined || networkId === undefined || addrs.length === 0) return undefined
  if (!PEER_ID_PATTERN.test(peerId)) return undefined
  return { peerId, networkId, addrs }
}

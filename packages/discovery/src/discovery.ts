import { setMaxListeners } from 'node:events'
import { type Logger, noopLogger } from '@chainwire/interface'
import { EventEmitter } from 'eventemitter3'
import { Bootstrap } from './bootstrap/bootstrap'
import type { BaseComponents, DiscoveryPeerStore } from './components'
import { KademliaDht } from './dht/dht'
import { OutboundDialer } from './dialer/dialer'
import { DnsSeeds } from './dns/dns-seeds'
import type { DnsResolver } from './dns/resolver'
import type { DiscoveryEvents } from './events'
import { MdnsDiscovery, type MulticastDns } from './mdns/mdns'
import { type DiscoveryOptions, resolveDiscoveryOptions } from './options'
import { PeerExchange } from './pex/pex'

/** What {@link createDiscovery} needs. */
export interface DiscoveryComponents extends BaseComponents {
  /** The address book discovery feeds and draws dial candidates from. */
  peerStore: DiscoveryPeerStore
  /** A multicast-dns instance for mDNS. @default one created at start when mDNS is enabled */
  mdns?: MulticastDns
  /** The resolver of DNS seeds. @default a `node:dns/promises` Resolver */
  dnsResolver?: DnsResolver
}

const EVENTS: (keyof DiscoveryEvents)[] = [
  'peer:discovered',
  'lookup:done',
  'dial:done',
  'bootstrap:released',
  'reply:rejected',
]

/** Every discovery method wired together; see `createDiscovery`. */
export class DiscoveryService extends EventEmitter<DiscoveryEvents> {
  readonly pex: PeerExchange
  readonly dht: KademliaDht | undefined
  readonly bootstrap: Bootstrap
  readonly dialer: OutboundDialer | undefined
  readonly mdns: MdnsDiscovery | undefined
  readonly dnsSeeds: DnsSeeds
  private readonly log: Logger
  private started = false
  private stopController = new AbortController()
  private seeding: Promise<unknown> | undefined

  constructor(components: DiscoveryComponents, options: DiscoveryOptions = {}) {
    super()
    this.log = (components.logger ?? noopLogger).child({ component: 'discovery' })
    this.pex = new PeerExchange(components, options.pex)
    options = resolveDiscoveryOptions(options)
    const { enabled: dhtEnabled, ...dhtOptions } = options.dht ?? {}
    this.dht = dhtEnabled === false ? undefined : new KademliaDht(components, dhtOptions)
    this.bootstrap = new Bootstrap(
      { ...components, requestPeers: (peerId, method) => this.pex.requestPeers(peerId, method) },
      options.bootstrap,
    )
    const { enabled: dialerEnabled, ...dialerOptions } = options.dialer ?? {}
    this.dialer =
      dialerEnabled === false
        ? undefined
        : new OutboundDialer(components, {
            ...dialerOptions,
            allowGroupRepeats: dialerOptions.allowGroupRepeats ?? options.networkKind === 'dev',
          })
    const mdnsEnabled = options.mdns?.enabled ?? options.networkKind === 'dev'
    this.mdns = mdnsEnabled
      ? new MdnsDiscovery(
          {
            ...components,
            self: { peerId: components.network.peerId, networkId: options.networkId ?? 'chainwire-mainnet' },
            announcedAddresses: () => this.pex.announcedAddresses(),
          },
          options.mdns,
        )
      : undefined
    this.dnsSeeds = new DnsSeeds(components, options.dns)
    for (const source of [this.pex, this.dht, this.bootstrap, this.dialer, this.mdns]) {
      if (source === undefined) continue
      for (const event of EVENTS) {
        const forward = (payload: unknown): void => {
          ;(this.emit as (e: string, p: unknown) => boolean)(event, payload)
        }
        ;(source.on as (e: string, fn: (p: unknown) => void) => unknown).call(source, event, forward)
      }
    }
  }

  /** Starts every enabled method. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    this.stopController = new AbortController()
    // every lookup, request and dial in flight listens to it (each bounded by its own option)
    setMaxListeners(1_000, this.stopController.signal)
    await this.pex.start()
    await this.dht?.start()
    await this.dialer?.start()
    await this.bootstrap.start()
    await this.mdns?.start()
    if (this.dnsSeeds.options.seeds.length > 0) {
      this.seeding = this.dnsSeeds
        .resolveAll({ signal: this.stopController.signal })
        .then((addresses) => {
          if (this.started) this.bootstrap.addCandidates(addresses, 'dns')
        })
        .catch((err: unknown) => this.log.warn({ err }, 'DNS seeding failed'))
    }
  }

  /** Stops every method; nothing is left running. */
  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.stopController.abort()
    await this.seeding
    await this.mdns?.stop()
    await this.bootstrap.stop()
    await this.dialer?.stop()
    await this.dht?.stop()
    await this.pex.stop()
  }
}

import type { Clock, PeerId } from '@chainwire/interface'
import type { Network, PeerConnectedEvent, PeerInfo } from '@chainwire/network'
import { EventEmitter } from 'eventemitter3'
import type { ObservationOutcome, ObservedAddresses } from './observed-addresses'

/** The part of the network the observed-address service uses. */
export type ObservedNetwork = Pick<Network, 'on' | 'off' | 'handle' | 'peers'>

/** Events of {@link ObservedAddressService}. */
export interface ObservedAddressEvents {
  /** An address (or, with `hostOnly`, a host) reached its confirmations. */
  'address:confirmed': (event: { address: string; hostOnly: boolean }) => void
}

/**
 * Feeds {@link ObservedAddresses} from the network: the `observedAddr` of every peer's hello and the
 * `observed_address` announcements peers send later. Connections that do not reach us directly (relayed
 * circuits, which `isIndirect` recognises) are skipped: their peer sees the relay, not us.
 */
export class ObservedAddressService extends EventEmitter<ObservedAddressEvents> {
  readonly addresses: ObservedAddresses
  private readonly network: ObservedNetwork
  private readonly isIndirect: (peer: PeerInfo) => boolean
  private unhandle: (() => void) | undefined
  private confirmedSeen = new Set<string>()

  constructor(
    components: { network: ObservedNetwork; clock: Clock },
    addresses: ObservedAddresses,
    isIndirect: (peer: PeerInfo) => boolean = () => false,
  ) {
    super()
    this.network = components.network
    this.addresses = addresses
    this.isIndirect = isIndirect
  }

  start(): void {
    if (this.unhandle !== undefined) return
    this.network.on('peer:connected', this.onConnected)
    const off = this.network.handle('observed_address', (message, peer) => {
      this.observe(message.data.addr, peer)
    })
    this.unhandle = off
    for (const peer of this.network.peers()) this.onConnected({ peer })
  }

  stop(): void {
    this.network.off('peer:connected', this.onConnected)
    this.unhandle?.()
    this.unhandle = undefined
  }

  /** Records one observation by a connected peer; returns what happened to it. */
  observe(observed: string, peer: PeerInfo): ObservationOutcome {
    if (observed === '' || this.isIndirect(peer)) return 'ignored'
    const outcome = this.addresses.record(observed, peer.peerId as PeerId, peer.remoteHost)
    if (outcome === 'confirmed') this.announceNew()
    return outcome
  }

  private readonly onConnected = ({ peer }: PeerConnectedEvent): void => {
    this.observe(peer.hello.observedAddr, peer)
  }

  private announceNew(): void {
    for (const [list, hostOnly] of [
      [this.addresses.confirmedAddresses(), false],
      [this.addresses.confirmedHosts(), true],
    ] as const) {
      for (const address of list) {
        const key = `${hostOnly}:${address}`
        if (this.confirmedSeen.has(key)) continue
        // Bounded by the confirmed candidates of ObservedAddresses, which are bounded.
        if (this.confirmedSeen.size >= 256) this.confirmedSeen = new Set()
        this.confirmedSeen.add(key)
        this.emit('address:confirmed', { address, hostOnly })
      }
    }
  }
}

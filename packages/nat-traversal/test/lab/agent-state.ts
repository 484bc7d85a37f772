import type { PeerId } from '@chainwire/interface'
import type { Network } from '@chainwire/network'
import type { ObservedAddressService } from '../../src/observed/observed-service'

/** What one lab agent runs; shared by its action files. */
export const state: {
  network: Network | undefined
  observed: ObservedAddressService | undefined
  /** Peers reached over a relayed circuit (their observed address is the relay's view, not ours). */
  relayed: Set<PeerId>
  isRelayed(peerId: PeerId): boolean
  cleanups: (() => Promise<void> | void)[]
} = {
  network: undefined,
  observed: undefined,
  relayed: new Set(),
  isRelayed(peerId) {
    return this.relayed.has(peerId)
  },
  cleanups: [],
}

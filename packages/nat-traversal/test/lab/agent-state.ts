import type { PeerId } from '@chainwire/interface'
import { MemoryMetrics } from '@chainwire/interface/testing'
import type { Network } from '@chainwire/network'
import type { HolePuncher } from '../../src/holepunch/hole-puncher'
import type { PortMapper } from '../../src/mapping/port-mapper'
import type { NatTraversal } from '../../src/nat-traversal'
import type { ObservedAddressService } from '../../src/observed/observed-service'
import type { RelayClient } from '../../src/relay/relay-client'
import type { MappingResponder } from './mapping-responder'

/** What one lab agent runs; shared by its action files. */
export const state: {
  network: Network | undefined
  observed: ObservedAddressService | undefined
  relayClient: RelayClient | undefined
  puncher: HolePuncher | undefined
  mapper: PortMapper | undefined
  nat: NatTraversal | undefined
  responder: MappingResponder | undefined
  metrics: MemoryMetrics
  /** Inv items received, counted by the first byte of their hash. */
  received: Record<number, number>
  /** Whether a peer is reached over a relayed circuit (its observed address is the relay's view, not ours). */
  isRelayed(peerId: PeerId): boolean
  cleanups: (() => Promise<void> | void)[]
} = {
  network: undefined,
  observed: undefined,
  relayClient: undefined,
  puncher: undefined,
  mapper: undefined,
  nat: undefined,
  responder: undefined,
  metrics: new MemoryMetrics(),
  received: {},
  isRelayed: () => false,
  cleanups: [],
}

import type { Clock, Logger, PeerId } from '@chainwire/interface'
import type { Network } from '@chainwire/network'
import type { CompactFilterSource, SyncChain } from './chain'
import type { SyncOptions } from './options'
import type { PeerTable, SyncPeer } from './peers'
import type { SyncBehaviour, SyncStats } from './types'

/** What the parts of a sync share: the components, the resolved options, the peer table and the counters. */
export interface SyncContext {
  readonly network: Network
  readonly chain: SyncChain
  /** Compact block filters to serve, when the app passed them. */
  readonly filters: CompactFilterSource | undefined
  readonly clock: Clock
  readonly logger: Logger
  readonly options: SyncOptions
  readonly stats: SyncStats
  readonly peers: PeerTable
  readonly random: () => number
  /** Reports a behaviour to the misbehaviour sink and emits `peer:penalised` for the bad ones. */
  report(peerId: PeerId, behaviour: SyncBehaviour, detail: string): void
  /** Asks a peer for headers now (it announced a block whose parent we do not know). */
  pokeHeaders(peer: SyncPeer): void
  /** Something changed that may let block download or the state move on. */
  wake(): void
}

/** Fresh zeroed counters. */
export function emptyStats(): SyncStats {
  return {
    headersReceived: 0,
    headersAccepted: 0,
    headersPresynced: 0,
    presyncAborted: 0,
    blocksRequested: 0,
    blocksReceived: 0,
    blocksConnected: 0,
    blocksInvalid: 0,
    emptyAnswers: 0,
    stalls: 0,
    compactReceived: 0,
    compactReconstructed: 0,
    compactRoundTrips: 0,
    compactFallbacks: 0,
    mempoolIdsReceived: 0,
    mempoolTxsFetched: 0,
    served: 0,
    quotaRefusals: 0,
    partitionSuspicions: 0,
  }
}

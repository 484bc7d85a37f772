import type { HeaderChain } from '@chainwire/chain'
import type { Clock, Logger, PeerId } from '@chainwire/interface'
import type { Network } from '@chainwire/network'
import type { Message } from '@chainwire/protocol-codec'
import type { LightClientOptions } from './options'
import type { LightPeer, PeerTable } from './peers'
import type { BanReason, LightClientEvents } from './types'

/** What the parts of a light client share: the chain, the network, the peers, and how to ban one. */
export interface LightContext {
  readonly chain: HeaderChain
  readonly network: Network
  readonly clock: Clock
  readonly logger: Logger
  readonly options: LightClientOptions
  readonly peers: PeerTable
  /** Aborted by `stop()`: every request in flight ends. */
  readonly signal: AbortSignal
  /** Bans a peer for `banDurationMs`, disconnects it and emits `peer:banned`. */
  ban(peerId: PeerId, reason: BanReason, detail: string): void
  /** Sends a request to a peer with the client's deadline; rejects like `Network.request`. */
  request(peer: LightPeer, message: Message, timeoutMs?: number): Promise<Message>
  /** Emits one of the client's events. */
  emit<E extends keyof LightClientEvents>(event: E, ...args: Parameters<LightClientEvents[E]>): void
  /** Height of the verified tip (agreed by peers or past a checkpoint). */
  verifiedHeight(): number
  /**
   * True while a peer claims more than one answer of headers beyond our best header: filter headers wait
   * until the headers have caught up (headers first, as BIP 157 clients do), so the two downloads do not
   * compete for the same CPU.
   */
  headersBehind(): boolean
  /** Header sync learnt something about a peer's chain: recompute the verified tip. */
  headersChanged(): void
}

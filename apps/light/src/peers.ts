import type { PeerId } from '@chainwire/interface'
import { networkGroup } from '@chainwire/interface'
import type { PeerInfo } from '@chainwire/network'

/** What the client knows of one connected full node. */
export class LightPeer {
  readonly peerId: PeerId
  /** The peer's network group: agreement is counted per group. */
  readonly group: string
  readonly address: string
  /** Work and height the peer claimed in its hello (raised by what it serves later). */
  claimedWork: bigint
  claimedHeight: number
  /** The last header the peer served (or our tip, when it had nothing after it). */
  best: Uint8Array | undefined
  /** Header answers that connected to nothing. */
  unconnecting = 0
  /** A header round is running, and another was asked for meanwhile. */
  syncing = false
  again = false

  constructor(info: PeerInfo) {
    this.peerId = info.peerId
    this.address = info.dialedAddress ?? info.remoteAddress
    this.group = networkGroup(info.remoteHost) ?? info.remoteHost
    this.claimedWork = info.hello.totalWork
    this.claimedHeight = info.hello.bestHeight
  }
}

/** The connected full nodes (the network bounds how many there are). */
export class PeerTable {
  private readonly peers = new Map<PeerId, LightPeer>()

  add(info: PeerInfo): LightPeer {
    const peer = new LightPeer(info)
    this.peers.set(info.peerId, peer)
    return peer
  }

  get(peerId: PeerId): LightPeer | undefined {
    return this.peers.get(peerId)
  }

  delete(peerId: PeerId): void {
    this.peers.delete(peerId)
  }

  all(): LightPeer[] {
    return [...this.peers.values()]
  }

  get size(): number {
    return this.peers.size
  }

  clear(): void {
    this.peers.clear()
  }

  /** Peers in an order that spreads requests over network groups (one per group first), best claim first. */
  spread(): LightPeer[] {
    const sorted = this.all().sort((a, b) =>
      a.claimedWork === b.claimedWork ? 0 : a.claimedWork > b.claimedWork ? -1 : 1,
    )
    const seen = new Set<string>()
    const first: LightPeer[] = []
    const rest: LightPeer[] = []
    for (const p of sorted) {
      if (seen.has(p.group)) rest.push(p)
      else {
        seen.add(p.group)
        first.push(p)
      }
    }
    return [...first, ...rest]
  }
}

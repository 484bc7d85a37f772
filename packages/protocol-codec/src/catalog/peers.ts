import { LIMITS } from '../limits'
import { array, hash32, struct, uint } from '../schema'
import { type DhtNode, dhtNode, type PeerInfo, peerInfo } from './chain'
import type { SpecTable } from './spec'

/** `get_peers`: asks for up to `limit` known peers. */
export interface GetPeersData {
  /** 1 to `LIMITS.maxPeersPerMessage`. */
  limit: number
}

/** `peers`: known peers, at most `LIMITS.maxPeersPerMessage`. */
export interface PeersData {
  peers: PeerInfo[]
}

/** `find_node`: Kademlia lookup of the contacts closest to a 32-byte key. */
export interface FindNodeData {
  target: Uint8Array
}

/** `nodes`: the closest contacts the responder knows, at most `LIMITS.maxDhtNodesPerReply`. */
export interface NodesData {
  nodes: DhtNode[]
}

/** Data types of peer exchange and DHT messages. */
export interface PeerMessages {
  get_peers: GetPeersData
  peers: PeersData
  find_node: FindNodeData
  nodes: NodesData
}

/** Peer exchange and DHT messages. */
export const peerSpecs: SpecTable<PeerMessages> = {
  get_peers: {
    code: 0x10,
    kind: 'request',
    response: 'peers',
    summary: 'asks for known peers',
    schema: struct<GetPeersData>({ limit: uint(LIMITS.maxPeersPerMessage, 1) }),
  },
  peers: {
    code: 0x11,
    kind: 'response',
    summary: 'known peers with addresses, roles and last-seen time',
    schema: struct<PeersData>({ peers: array(peerInfo, { max: LIMITS.maxPeersPerMessage }) }),
  },
  find_node: {
    code: 0x12,
    kind: 'request',
    response: 'nodes',
    summary: 'DHT lookup of the contacts closest to a 32-byte key',
    schema: struct<FindNodeData>({ target: hash32 }),
  },
  nodes: {
    code: 0x13,
    kind: 'response',
    summary: 'DHT contacts closest to the target',
    schema: struct<NodesData>({ nodes: array(dhtNode, { max: LIMITS.maxDhtNodesPerReply }) }),
  },
}

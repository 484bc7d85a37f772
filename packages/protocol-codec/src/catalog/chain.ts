import type { NodeRole } from '@chainwire/interface'
import { LIMITS } from '../limits'
import {
  address,
  array,
  bytes,
  enumOf,
  hash32,
  peerIdString,
  publicKey,
  signature,
  struct,
  u32,
  u64,
  uintSafe,
} from '../schema'
import type { Block, BlockHeader, DhtNode, InvItem, InvKind, PeerInfo, Transaction } from './chain-types'
import { headerFastPath, invItemFastPath, transactionFastPath } from './fast'

export type { Block, BlockHeader, DhtNode, InvItem, InvKind, PeerInfo, Transaction } from './chain-types'

/** Wire codes of node roles. */
export const nodeRole = enumOf<NodeRole>({ full: 0, light: 1, bootstrap: 2, validator: 3 })
/** Roles of a node: 1 to 4 distinct. */
export const nodeRoles = array(nodeRole, { min: 1, max: 4, order: 'unique' })

/** Block header schema; wire: `[version, height, prevHash, merkleRoot, timestamp, bits, nonce]`. */
export const blockHeader = struct<BlockHeader>(
  {
    version: u32,
    height: uintSafe,
    prevHash: hash32,
    merkleRoot: hash32,
    timestamp: uintSafe,
    bits: u32,
    nonce: uintSafe,
  },
  undefined,
  headerFastPath(),
)

/** Transaction schema; wire: `[version, from, to, amount, fee, nonce, data, signature]`. */
export const transaction = struct<Transaction>(
  {
    version: u32,
    from: publicKey,
    to: publicKey,
    amount: u64,
    fee: u64,
    nonce: uintSafe,
    data: bytes(0, LIMITS.maxTxDataBytes),
    signature,
  },
  undefined,
  transactionFastPath(LIMITS.maxTxDataBytes),
)

/** Block schema; wire: `[header, [tx, ...]]`. */
export const block = struct<Block>({
  header: blockHeader,
  transactions: array(transaction, { max: LIMITS.maxTransactionsPerBlock }),
})

/** Inventory entry schema; wire: `[kind, hash]`. */
export const invItem = struct<InvItem>(
  {
    kind: enumOf<InvKind>({ tx: 0, block: 1, compact_block: 2 }),
    hash: hash32,
  },
  undefined,
  invItemFastPath(),
)

/** Addresses of one peer. */
export const peerAddrs = array(address, { min: 1, max: LIMITS.maxAddrsPerPeer })

/** Peer gossip entry schema; wire: `[peerId, addrs, roles, lastSeen]`. */
export const peerInfo = struct<PeerInfo>({
  peerId: peerIdString,
  addrs: peerAddrs,
  roles: nodeRoles,
  lastSeen: uintSafe,
})

/** DHT contact schema; wire: `[peerId, addrs]`. */
export const dhtNode = struct<DhtNode>({ peerId: peerIdString, addrs: peerAddrs })

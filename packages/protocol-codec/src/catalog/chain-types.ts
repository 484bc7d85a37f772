import type { NodeRole } from '@chainwire/interface'

/*
 * The value types of the chain structures the catalog carries (headers, transactions, blocks, inventory
 * entries, peers), in their own file so that the schemas (chain.ts) and their fast paths (fast.ts) both
 * import them without importing each other.
 */

/**
 * A block header as chainwire's reference chain defines it. Its hash (computed by @chainwire/chain) is not
 * sent: receivers recompute it.
 */
export interface BlockHeader {
  /** Block format version (u32). */
  version: number
  /** Height of the block; the genesis block is 0. */
  height: number
  /** Hash of the parent header (32 zero bytes for the genesis block). */
  prevHash: Uint8Array
  /** Merkle root of the block's transaction hashes (32 bytes). */
  merkleRoot: Uint8Array
  /** Block time in milliseconds since the Unix epoch. */
  timestamp: number
  /** Proof-of-work target in compact form, as Bitcoin's `nBits` (u32). */
  bits: number
  /** Proof-of-work nonce (a safe integer). */
  nonce: number
}

/** A signed account-model transfer. */
export interface Transaction {
  /** Transaction format version (u32). */
  version: number
  /** Sender's Ed25519 public key (32 bytes); it also verifies `signature`. */
  from: Uint8Array
  /** Recipient's Ed25519 public key (32 bytes). */
  to: Uint8Array
  /** Amount transferred, in the chain's smallest unit (u64). */
  amount: bigint
  /** Fee paid to the block producer (u64). */
  fee: bigint
  /** The sender's account nonce: one more than its previous transaction's. */
  nonce: number
  /** Arbitrary payload, at most `LIMITS.maxTxDataBytes` (may be empty). */
  data: Uint8Array
  /** Ed25519 signature (64 bytes) by `from` over the other fields. */
  signature: Uint8Array
}

/** A block: its header and its transactions in merkle order. */
export interface Block {
  header: BlockHeader
  /** At most `LIMITS.maxTransactionsPerBlock`. */
  transactions: Transaction[]
}

/** What an inventory entry names. */
export type InvKind = 'tx' | 'block' | 'compact_block'

/** One entry of `inv`, `get_data` and `not_found`: a kind and the 32-byte hash of the object. */
export interface InvItem {
  kind: InvKind
  hash: Uint8Array
}

/** A peer as exchanged by peer gossip (`peers`). */
export interface PeerInfo {
  peerId: string
  /** 1 to `LIMITS.maxAddrsPerPeer` transport addresses. */
  addrs: string[]
  /** 1 to 4 distinct roles. */
  roles: NodeRole[]
  /** When the sender last heard from the peer, in ms since the epoch. */
  lastSeen: number
}

/** A DHT contact (`nodes`, gossip peer exchange in `prune`). */
export interface DhtNode {
  peerId: string
  /** 1 to `LIMITS.maxAddrsPerPeer` transport addresses. */
  addrs: string[]
}

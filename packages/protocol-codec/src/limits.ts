import { MAX_ADDRESS_LENGTH } from '@chainwire/interface'

/**
 * The protocol's size and count limits, enforced by validation on encode and decode (DESIGN.md §5). They are
 * part of the wire contract: a peer that sends more is misbehaving, so changing one is a protocol change.
 */
export const LIMITS = Object.freeze({
  /** Largest envelope (and framed payload), in bytes. */
  maxMessageSize: 4_000_000,
  /** Headers in one `headers` message. */
  maxHeadersPerMessage: 2_000,
  /** Block locator hashes in one `get_headers`. */
  maxLocatorHashes: 101,
  /** Entries in one `inv`, `get_data` or `not_found`. */
  maxInvEntries: 50_000,
  /** Transaction hashes in one `mempool_sync`. */
  maxMempoolSyncHashes: 50_000,
  /** Peers in one `peers` reply (and the `limit` of `get_peers`). */
  maxPeersPerMessage: 1_000,
  /** Nodes in one DHT `nodes` reply. */
  maxDhtNodesPerReply: 16,
  /** Peers suggested in one gossip `prune` (peer exchange). */
  maxPrunePeers: 16,
  /** Message ids in one `ihave`. */
  maxIHaveIds: 5_000,
  /** Message ids in one `iwant`. */
  maxIWantIds: 5_000,
  /** Message ids in one `idontwant`. */
  maxIDontWantIds: 5_000,
  /** Topic changes in one `subscribe`. */
  maxSubscriptions: 64,
  /** Blocks in one `blocks` reply, and blocks asked for by one `get_blocks`. */
  maxBlocksPerMessage: 128,
  /**
   * Transactions in one block, `block_txs` or compact block (prefilled plus short ids). A minimal
   * transaction is 141 bytes on the wire, so a block at this limit still fits in one message.
   */
  maxTransactionsPerBlock: 25_000,
  /** Bytes of a transaction's `data` field. */
  maxTxDataBytes: 65_536,
  /** Sibling hashes in a merkle inclusion proof (a tree of up to 2^64 leaves). */
  maxProofDepth: 64,
  /** Filter hashes in one `cfheaders` reply, and blocks spanned by one `get_cfheaders` (BIP 157: 2,000). */
  maxFilterHeadersPerMessage: 2_000,
  /** Filters in one `cfilters` reply, and blocks spanned by one `get_cfilters` (BIP 157: 1,000). */
  maxFiltersPerMessage: 1_000,
  /**
   * Bytes of one compact block filter. A block at `maxTransactionsPerBlock` touches at most 50,000 accounts,
   * about 21.5 bits each with P = 19 (134 KB); this leaves room above it.
   */
  maxFilterBytes: 262_144,
  /** Filter headers in one `cfcheckpt` reply (one per 1,000 blocks: a chain of 50 million blocks). */
  maxFilterCheckpoints: 50_000,
  /** Validators in one `validator_set`. */
  maxValidators: 1_000,
  /** Bytes of a `hello` user agent (UTF-8). */
  maxUserAgentBytes: 256,
  /** Addresses a node lists in its `hello`. */
  maxListenAddrs: 16,
  /** Addresses given for one peer (`peers`, `nodes`, `prune`) or one NAT exchange. */
  maxAddrsPerPeer: 8,
  /**
   * Bytes of one address URL: `MAX_ADDRESS_LENGTH` of `@chainwire/interface`, the one address limit of every
   * chainwire package (addresses are ASCII, so characters are bytes).
   */
  maxAddressBytes: MAX_ADDRESS_LENGTH,
  /** Capabilities a node lists in its `hello`. */
  maxCapabilities: 32,
  /** Bytes of one capability name. */
  maxCapabilityBytes: 64,
  /** Bytes of a network id. */
  maxNetworkIdBytes: 64,
  /** Bytes of a gossip topic. */
  maxTopicBytes: 64,
  /** Bytes of a human-readable text field (disconnect and error messages). */
  maxTextBytes: 256,
  /** Largest `ttl` (and `hops`) of a relay envelope. */
  maxRelayTtl: 16,
  /** Bytes of a relay envelope's payload: a whole message minus room for the envelope fields. */
  maxRelayPayloadBytes: 4_000_000 - 1_024,
  /** Bytes of a relay reservation voucher. */
  maxVoucherBytes: 512,
  /**
   * Bytes of a dial-back request's amplification payment (AutoNAT v2: a server asks 30-100 kB before it
   * dials an address other than the requester's own IP).
   */
  maxDialBackPaymentBytes: 100_000,
  /** Bytes carried by one `chunk` message. */
  maxChunkBytes: 1_048_576,
  /** Largest payload a chunked transfer may declare (the reassembler's own limit is usually lower). */
  maxChunkedPayloadBytes: 268_435_456,
})

/** The type of {@link LIMITS}. */
export type Limits = typeof LIMITS

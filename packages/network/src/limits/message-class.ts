import type { MessageType } from '@chainwire/protocol-codec'

/**
 * The traffic class of a message type: it picks the send-queue lane (control first, then blocks,
 * transactions, bulk) and the per-peer rate limit buckets the message is charged to.
 */
export type MessageClass = 'control' | 'blocks' | 'transactions' | 'bulk'

/** Every class, highest send priority first. */
export const MESSAGE_CLASSES: readonly MessageClass[] = Object.freeze([
  'control',
  'blocks',
  'transactions',
  'bulk',
])

/**
 * The default class of each catalog type. Connection control, NAT coordination (hole punching is timed)
 * and gossip mesh maintenance (graft, prune, idontwant, preamble, subscribe) are control; everything about
 * blocks, consensus and light-client proofs is blocks; transactions and inventory announcements are
 * transactions; address exchange, the DHT, relay envelopes and chunks are bulk. A type missing here (a
 * newer catalog) is bulk.
 */
export const DEFAULT_MESSAGE_CLASSES: Readonly<Partial<Record<MessageType, MessageClass>>> = Object.freeze({
  hello: 'control',
  ping: 'control',
  pong: 'control',
  disconnect: 'control',
  error: 'control',
  network_status: 'control',
  observed_address: 'control',
  dial_back_request: 'control',
  dial_back_response: 'control',
  hole_punch_sync: 'control',
  relay_reserve: 'control',
  relay_connect: 'control',
  relay_status: 'control',
  graft: 'control',
  prune: 'control',
  idontwant: 'control',
  preamble: 'control',
  subscribe: 'control',
  new_block: 'blocks',
  get_headers: 'blocks',
  headers: 'blocks',
  get_blocks: 'blocks',
  blocks: 'blocks',
  block_request: 'blocks',
  block_response: 'blocks',
  compact_block: 'blocks',
  get_block_txs: 'blocks',
  block_txs: 'blocks',
  compact_block_request: 'blocks',
  compact_block_response: 'blocks',
  consensus_vote: 'blocks',
  consensus_proposal: 'blocks',
  validator_set: 'blocks',
  get_proof: 'blocks',
  proof: 'blocks',
  get_cfilters: 'blocks',
  cfilters: 'blocks',
  get_cfheaders: 'blocks',
  cfheaders: 'blocks',
  get_cfcheckpt: 'blocks',
  cfcheckpt: 'blocks',
  new_transaction: 'transactions',
  get_transaction: 'transactions',
  transaction_data: 'transactions',
  mempool_sync: 'transactions',
  inv: 'transactions',
  get_data: 'transactions',
  not_found: 'transactions',
  ihave: 'transactions',
  iwant: 'transactions',
  get_peers: 'bulk',
  peers: 'bulk',
  find_node: 'bulk',
  nodes: 'bulk',
  relay: 'bulk',
  chunk: 'bulk',
})

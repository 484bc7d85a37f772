import { randomBytes, seededRandom, testPeerId } from '@chainwire/interface/testing'
import type { Block, BlockHeader, Message, MessageOf, MessageType, Transaction } from '../../src'

/** Deterministic pseudo-random bytes from a seed, so samples are stable across runs. */
export function bytesOf(length: number, seed = 1): Uint8Array {
  return randomBytes(seededRandom(seed), length)
}

export function headerOf(height: number): BlockHeader {
  return {
    version: 1,
    height,
    prevHash: bytesOf(32, height + 1),
    merkleRoot: bytesOf(32, height + 100_000),
    timestamp: 1_700_000_000_000 + height * 600_000,
    bits: 0x1d00ffff,
    nonce: 2_083_236_893 + height,
  }
}

export function txOf(i: number): Transaction {
  return {
    version: 1,
    from: bytesOf(32, i * 3 + 1),
    to: bytesOf(32, i * 3 + 2),
    amount: 1_000_000n * BigInt(i + 1),
    fee: 250n + BigInt(i),
    nonce: i,
    data: bytesOf(i % 5 === 0 ? 24 : 0, i),
    signature: bytesOf(64, i * 3 + 3),
  }
}

export function blockOf(height: number, txs: number): Block {
  return { header: headerOf(height), transactions: Array.from({ length: txs }, (_, i) => txOf(i)) }
}

const HASH = bytesOf(32, 7)
const PEER = testPeerId(1)

/** A realistic valid message of every type, exercising optional fields and unions. */
export const SAMPLES: { [K in MessageType]: MessageOf<K>[] } = {
  hello: [
    {
      type: 'hello',
      data: {
        version: 1,
        networkId: 'chainwire-mainnet',
        roles: ['full', 'validator'],
        bestHeight: 812_345,
        bestHash: HASH,
        totalWork: 0x5_3c6f_1e2d_4b8a_9f00_1122_3344n,
        listenAddrs: [
          'tcp://203.0.113.7:9333',
          'wss://node.example.org/chainwire',
          'tcp://[2001:db8::1]:9333',
        ],
        observedAddr: 'tcp://198.51.100.23:51234',
        userAgent: 'chainwire-node/0.1.0 (linux; ünïcødé ✓)',
        timestamp: 1_700_000_123_456,
        capabilities: ['compact-blocks', 'mempool', 'gossip/1.2'],
      },
    },
    {
      type: 'hello',
      data: {
        version: 7,
        networkId: 'devnet-1',
        roles: ['light'],
        bestHeight: 0,
        bestHash: new Uint8Array(32),
        totalWork: 0n,
        listenAddrs: [],
        observedAddr: '',
        userAgent: '',
        timestamp: 0,
        capabilities: [],
      },
    },
  ],
  ping: [{ type: 'ping', id: 1, data: { nonce: 42 } }],
  pong: [{ type: 'pong', id: 1, data: { nonce: 42 } }],
  disconnect: [
    { type: 'disconnect', data: { reason: 'network_mismatch', message: 'expected chainwire-mainnet' } },
    { type: 'disconnect', data: { reason: 'shutdown' } },
  ],
  error: [
    { type: 'error', id: 9, data: { code: 'rate_limited', message: 'slow down' } },
    { type: 'error', data: { code: 'internal' } },
  ],
  get_peers: [{ type: 'get_peers', id: 2, data: { limit: 1000 } }],
  peers: [
    {
      type: 'peers',
      id: 2,
      data: {
        peers: [
          { peerId: PEER, addrs: ['tcp://192.0.2.1:9333'], roles: ['full'], lastSeen: 1_700_000_000_000 },
          {
            peerId: testPeerId(2),
            addrs: ['memory://node-2', 'ws://localhost:8080'],
            roles: ['bootstrap', 'full'],
            lastSeen: 5,
          },
        ],
      },
    },
  ],
  find_node: [{ type: 'find_node', id: 3, data: { target: HASH } }],
  nodes: [{ type: 'nodes', id: 3, data: { nodes: [{ peerId: PEER, addrs: ['tcp://10.0.0.1:1'] }] } }],
  inv: [
    {
      type: 'inv',
      data: {
        items: [
          { kind: 'tx', hash: HASH },
          { kind: 'block', hash: bytesOf(32, 8) },
        ],
      },
    },
  ],
  get_data: [{ type: 'get_data', id: 4, data: { items: [{ kind: 'compact_block', hash: HASH }] } }],
  not_found: [
    { type: 'not_found', id: 4, data: { items: [] } },
    { type: 'not_found', id: 5, data: { items: [{ kind: 'tx', hash: HASH }] } },
  ],
  new_block: [{ type: 'new_block', data: { block: blockOf(812_345, 12) } }],
  get_headers: [
    {
      type: 'get_headers',
      id: 6,
      data: { locator: [HASH, bytesOf(32, 9)], stop: bytesOf(32, 10), limit: 2000 },
    },
    { type: 'get_headers', id: 7, data: { locator: [] } },
  ],
  headers: [{ type: 'headers', id: 6, data: { headers: [headerOf(1), headerOf(2), headerOf(3)] } }],
  get_blocks: [
    { type: 'get_blocks', id: 8, data: { by: 'range', from: 100, count: 16 } },
    { type: 'get_blocks', id: 9, data: { by: 'hashes', hashes: [HASH] } },
  ],
  blocks: [{ type: 'blocks', id: 8, data: { blocks: [blockOf(100, 2), blockOf(101, 0)] } }],
  block_request: [
    { type: 'block_request', id: 10, data: { by: 'hash', hash: HASH } },
    { type: 'block_request', id: 11, data: { by: 'height', height: 812_345 } },
  ],
  block_response: [
    { type: 'block_response', id: 10, data: { block: blockOf(5, 3) } },
    { type: 'block_response', id: 11, data: {} },
  ],
  send_compact: [
    { type: 'send_compact', data: { highBandwidth: true, version: 1 } },
    { type: 'send_compact', data: { highBandwidth: false, version: 1 } },
  ],
  compact_block: [
    {
      type: 'compact_block',
      data: {
        header: headerOf(812_346),
        nonce: 0xfedc_ba98_7654_3210n,
        shortIds: bytesOf(6 * 5, 11),
        prefilled: [
          { index: 0, transaction: txOf(0) },
          { index: 3, transaction: txOf(3) },
        ],
      },
    },
  ],
  compact_block_request: [{ type: 'compact_block_request', id: 15, data: { hash: HASH } }],
  compact_block_response: [
    {
      type: 'compact_block_response',
      id: 15,
      data: {
        compact: {
          header: headerOf(812_347),
          nonce: 7n,
          shortIds: bytesOf(6 * 2, 12),
          prefilled: [{ index: 0, transaction: txOf(0) }],
        },
      },
    },
    { type: 'compact_block_response', id: 16, data: {} },
  ],
  get_block_txs: [{ type: 'get_block_txs', id: 12, data: { blockHash: HASH, indexes: [1, 2, 4, 5, 6] } }],
  block_txs: [{ type: 'block_txs', id: 12, data: { blockHash: HASH, transactions: [txOf(1), txOf(2)] } }],
  new_transaction: [{ type: 'new_transaction', data: { transaction: txOf(42) } }],
  get_transaction: [{ type: 'get_transaction', id: 13, data: { hash: HASH } }],
  transaction_data: [
    { type: 'transaction_data', id: 13, data: { transaction: txOf(43) } },
    { type: 'transaction_data', id: 14, data: {} },
  ],
  mempool_sync: [{ type: 'mempool_sync', data: { hashes: [HASH, bytesOf(32, 12)], more: true } }],
  get_proof: [{ type: 'get_proof', id: 15, data: { blockHash: HASH, txHash: bytesOf(32, 13) } }],
  proof: [
    {
      type: 'proof',
      id: 15,
      data: {
        blockHash: HASH,
        txHash: bytesOf(32, 13),
        inclusion: {
          header: headerOf(9),
          index: 5,
          siblings: [bytesOf(32, 14), bytesOf(32, 15), bytesOf(32, 16)],
        },
      },
    },
    { type: 'proof', id: 16, data: { blockHash: HASH, txHash: HASH } },
  ],
  get_cfilters: [
    { type: 'get_cfilters', id: 17, data: { filterType: 'basic', startHeight: 1_000, stopHash: HASH } },
  ],
  cfilters: [
    {
      type: 'cfilters',
      id: 17,
      data: {
        filterType: 'basic',
        stopHash: HASH,
        filters: [
          { blockHash: bytesOf(32, 20), filter: Uint8Array.of(0x01, 0x9d, 0xfc, 0xa8) },
          { blockHash: HASH, filter: Uint8Array.of(0) },
        ],
      },
    },
    { type: 'cfilters', id: 18, data: { filterType: 'basic', stopHash: HASH, filters: [] } },
  ],
  get_cfheaders: [
    { type: 'get_cfheaders', id: 19, data: { filterType: 'basic', startHeight: 0, stopHash: HASH } },
  ],
  cfheaders: [
    {
      type: 'cfheaders',
      id: 19,
      data: {
        filterType: 'basic',
        stopHash: HASH,
        previousHeader: bytesOf(32, 21),
        filterHashes: [bytesOf(32, 22), bytesOf(32, 23)],
      },
    },
    { type: 'cfheaders', id: 20, data: { filterType: 'basic', stopHash: HASH, filterHashes: [] } },
  ],
  get_cfcheckpt: [{ type: 'get_cfcheckpt', id: 21, data: { filterType: 'basic', stopHash: HASH } }],
  cfcheckpt: [
    {
      type: 'cfcheckpt',
      id: 21,
      data: { filterType: 'basic', stopHash: HASH, filterHeaders: [bytesOf(32, 24), bytesOf(32, 25)] },
    },
  ],
  consensus_vote: [
    {
      type: 'consensus_vote',
      data: {
        height: 10,
        round: 0,
        step: 'prevote',
        blockHash: HASH,
        validator: bytesOf(32, 17),
        signature: bytesOf(64, 18),
      },
    },
    {
      type: 'consensus_vote',
      data: {
        height: 10,
        round: 1,
        step: 'precommit',
        validator: bytesOf(32, 17),
        signature: bytesOf(64, 19),
      },
    },
  ],
  consensus_proposal: [
    {
      type: 'consensus_proposal',
      data: {
        height: 10,
        round: 2,
        validRound: 1,
        block: blockOf(10, 4),
        proposer: bytesOf(32, 20),
        signature: bytesOf(64, 21),
      },
    },
  ],
  validator_set: [
    {
      type: 'validator_set',
      data: {
        epoch: 3,
        validators: [
          { publicKey: bytesOf(32, 22), power: 100 },
          { publicKey: bytesOf(32, 23), power: 7 },
        ],
      },
    },
  ],
  relay: [
    {
      type: 'relay',
      data: {
        origin: PEER,
        target: testPeerId(4),
        hops: 2,
        ttl: 8,
        topic: 'consensus',
        payload: bytesOf(40, 24),
        expiresAt: 1_700_000_060_000,
      },
    },
    { type: 'relay', data: { origin: PEER, hops: 0, ttl: 1, payload: new Uint8Array(0) } },
  ],
  ihave: [{ type: 'ihave', data: { topic: 'blocks', messageIds: [HASH, bytesOf(32, 25)] } }],
  iwant: [{ type: 'iwant', data: { messageIds: [HASH] } }],
  graft: [{ type: 'graft', data: { topic: 'txs/v1' } }],
  prune: [
    {
      type: 'prune',
      data: { topic: 'blocks', peers: [{ peerId: PEER, addrs: ['tcp://10.1.2.3:9333'] }], backoffMs: 60_000 },
    },
    { type: 'prune', data: { topic: 'blocks', peers: [] } },
  ],
  idontwant: [{ type: 'idontwant', data: { messageIds: [HASH] } }],
  preamble: [{ type: 'preamble', data: { topic: 'blocks', messageIds: [HASH] } }],
  subscribe: [
    {
      type: 'subscribe',
      data: {
        topics: [
          { topic: 'blocks', subscribed: true },
          { topic: 'txs/v1', subscribed: false },
        ],
      },
    },
  ],
  observed_address: [{ type: 'observed_address', data: { addr: 'tcp://198.51.100.23:51234' } }],
  dial_back_request: [
    { type: 'dial_back_request', id: 17, data: { addrs: ['tcp://198.51.100.23:9333'], nonce: 99 } },
    {
      type: 'dial_back_request',
      id: 20,
      data: { addrs: ['tcp://203.0.113.5:9333'], nonce: 99, payment: new Uint8Array(64) },
    },
  ],
  dial_back_response: [
    { type: 'dial_back_response', id: 17, data: { status: 'ok', addr: 'tcp://198.51.100.23:9333' } },
    { type: 'dial_back_response', id: 18, data: { status: 'dial_failed' } },
    { type: 'dial_back_response', id: 20, data: { status: 'payment_required', paymentBytes: 41_000 } },
  ],
  hole_punch_sync: [
    { type: 'hole_punch_sync', data: { phase: 'connect', addrs: ['tcp://198.51.100.23:40001'] } },
  ],
  relay_reserve: [{ type: 'relay_reserve', id: 19, data: {} }],
  relay_connect: [
    { type: 'relay_connect', id: 20, data: { target: testPeerId(5) } },
    { type: 'relay_connect', id: 21, data: { target: testPeerId(6), circuit: bytesOf(16, 27) } },
  ],
  relay_status: [
    {
      type: 'relay_status',
      id: 19,
      data: {
        status: 'ok',
        reservation: {
          expiresAt: 1_700_003_600_000,
          addrs: ['tcp://203.0.113.9:9333'],
          voucher: bytesOf(100, 26),
        },
        limit: { durationMs: 120_000, dataBytes: 131_072 },
      },
    },
    { type: 'relay_status', id: 20, data: { status: 'no_reservation' } },
    {
      type: 'relay_status',
      id: 21,
      data: {
        status: 'ok',
        limit: { durationMs: 120_000, dataBytes: 131_072 },
        circuit: { token: bytesOf(16, 28), addr: 'tcp://203.0.113.9:9334' },
      },
    },
  ],
  network_status: [
    {
      type: 'network_status',
      data: {
        bestHeight: 812_345,
        bestHash: HASH,
        totalWork: 2n ** 200n + 5n,
        peerCount: 11,
        syncing: false,
        mempoolSize: 4_321,
      },
    },
  ],
  chunk: [
    {
      type: 'chunk',
      data: {
        transferId: 77,
        index: 1,
        total: 3,
        totalLength: 10,
        chunkSize: 4,
        digest: HASH,
        bytes: bytesOf(4, 27),
      },
    },
  ],
}

/** Every sample, flattened. */
export const ALL_SAMPLES: Message[] = Object.values(SAMPLES).flat() as Message[]

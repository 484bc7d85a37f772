import { testPeerId } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import {
  CATALOG,
  CodecError,
  decode,
  encode,
  LIMITS,
  type Message,
  type MessageData,
  type MessageType,
} from '../src'
import { entryOfType } from '../src/catalog/catalog'
import type { AnySchema } from '../src/schema'
import { rawEnvelope } from './helpers/raw'
import { bytesOf, headerOf, SAMPLES, txOf } from './helpers/samples'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    expect(CodecError.isInstance(err), String(err)).toBe(true)
    return (err as CodecError).code
  }
}

function pathOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return (err as CodecError).details.path as string
  }
  return undefined
}

function msgOf<T extends MessageType>(type: T, data: MessageData<T>, id?: number): Message {
  return (id === undefined ? { type, data } : { type, id, data }) as Message
}

/**
 * Asserts `ok` survives encode/decode and `bad` is refused with ERR_SCHEMA by encode and, written without
 * validation, by decode. Large messages are compared by their canonical encodings (deep equality of
 * megabytes of Uint8Arrays is slow and proves nothing more, since encoding is deterministic).
 */
function expectBoundary(ok: Message, bad: Message, path?: string): void {
  const bytes = encode(ok)
  const back = decode(bytes)
  if (bytes.length < 50_000) expect(back).toStrictEqual(ok)
  else expect(Buffer.compare(encode(back), bytes)).toBe(0)
  expect(codeOf(() => encode(bad))).toBe('ERR_SCHEMA')
  if (path !== undefined) expect(pathOf(() => encode(bad))).toBe(path)
  const badBytes = rawEnvelope(bad.type, bad.id, toLooseWire(bad.type, bad.data))
  expect(codeOf(() => decode(badBytes))).toBe('ERR_SCHEMA')
}

/** Converts data to wire form following the schema's shape but without enforcing any bound. */
function loose(schema: AnySchema, v: unknown): unknown {
  const d = schema.desc
  switch (d.kind) {
    case 'u64':
      return typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
    case 'u256': {
      const n = v as bigint
      if (n === 0n) return new Uint8Array(0)
      const hex = n.toString(16)
      return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')
    }
    case 'enum':
      return (d.codes as Record<string, number>)[v as string] ?? 99
    case 'array':
      return Array.isArray(v) ? v.map((x) => loose(d.of, x)) : v
    case 'struct': {
      const o = v as Record<string, unknown>
      return d.fields.map((f) => (o[f.name] === undefined ? null : loose(f.schema, o[f.name])))
    }
    case 'union': {
      const o = v as Record<string, unknown>
      const variant = d.variants.find((x) => x.name === o[d.tag])
      if (variant === undefined) return [99]
      return [variant.code, ...(loose(variant.schema, o) as unknown[])]
    }
    default:
      return v
  }
}

function toLooseWire(type: MessageType, data: unknown): unknown {
  return loose((entryOfType(type) as { schema: AnySchema }).schema, data)
}

const hashes = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => bytesOf(32, i + 1))
const invItems = (n: number) => hashes(n).map((hash) => ({ kind: 'tx' as const, hash }))
const hello = SAMPLES.hello[0]?.data as MessageData<'hello'>
const minimalTx = () => ({
  version: 0,
  from: new Uint8Array(32),
  to: new Uint8Array(32),
  amount: 0n,
  fee: 0n,
  nonce: 0,
  data: new Uint8Array(0),
  signature: new Uint8Array(64),
})

describe('semantic limits (at the limit accepted, one more refused)', () => {
  it(`headers: ${LIMITS.maxHeadersPerMessage} per message`, () => {
    const make = (n: number) =>
      msgOf('headers', { headers: Array.from({ length: n }, (_, i) => headerOf(i)) }, 1)
    expectBoundary(make(2_000), make(2_001), 'data.headers')
  })

  it.each(['inv', 'get_data', 'not_found'] as const)(`%s: ${LIMITS.maxInvEntries} entries`, (type) => {
    const make = (n: number) => msgOf(type, { items: invItems(n) }, type === 'inv' ? undefined : 1)
    expectBoundary(make(50_000), make(50_001), 'data.items')
  })

  it('inv and get_data need an entry; not_found may be empty', () => {
    expect(codeOf(() => encode(msgOf('inv', { items: [] })))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('get_data', { items: [] }, 1)))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('not_found', { items: [] }, 1)))).toBeUndefined()
  })

  it(`peers: ${LIMITS.maxPeersPerMessage} per reply, and get_peers limit 1..1000`, () => {
    const peer = (i: number) => ({
      peerId: testPeerId(i),
      addrs: ['tcp://192.0.2.1:9333'],
      roles: ['full' as const],
      lastSeen: i,
    })
    const make = (n: number) => msgOf('peers', { peers: Array.from({ length: n }, (_, i) => peer(i)) }, 1)
    expectBoundary(make(1_000), make(1_001), 'data.peers')
    expectBoundary(msgOf('get_peers', { limit: 1_000 }, 1), msgOf('get_peers', { limit: 1_001 }, 1))
    expectBoundary(msgOf('get_peers', { limit: 1 }, 1), msgOf('get_peers', { limit: 0 }, 1))
  })

  it(`nodes: ${LIMITS.maxDhtNodesPerReply} per DHT reply`, () => {
    const make = (n: number) =>
      msgOf(
        'nodes',
        { nodes: Array.from({ length: n }, (_, i) => ({ peerId: testPeerId(i), addrs: ['memory://n'] })) },
        1,
      )
    expectBoundary(make(16), make(17), 'data.nodes')
  })

  it(`user agent: ${LIMITS.maxUserAgentBytes} UTF-8 bytes`, () => {
    const make = (userAgent: string) => msgOf('hello', { ...hello, userAgent })
    expectBoundary(make('a'.repeat(256)), make('a'.repeat(257)), 'data.userAgent')
    // two-byte characters count twice
    expectBoundary(make('é'.repeat(128)), make(`${'é'.repeat(128)}a`), 'data.userAgent')
    expect(codeOf(() => encode(make('bad\nline')))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(make('lone \ud800 surrogate')))).toBe('ERR_SCHEMA')
  })

  it(`listen addresses: ${LIMITS.maxListenAddrs}, each a valid address`, () => {
    const make = (n: number) =>
      msgOf('hello', { ...hello, listenAddrs: Array.from({ length: n }, (_, i) => `tcp://10.0.0.${i}:9333`) })
    expectBoundary(make(16), make(17), 'data.listenAddrs')
    for (const bad of [
      'http://x:1',
      'tcp://host',
      'tcp://a b:1',
      'tcp://h:70000',
      'tcp://h:1/path',
      'memory://',
      'x',
    ]) {
      expect(
        pathOf(() => encode(msgOf('hello', { ...hello, listenAddrs: [bad] }))),
        bad,
      ).toBe('data.listenAddrs[0]')
    }
    const long = `memory://${'n'.repeat(255)}`
    expect(long.length).toBeLessThanOrEqual(LIMITS.maxAddressBytes)
    expectBoundary(
      msgOf('hello', { ...hello, observedAddr: long }),
      msgOf('hello', { ...hello, observedAddr: `${long}n` }),
    )
  })

  it(`capabilities: ${LIMITS.maxCapabilities}, distinct, each at most ${LIMITS.maxCapabilityBytes} bytes`, () => {
    const make = (n: number) =>
      msgOf('hello', { ...hello, capabilities: Array.from({ length: n }, (_, i) => `cap-${i}`) })
    expectBoundary(make(32), make(33), 'data.capabilities')
    expectBoundary(
      msgOf('hello', { ...hello, capabilities: ['c'.repeat(64)] }),
      msgOf('hello', { ...hello, capabilities: ['c'.repeat(65)] }),
    )
    expect(codeOf(() => encode(msgOf('hello', { ...hello, capabilities: ['a', 'a'] })))).toBe('ERR_SCHEMA')
  })

  it('roles: 1 to 4 distinct known roles', () => {
    const make = (roles: string[]) =>
      msgOf('hello', { ...hello, roles: roles as MessageData<'hello'>['roles'] })
    expectBoundary(make(['full', 'light', 'bootstrap', 'validator']), make([]), 'data.roles')
    expect(codeOf(() => encode(make(['full', 'full'])))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(make(['miner'])))).toBe('ERR_SCHEMA')
  })

  it(`network id: ${LIMITS.maxNetworkIdBytes} bytes of a restricted alphabet`, () => {
    const make = (networkId: string) => msgOf('hello', { ...hello, networkId })
    expectBoundary(make('n'.repeat(64)), make('n'.repeat(65)), 'data.networkId')
    expect(codeOf(() => encode(make('')))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(make('net work')))).toBe('ERR_SCHEMA')
  })

  it('hello numbers: version u32, heights and timestamps safe integers, total work below 2^256', () => {
    expectBoundary(
      msgOf('hello', { ...hello, version: 0xffff_ffff }),
      msgOf('hello', { ...hello, version: 2 ** 32 }),
    )
    expectBoundary(
      msgOf('hello', { ...hello, bestHeight: Number.MAX_SAFE_INTEGER }),
      msgOf('hello', { ...hello, bestHeight: -1 }),
    )
    expect(codeOf(() => encode(msgOf('hello', { ...hello, timestamp: 1.5 })))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('hello', { ...hello, timestamp: Number.NaN })))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('hello', { ...hello, totalWork: 2n ** 256n })))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('hello', { ...hello, totalWork: -1n })))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('hello', { ...hello, totalWork: 5 as unknown as bigint })))).toBe(
      'ERR_SCHEMA',
    )
  })

  it('hashes are exactly 32 bytes', () => {
    expectBoundary(
      msgOf('find_node', { target: new Uint8Array(32) }, 1),
      msgOf('find_node', { target: new Uint8Array(33) }, 1),
    )
    expect(codeOf(() => encode(msgOf('find_node', { target: new Uint8Array(31) }, 1)))).toBe('ERR_SCHEMA')
    expect(
      codeOf(() => encode(msgOf('find_node', { target: 'ab'.repeat(32) as unknown as Uint8Array }, 1))),
    ).toBe('ERR_SCHEMA')
  })

  it(`gossip: ihave ${LIMITS.maxIHaveIds}, iwant ${LIMITS.maxIWantIds}, idontwant ${LIMITS.maxIDontWantIds} ids`, () => {
    expectBoundary(
      msgOf('ihave', { topic: 'blocks', messageIds: hashes(5_000) }),
      msgOf('ihave', { topic: 'blocks', messageIds: hashes(5_001) }),
      'data.messageIds',
    )
    expectBoundary(
      msgOf('iwant', { messageIds: hashes(5_000) }),
      msgOf('iwant', { messageIds: hashes(5_001) }),
    )
    expectBoundary(
      msgOf('idontwant', { messageIds: hashes(5_000) }),
      msgOf('idontwant', { messageIds: hashes(5_001) }),
    )
    expect(codeOf(() => encode(msgOf('iwant', { messageIds: [] })))).toBe('ERR_SCHEMA')
    expectBoundary(msgOf('graft', { topic: 't'.repeat(64) }), msgOf('graft', { topic: 't'.repeat(65) }))
    const peers = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ peerId: testPeerId(i), addrs: ['memory://p'] }))
    expectBoundary(
      msgOf('prune', { topic: 'b', peers: peers(16) }),
      msgOf('prune', { topic: 'b', peers: peers(17) }),
    )
  })

  it(`get_headers: ${LIMITS.maxLocatorHashes} locator hashes, limit 1..2000`, () => {
    expectBoundary(
      msgOf('get_headers', { locator: hashes(101) }, 1),
      msgOf('get_headers', { locator: hashes(102) }, 1),
      'data.locator',
    )
    expectBoundary(
      msgOf('get_headers', { locator: [], limit: 2_000 }, 1),
      msgOf('get_headers', { locator: [], limit: 2_001 }, 1),
    )
    expect(codeOf(() => encode(msgOf('get_headers', { locator: [], limit: 0 }, 1)))).toBe('ERR_SCHEMA')
  })

  it(`get_blocks and blocks: ${LIMITS.maxBlocksPerMessage} blocks`, () => {
    expectBoundary(
      msgOf('get_blocks', { by: 'range', from: 0, count: 128 }, 1),
      msgOf('get_blocks', { by: 'range', from: 0, count: 129 }, 1),
      'data.count',
    )
    expect(codeOf(() => encode(msgOf('get_blocks', { by: 'range', from: 0, count: 0 }, 1)))).toBe(
      'ERR_SCHEMA',
    )
    expectBoundary(
      msgOf('get_blocks', { by: 'hashes', hashes: hashes(128) }, 1),
      msgOf('get_blocks', { by: 'hashes', hashes: hashes(129) }, 1),
    )
    expect(codeOf(() => encode(msgOf('get_blocks', { by: 'hashes', hashes: [] }, 1)))).toBe('ERR_SCHEMA')
    expect(
      codeOf(() => encode({ type: 'get_blocks', id: 1, data: { by: 'all' } } as unknown as Message)),
    ).toBe('ERR_SCHEMA')
    const blocks = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ header: headerOf(i), transactions: [] }))
    expectBoundary(msgOf('blocks', { blocks: blocks(128) }, 1), msgOf('blocks', { blocks: blocks(129) }, 1))
  })

  it(`transactions: ${LIMITS.maxTransactionsPerBlock} per block, data up to ${LIMITS.maxTxDataBytes} bytes`, () => {
    const block = (n: number) => ({ header: headerOf(1), transactions: Array.from({ length: n }, minimalTx) })
    const atLimit = msgOf('new_block', { block: block(25_000) })
    const bytes = encode(atLimit)
    expect(bytes.length).toBeLessThanOrEqual(LIMITS.maxMessageSize)
    expectBoundary(atLimit, msgOf('new_block', { block: block(25_001) }), 'data.block.transactions')
    const withData = (n: number) =>
      msgOf('new_transaction', { transaction: { ...txOf(1), data: new Uint8Array(n) } })
    expectBoundary(withData(65_536), withData(65_537), 'data.transaction.data')
    expect(
      codeOf(() => encode(msgOf('new_transaction', { transaction: { ...txOf(1), amount: 2n ** 64n } }))),
    ).toBe('ERR_SCHEMA')
    expect(
      pathOf(() =>
        encode(msgOf('new_transaction', { transaction: { ...txOf(1), signature: new Uint8Array(63) } })),
      ),
    ).toBe('data.transaction.signature')
  })

  it('compact blocks: 6-byte short ids, prefilled indexes ascending within the block', () => {
    const base = SAMPLES.compact_block[0]?.data as MessageData<'compact_block'>
    expect(codeOf(() => encode(msgOf('compact_block', { ...base, shortIds: new Uint8Array(7) })))).toBe(
      'ERR_SCHEMA',
    )
    const swapped = { ...base, prefilled: [...base.prefilled].reverse() }
    expect(pathOf(() => encode(msgOf('compact_block', swapped)))).toBe('data.prefilled')
    const outside = { ...base, prefilled: [{ index: 7, transaction: txOf(1) }] }
    expect(codeOf(() => encode(msgOf('compact_block', outside)))).toBe('ERR_SCHEMA')
    expectBoundary(
      msgOf('compact_block', { ...base, shortIds: new Uint8Array(6 * 25_000), prefilled: [] }),
      msgOf('compact_block', {
        ...base,
        shortIds: new Uint8Array(6 * 25_000),
        prefilled: [{ index: 0, transaction: txOf(0) }],
      }),
    )
  })

  it('get_block_txs: indexes strictly ascending and below the transaction limit', () => {
    const make = (indexes: number[]) => msgOf('get_block_txs', { blockHash: bytesOf(32), indexes }, 1)
    expectBoundary(make([0, 24_999]), make([0, 25_000]), 'data.indexes[1]')
    expect(pathOf(() => encode(make([3, 3])))).toBe('data.indexes[1]')
    expect(pathOf(() => encode(make([3, 2])))).toBe('data.indexes[1]')
    expect(codeOf(() => encode(make([])))).toBe('ERR_SCHEMA')
  })

  it(`mempool_sync: ${LIMITS.maxMempoolSyncHashes} hashes`, () => {
    expectBoundary(
      msgOf('mempool_sync', { hashes: hashes(50_000), more: false }),
      msgOf('mempool_sync', { hashes: hashes(50_001), more: false }),
      'data.hashes',
    )
  })

  it(`proofs: ${LIMITS.maxProofDepth} siblings`, () => {
    const make = (n: number) =>
      msgOf(
        'proof',
        {
          blockHash: bytesOf(32),
          txHash: bytesOf(32),
          inclusion: { header: headerOf(1), index: 0, siblings: hashes(n) },
        },
        1,
      )
    expectBoundary(make(64), make(65), 'data.inclusion.siblings')
  })

  it(`validator sets: 1 to ${LIMITS.maxValidators} validators`, () => {
    const make = (n: number) =>
      msgOf('validator_set', {
        epoch: 1,
        validators: Array.from({ length: n }, (_, i) => ({ publicKey: bytesOf(32, i), power: 1 })),
      })
    expectBoundary(make(1_000), make(1_001), 'data.validators')
    expect(codeOf(() => encode(make(0)))).toBe('ERR_SCHEMA')
  })

  it(`subscriptions: 1 to ${LIMITS.maxSubscriptions} topic changes, each a valid topic`, () => {
    const make = (n: number) =>
      msgOf('subscribe', {
        topics: Array.from({ length: n }, (_, i) => ({ topic: `t${i}`, subscribed: i % 2 === 0 })),
      })
    expectBoundary(make(64), make(65), 'data.topics')
    expect(codeOf(() => encode(make(0)))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('subscribe', { topics: [{ topic: '/bad', subscribed: true }] })))).toBe(
      'ERR_SCHEMA',
    )
  })

  it(`relay envelopes: ttl and hops up to ${LIMITS.maxRelayTtl}, payload up to ${LIMITS.maxRelayPayloadBytes} bytes`, () => {
    const base = { origin: testPeerId(1), hops: 0, ttl: 1, payload: new Uint8Array(0) }
    expectBoundary(msgOf('relay', { ...base, ttl: 16 }), msgOf('relay', { ...base, ttl: 17 }), 'data.ttl')
    expectBoundary(msgOf('relay', { ...base, hops: 16 }), msgOf('relay', { ...base, hops: 17 }), 'data.hops')
    expect(codeOf(() => encode(msgOf('relay', { ...base, ttl: 0 })))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('relay', { ...base, origin: 'cw123' })))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode(msgOf('relay', { ...base, origin: `${testPeerId(1).slice(0, -1)}b` })))).toBe(
      'ERR_SCHEMA',
    )
    const max = LIMITS.maxRelayPayloadBytes
    const full = msgOf('relay', {
      ...base,
      target: testPeerId(2),
      topic: 't'.repeat(64),
      payload: new Uint8Array(max),
    })
    expect(encode(full).length).toBeLessThanOrEqual(LIMITS.maxMessageSize)
    expectBoundary(full, msgOf('relay', { ...base, payload: new Uint8Array(max + 1) }), 'data.payload')
  })

  it(`text fields: ${LIMITS.maxTextBytes} bytes`, () => {
    expectBoundary(
      msgOf('disconnect', { reason: 'banned', message: 'm'.repeat(256) }),
      msgOf('disconnect', { reason: 'banned', message: 'm'.repeat(257) }),
      'data.message',
    )
    expectBoundary(
      msgOf('error', { code: 'busy', message: 'm'.repeat(256) }, 1),
      msgOf('error', { code: 'busy', message: 'm'.repeat(257) }, 1),
    )
    expect(codeOf(() => encode(msgOf('disconnect', { reason: 'bored' as 'banned' })))).toBe('ERR_SCHEMA')
  })

  it('NAT messages: address lists bounded, voucher and dial-back payment bounded', () => {
    const addrs = (n: number) => Array.from({ length: n }, (_, i) => `tcp://10.0.0.${i}:1`)
    expectBoundary(
      msgOf('dial_back_request', { addrs: addrs(8), nonce: 1 }, 1),
      msgOf('dial_back_request', { addrs: addrs(9), nonce: 1 }, 1),
    )
    expect(codeOf(() => encode(msgOf('dial_back_request', { addrs: [], nonce: 1 }, 1)))).toBe('ERR_SCHEMA')
    const paid = (n: number) =>
      msgOf('dial_back_request', { addrs: addrs(1), nonce: 1, payment: new Uint8Array(n) }, 1)
    expectBoundary(paid(LIMITS.maxDialBackPaymentBytes), paid(LIMITS.maxDialBackPaymentBytes + 1))
    const status = (n: number) =>
      msgOf(
        'relay_status',
        { status: 'ok', reservation: { expiresAt: 1, addrs: [], voucher: new Uint8Array(n) } },
        1,
      )
    expectBoundary(status(512), status(513), 'data.reservation.voucher')
  })

  it(`chunks: up to ${LIMITS.maxChunkBytes} bytes each`, () => {
    const make = (size: number) =>
      msgOf('chunk', {
        transferId: 1,
        index: 0,
        total: 1,
        totalLength: size,
        chunkSize: Math.max(1, size),
        digest: bytesOf(32),
        bytes: new Uint8Array(size),
      })
    expectBoundary(make(LIMITS.maxChunkBytes), make(LIMITS.maxChunkBytes + 1))
  })

  it('ids are u32', () => {
    expect(codeOf(() => encode({ type: 'ping', id: 2 ** 32, data: { nonce: 1 } }))).toBe('ERR_SCHEMA')
    expect(codeOf(() => encode({ type: 'ping', id: -1, data: { nonce: 1 } }))).toBe('ERR_SCHEMA')
    expect(codeOf(() => decode(rawEnvelope('ping', 2 ** 32, [1])))).toBe('ERR_SCHEMA')
    expect(codeOf(() => decode(rawEnvelope('ping', 'x', [1])))).toBe('ERR_SCHEMA')
  })
})

describe('maximum encoded size per type', () => {
  it('refuses a valid but oversized block on encode with ERR_MESSAGE_TOO_LARGE', () => {
    const fat = { ...txOf(1), data: new Uint8Array(LIMITS.maxTxDataBytes) }
    const msg = msgOf('new_block', {
      block: { header: headerOf(1), transactions: Array.from({ length: 62 }, () => fat) },
    })
    const err = (() => {
      try {
        encode(msg)
      } catch (e) {
        return e as CodecError
      }
    })()
    expect(err?.code).toBe('ERR_MESSAGE_TOO_LARGE')
    expect(err?.details).toMatchObject({ type: 'new_block', maxSize: LIMITS.maxMessageSize })
  })

  it('refuses an oversized envelope on decode before parsing it', () => {
    const ping = CATALOG.ping.maxSize
    const bytes = new Uint8Array(ping + 1)
    bytes.set([0x93, CATALOG.ping.code])
    expect(codeOf(() => decode(bytes))).toBe('ERR_MESSAGE_TOO_LARGE')
    expect(codeOf(() => decode(new Uint8Array(LIMITS.maxMessageSize + 1)))).toBe('ERR_MESSAGE_TOO_LARGE')
  })

  it('lets a maximal message of every bounded type through (sizes are upper bounds)', () => {
    // The largest valid hello: every string and list at its limit.
    const maxHello = msgOf(
      'hello',
      {
        version: 0xffff_ffff,
        networkId: 'n'.repeat(64),
        roles: ['full', 'light', 'bootstrap', 'validator'],
        bestHeight: Number.MAX_SAFE_INTEGER,
        bestHash: bytesOf(32),
        totalWork: 2n ** 256n - 1n,
        listenAddrs: Array.from({ length: 16 }, (_, i) =>
          `memory://${String(i).padEnd(255, 'x')}`.slice(0, 300),
        ),
        observedAddr: `memory://${'o'.repeat(255)}`,
        userAgent: '✓'.repeat(85),
        timestamp: Number.MAX_SAFE_INTEGER,
        capabilities: Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(64, 'c')),
      },
      0xffff_ffff,
    )
    expect(encode(maxHello).length).toBeLessThanOrEqual(CATALOG.hello.maxSize)
  })
})

import { createHash } from 'node:crypto'
import {
  blockFilter,
  filterHash,
  filterHeader,
  headerHash,
  transactionHash,
  verifyMerkleProof,
} from '@chainwire/chain'
import { sipHash24 } from '@chainwire/interface'
import { type Block, encode, type Transaction } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  buildCompactBlock,
  completeCompactBlock,
  createSync,
  reconstructCompactBlock,
  shortId,
  shortIdKey,
  writeShortId,
} from '../src/index'
import { blocks, chainWith, type Fixture, fixture, transfer, type Wallet, wallet } from './helpers/chain'
import { node, stopAll, until, world } from './helpers/harness'

afterEach(stopAll)

describe('BIP 152 short ids', () => {
  it('keys SipHash-2-4 with the first 16 bytes of SHA-256(header hash || nonce LE) and keeps the low 48 bits', () => {
    const headerHashBytes = new Uint8Array(32).map((_, i) => i)
    const nonce = 0x0102030405060708n
    const input = Buffer.concat([Buffer.from(headerHashBytes), Buffer.from([8, 7, 6, 5, 4, 3, 2, 1])])
    const expectedKey = createHash('sha256').update(input).digest().subarray(0, 16)
    expect(Buffer.from(shortIdKey(headerHashBytes, nonce)).equals(expectedKey)).toBe(true)
    // the SipHash-2-4 reference vector (key 00..0f, message 00..0e) -> a129ca6149be45e5
    const refKey = new Uint8Array(16).map((_, i) => i)
    const message = new Uint8Array(15).map((_, i) => i)
    const { hi, lo } = sipHash24(refKey, message)
    expect(((BigInt(hi) << 32n) | BigInt(lo)).toString(16)).toBe('a129ca6149be45e5')
    expect(shortId(refKey, message)).toBe(Number(0xa129ca6149be45e5n & 0xffff_ffff_ffffn))
  })
})

describe('compact block reconstruction (real blocks and transactions)', () => {
  const fx = fixture()
  const txs = Array.from({ length: 3 }, () => transfer(fx.network, fx.faucet, wallet().key))
  const block = fx.builder.next(fx.network.genesis, txs)
  const hash = headerHash(block.header)
  const compact = buildCompactBlock(block, hash, 77n, transactionHash)
  const pool = (list: Transaction[]) =>
    list.map((t) => [transactionHash(t), () => t] as [Uint8Array, () => Transaction])

  it('rebuilds from the mempool and the prefilled coinbase', () => {
    const r = reconstructCompactBlock(compact, hash, pool(txs))
    expect(r.kind).toBe('complete')
    if (r.kind === 'complete') expect(r.block).toEqual(block)
  })

  it('asks for what is missing, and refuses block_txs with the wrong transactions', () => {
    const r = reconstructCompactBlock(compact, hash, pool([txs[0] as Transaction]))
    expect(r.kind).toBe('partial')
    if (r.kind !== 'partial') return
    expect(r.partial.missing).toEqual([2, 3])
    const wrong = [transfer(fx.network, wallet(), wallet().key), transfer(fx.network, wallet(), wallet().key)]
    expect(completeCompactBlock(r.partial, wrong, transactionHash)).toBeUndefined()
    expect(completeCompactBlock(r.partial, txs.slice(1), transactionHash)).toEqual(block)
  })

  it('a transaction offered twice (mempool and the recent cache) is one match, not a short id collision', () => {
    const r = reconstructCompactBlock(compact, hash, [...pool(txs), ...pool(txs)])
    expect(r.kind).toBe('complete')
  })

  it('two equal short ids in a compact block make it unrebuildable (the full block is needed)', () => {
    const colliding = { ...compact, shortIds: new Uint8Array(compact.shortIds) }
    writeShortId(
      colliding.shortIds,
      6,
      shortId(shortIdKey(hash, 77n), transactionHash(txs[0] as Transaction)),
    )
    expect(reconstructCompactBlock(colliding, hash, pool(txs)).kind).toBe('collision')
  })
})

/** `count` funded wallets, paid by the faucet in one block on genesis (returned with the wallets). */
function fundedWallets(fx: Fixture, count: number): { wallets: Wallet[]; funding: Block } {
  const wallets = Array.from({ length: count }, () => wallet())
  const funding = fx.builder.next(
    fx.network.genesis,
    wallets.map((w) => transfer(fx.network, fx.faucet, w.key, 10n ** 9n)),
  )
  return { wallets, funding }
}

describe('relay and serving between real nodes', () => {
  it('a block of 2,000 real transactions reaches a synced peer as a compact block rebuilt from its warm mempool, without a round trip', async () => {
    const w = world()
    const fx = fixture()
    const { wallets, funding } = fundedWallets(fx, 40)
    const txs = wallets.flatMap((from) =>
      Array.from({ length: 50 }, () => transfer(fx.network, from, wallet().key)),
    )
    const a = await node(w, 'a', await chainWith(fx, w.clock, [funding]))
    const b = await node(w, 'b', await chainWith(fx, w.clock, [funding]))
    for (const tx of txs) expect(await b.chain.acceptTransaction(tx)).toBe('accepted')
    await b.network.dial('memory://a')
    await until(w.clock, () => a.sync.state() === 'synced' && b.sync.state() === 'synced')
    const next = fx.builder.next(funding, txs)
    expect(await a.chain.acceptBlock(next)).toBe('connected')
    await until(w.clock, () => b.chain.tip().height === 2)
    expect(b.chain.tip()).toEqual(a.chain.tip())
    const s = b.sync.stats()
    expect(s.compactReceived).toBe(1)
    expect(s.compactReconstructed).toBe(1)
    expect(s.compactRoundTrips + s.compactFallbacks).toBe(0)
    expect(b.chain.mempoolIds(10)).toEqual([]) // the block took them all
    // what went over the wire instead of the block: 6 bytes per transaction and the coinbase
    const compactBytes = encode({
      type: 'compact_block',
      data: buildCompactBlock(next, headerHash(next.header), 1n, transactionHash),
    }).length
    const fullBytes = encode({ type: 'new_block', data: { block: next } }).length
    expect(compactBytes).toBeLessThan(fullBytes / 20)
  }, 60_000)

  it('mempool sync: a new peer learns the other mempool by ids and pulls what it lacks with get_transaction, in nonce order', async () => {
    const w = world()
    const fx = fixture()
    const sender = wallet()
    const funding = fx.builder.next(fx.network.genesis, [
      transfer(fx.network, fx.faucet, sender.key, 10n ** 9n),
    ])
    const txs = Array.from({ length: 40 }, () => transfer(fx.network, sender, wallet().key))
    const a = await node(w, 'a', await chainWith(fx, w.clock, [funding]))
    for (const tx of txs) expect(await a.chain.acceptTransaction(tx)).toBe('accepted')
    const b = await node(w, 'b', await chainWith(fx, w.clock, [funding]))
    expect(await b.chain.acceptTransaction(txs[0] as Transaction)).toBe('accepted')
    let getData = 0
    b.network.on('message:get_data', () => getData++)
    a.network.on('message:get_data', () => getData++)
    await b.network.dial('memory://a')
    await until(w.clock, () => b.chain.mempoolIds(100).length === 40)
    expect(b.sync.stats().mempoolTxsFetched).toBe(39)
    expect(a.chain.mempoolIds(100).length).toBe(40) // and a learnt nothing new
    expect(getData).toBe(0) // get_data stays with transaction relay
    expect(b.reports).toEqual([])
  })

  it('serves light-client proofs, and refuses requests above the per-peer quota', async () => {
    const w = world()
    const fx = fixture()
    const chain = blocks(fx, 3, { txs: 3 })
    const server = await node(w, 'server', await chainWith(fx, w.clock, chain), {
      sync: { quotas: { proofs: { rate: 0, burst: 2 } } },
    })
    const client = await node(w, 'client', await chainWith(fx, w.clock, chain), { startSync: false })
    const peer = await client.network.dial('memory://server')
    const b = chain[1] as Block
    const tx = transactionHash(b.transactions[2] as Transaction)
    const ask = () =>
      client.network.request(peer.peerId, {
        type: 'get_proof',
        data: { blockHash: headerHash(b.header), txHash: tx },
      })
    const first = await ask()
    expect(first.type).toBe('proof')
    if (first.type === 'proof') {
      expect(first.data.inclusion?.index).toBe(2)
      expect(verifyMerkleProof(first.data.inclusion as NonNullable<typeof first.data.inclusion>, tx)).toBe(
        true,
      )
    }
    await ask()
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED' })
    expect(server.sync.stats().quotaRefusals).toBe(1)
    expect(server.reports.some((r) => r.behaviour === 'rate-limit-exceeded')).toBe(true)
  })

  it('serves compact block filters (BIP 157): filter hashes that chain, filters, checkpoints, under a quota', async () => {
    const w = world()
    const fx = fixture()
    const chain = blocks(fx, 6, { txs: 2 })
    const server = await node(w, 'server', await chainWith(fx, w.clock, chain), {
      sync: { quotas: { filters: { rate: 0, burst: 17 } } },
    })
    const client = await node(w, 'client', await chainWith(fx, w.clock, chain), { startSync: false })
    const peer = await client.network.dial('memory://server')
    const stop = headerHash((chain[5] as Block).header)
    const headers = await client.network.request(peer.peerId, {
      type: 'get_cfheaders',
      data: { filterType: 'basic', startHeight: 2, stopHash: stop },
    })
    const filters = await client.network.request(peer.peerId, {
      type: 'get_cfilters',
      data: { filterType: 'basic', startHeight: 2, stopHash: stop },
    })
    if (headers.type !== 'cfheaders' || filters.type !== 'cfilters') throw new Error('wrong responses')
    // Heights 2..6: five filters, each the block's own, hashing to what cfheaders listed.
    const expected = chain.slice(1, 6).map((b) => blockFilter(b))
    expect(filters.data.filters.map((f) => f.filter)).toEqual(expected)
    expect(headers.data.filterHashes).toEqual(expected.map(filterHash))
    // The previous header is the chain of filter headers from genesis up to height 1.
    let previous: Uint8Array = new Uint8Array(32)
    for (const b of [fx.network.genesis, chain[0] as Block])
      previous = filterHeader(filterHash(blockFilter(b)), previous)
    expect(headers.data.previousHeader).toEqual(previous)
    expect(await server.chain.filterHeader(headerHash((chain[0] as Block).header))).toEqual(previous)
    // Checkpoints (one per 1,000 blocks: none on a chain of 6), and a range we do not serve.
    const checkpoints = await client.network.request(peer.peerId, {
      type: 'get_cfcheckpt',
      data: { filterType: 'basic', stopHash: stop },
    })
    expect(checkpoints.type === 'cfcheckpt' && checkpoints.data.filterHeaders).toEqual([])
    const unknown = await client.network.request(peer.peerId, {
      type: 'get_cfheaders',
      data: { filterType: 'basic', startHeight: 0, stopHash: new Uint8Array(32).fill(9) },
    })
    expect(unknown.type === 'cfheaders' && unknown.data.previousHeader).toBeUndefined()
    // 5 + 5 + 1 + 1 of 17 tokens spent (an unserved range still costs one): 7 more blocks are over the quota.
    await expect(
      client.network.request(peer.peerId, {
        type: 'get_cfilters',
        data: { filterType: 'basic', startHeight: 0, stopHash: stop },
      }),
    ).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED' })
    expect(server.reports.some((r) => r.behaviour === 'rate-limit-exceeded')).toBe(true)
  })

  it('partition: a stale tip raises partition:suspected, asks for peers from new groups, and clears on a new block', async () => {
    const w = world()
    const fx = fixture()
    const base = blocks(fx, 2)
    const asked: { count: number; excludeGroups: readonly string[] }[] = []
    let bootstrap = 0
    const a = await node(w, 'a', await chainWith(fx, w.clock, base))
    const b = await node(w, 'b', await chainWith(fx, w.clock, base), { startSync: false })
    const watcher = createSync(
      {
        network: b.network,
        chain: b.chain,
        clock: w.clock,
        peerSource: {
          requestOutbound: (o) => void asked.push(o),
          reconnectBootstrap: () => void bootstrap++,
        },
      },
      { targetBlockTimeMs: 1_000, staleTipMultiple: 3, partitionCheckMs: 500 },
    )
    watcher.start()
    const events: string[][] = []
    watcher.on('partition:suspected', (e) => events.push([...e.reasons]))
    await b.network.dial('memory://a')
    await until(w.clock, () => events.length === 1, 10_000)
    expect(events[0]).toContain('stale-tip')
    expect(asked[0]?.excludeGroups.length).toBe(1)
    expect(bootstrap).toBe(1)
    let recovered = false
    watcher.on('partition:recovered', () => (recovered = true))
    expect(await a.chain.acceptBlock(blocks(fx, 1, { parent: base[1] })[0] as Block)).toBe('connected')
    await until(w.clock, () => recovered, 10_000)
    expect(b.chain.tip().height).toBe(3)
    watcher.stop()
  })
})

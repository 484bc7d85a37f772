import { createHash } from 'node:crypto'
import { sipHash24 } from '@chainwire/interface'
import type { Block } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  buildCompactBlock,
  completeCompactBlock,
  reconstructCompactBlock,
  shortId,
  shortIdKey,
  writeShortId,
} from '../src/index'
import { node, stopAll, until, world } from './helpers/harness'
import {
  hashHeader,
  hashTransaction,
  makeTx,
  mineBlock,
  mineChain,
  TestLedger,
  verifyProof,
} from './helpers/ledger'

afterEach(stopAll)

const genesis = mineBlock(undefined, [])

describe('BIP 152 short ids', () => {
  it('keys SipHash-2-4 with the first 16 bytes of SHA-256(header hash || nonce LE) and keeps the low 48 bits', () => {
    const headerHash = new Uint8Array(32).map((_, i) => i)
    const nonce = 0x0102030405060708n
    const input = Buffer.concat([Buffer.from(headerHash), Buffer.from([8, 7, 6, 5, 4, 3, 2, 1])])
    const expectedKey = createHash('sha256').update(input).digest().subarray(0, 16)
    const key = shortIdKey(headerHash, nonce)
    expect(Buffer.from(key).equals(expectedKey)).toBe(true)
    // the SipHash-2-4 reference vector (key 00..0f, message 00..0e) -> a129ca6149be45e5
    const refKey = new Uint8Array(16).map((_, i) => i)
    const message = new Uint8Array(15).map((_, i) => i)
    const { hi, lo } = sipHash24(refKey, message)
    expect(((BigInt(hi) << 32n) | BigInt(lo)).toString(16)).toBe('a129ca6149be45e5')
    expect(shortId(refKey, message)).toBe(Number(0xa129ca6149be45e5n & 0xffff_ffff_ffffn))
  })
})

describe('compact block reconstruction', () => {
  const txs = [makeTx(1), makeTx(2, 10), makeTx(3, 10), makeTx(4, 10)]
  const block = mineBlock(genesis.header, txs)
  const hash = hashHeader(block.header)
  const compact = buildCompactBlock(block, hash, 77n, hashTransaction)
  const pool = (list: typeof txs) =>
    list.map((t) => [hashTransaction(t), () => t] as [Uint8Array, () => typeof t])

  it('rebuilds from the mempool and the prefilled reward transaction', () => {
    const r = reconstructCompactBlock(compact, hash, pool(txs.slice(1)))
    expect(r.kind).toBe('complete')
    if (r.kind === 'complete')
      expect(r.block.transactions.map(hashTransaction)).toEqual(txs.map(hashTransaction))
  })

  it('asks for what is missing, and refuses block_txs with the wrong transactions', () => {
    const r = reconstructCompactBlock(compact, hash, pool([txs[1] as (typeof txs)[0]]))
    expect(r.kind).toBe('partial')
    if (r.kind !== 'partial') return
    expect(r.partial.missing).toEqual([2, 3])
    expect(completeCompactBlock(r.partial, [makeTx(9), makeTx(10)], hashTransaction)).toBeUndefined()
    expect(completeCompactBlock(r.partial, [txs[2], txs[3]] as typeof txs, hashTransaction)).toBeDefined()
  })

  it('a compact block whose short ids collide falls back to the full block', () => {
    const colliding = { ...compact, shortIds: new Uint8Array(compact.shortIds) }
    writeShortId(
      colliding.shortIds,
      6,
      shortId(shortIdKey(hash, 77n), hashTransaction(txs[1] as (typeof txs)[0])),
    )
    expect(reconstructCompactBlock(colliding, hash, pool(txs)).kind).toBe('collision')
  })
})

describe('relay and serving between real nodes', () => {
  it('a new block reaches a synced peer as a compact block rebuilt from its mempool (no round trip)', async () => {
    const w = world()
    const base = mineChain(genesis.header, 5)
    const a = await node(w, 'a', TestLedger.withBlocks(genesis, base))
    const b = await node(w, 'b', TestLedger.withBlocks(genesis, base))
    await b.network.dial('memory://a')
    await until(w.clock, () => a.sync.state() === 'synced' && b.sync.state() === 'synced')
    const txs = [makeTx(500), ...Array.from({ length: 20 }, (_, i) => makeTx(600 + i, 100))]
    for (const t of txs.slice(1)) b.ledger.acceptTransaction(t)
    const next = mineBlock((base[4] as Block).header, txs)
    expect(a.ledger.acceptBlock(next)).toBe('connected')
    await until(w.clock, () => b.ledger.tip().height === 6)
    expect(b.sync.stats().compactReconstructed).toBe(1)
    expect(b.sync.stats().compactRoundTrips).toBe(0)
  })

  it('mempool sync: a new peer learns the other mempool by ids and pulls what it lacks', async () => {
    const w = world()
    const a = await node(w, 'a', new TestLedger(genesis))
    for (let i = 0; i < 40; i++) a.ledger.acceptTransaction(makeTx(1_000 + i, 30))
    const b = await node(w, 'b', new TestLedger(genesis))
    b.ledger.acceptTransaction(makeTx(1_000, 30))
    await b.network.dial('memory://a')
    await until(w.clock, () => b.ledger.mempoolIds(100).length === 40)
    expect(b.sync.stats().mempoolTxsFetched).toBe(39)
  })

  it('serves light-client proofs, and refuses requests above the per-peer quota', async () => {
    const w = world()
    const blocks = mineChain(genesis.header, 3, { txs: 3 })
    const server = await node(w, 'server', TestLedger.withBlocks(genesis, blocks), {
      sync: { quotas: { proofs: { rate: 0, burst: 2 } } },
    })
    const client = await node(w, 'client', TestLedger.withBlocks(genesis, blocks), { startSync: false })
    const peer = await client.network.dial('memory://server')
    const b = blocks[1] as Block
    const tx = hashTransaction(b.transactions[2] as Block['transactions'][0])
    const ask = () =>
      client.network.request(peer.peerId, {
        type: 'get_proof',
        data: { blockHash: hashHeader(b.header), txHash: tx },
      })
    const first = await ask()
    expect(first.type).toBe('proof')
    if (first.type === 'proof')
      expect(verifyProof(first.data.inclusion as NonNullable<typeof first.data.inclusion>, tx)).toBe(true)
    await ask()
    await expect(ask()).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED' })
    expect(server.sync.stats().quotaRefusals).toBe(1)
    expect(server.reports.some((r) => r.behaviour === 'rate-limit-exceeded')).toBe(true)
  })

  it('partition: a stale tip and lost peers raise partition:suspected, ask for peers from new groups, and clear on a new block', async () => {
    const w = world()
    const asked: { count: number; excludeGroups: readonly string[] }[] = []
    let bootstrap = 0
    const base = mineChain(genesis.header, 2)
    const a = await node(w, 'a', TestLedger.withBlocks(genesis, base))
    const b = await node(w, 'b', TestLedger.withBlocks(genesis, base), { startSync: false })
    const { createSync } = await import('../src/index')
    const watcher = createSync(
      {
        network: b.network,
        chain: b.ledger,
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
    const next = mineBlock((base[1] as Block).header, [makeTx(77)])
    a.ledger.acceptBlock(next)
    await until(w.clock, () => recovered, 10_000)
    expect(b.ledger.tip().height).toBe(3)
    watcher.stop()
  })
})

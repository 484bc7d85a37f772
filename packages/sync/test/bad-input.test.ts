/**
 * DESIGN.md §6 for sync: each hostile peer is a real node over the memory transport whose handlers misbehave;
 * the victim reports it, never stores what it must not, and completes from the honest peers.
 */
import type { Block } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import { PRESYNC_BYTES_PER_HEADER } from '../src/index'
import { node, stopAll, type TestNode, until, world } from './helpers/harness'
import { makeTx, mineBlock, mineChain, TestLedger } from './helpers/ledger'

afterEach(stopAll)

const genesis = mineBlock(undefined, [])
const chain = mineChain(genesis.header, 120, { txs: 1, txSize: 20 })

/** A node that answers with its own handlers (sync not started) and counts the requests it gets. */
async function hostile(w: ReturnType<typeof world>, name: string, ledger: TestLedger) {
  const n = await node(w, name, ledger, { startSync: false })
  const counts = new Map<string, number>()
  const count = (t: string) => counts.set(t, (counts.get(t) ?? 0) + 1)
  return { n, counts, count }
}

const honestHeaders =
  (n: TestNode) => (m: { data: { locator: Uint8Array[]; stop?: Uint8Array; limit?: number } }) => ({
    type: 'headers' as const,
    data: { headers: n.ledger.headersAfter(m.data.locator, m.data.stop, m.data.limit ?? 2_000) },
  })

describe('bad input during sync', () => {
  it('a long low-work header chain: checked in presync within the memory bound, nothing stored, sync completes from an honest peer', async () => {
    const w = world()
    const minimumChainWork = 100_000n
    const strong = mineChain(genesis.header, 110, { bits: 1_000 }) // 110,010 work
    const weak = mineChain(genesis.header, 6_500, { bits: 1 }) // 6,510 work, 6,500 headers
    const weakLedger = TestLedger.withBlocks(genesis, weak)
    const bad = await hostile(w, 'flooder', weakLedger)
    bad.n.network.handle('get_headers', (m) => {
      bad.count('get_headers')
      return honestHeaders(bad.n)(m)
    })
    const victim = await node(w, 'victim', new TestLedger(genesis, { minimumChainWork }))
    let peakPresync = 0
    const sampler = setInterval(() => {
      peakPresync = Math.max(peakPresync, victim.sync.presyncMemoryBytes())
    }, 1)
    await victim.network.dial('memory://flooder')
    await until(w.clock, () => victim.sync.stats().presyncAborted === 1)
    clearInterval(sampler)
    expect(victim.ledger.headerCount).toBe(1) // genesis only: no low-work header stored
    expect(victim.sync.stats().headersPresynced).toBe(6_500)
    expect(bad.counts.get('get_headers')).toBe(4) // 2,000 + 2,000 + 2,000 + 500, never asked again
    const bound = victim.sync.options.presyncRedownloadBuffer * PRESYNC_BYTES_PER_HEADER + 32_768 + 16
    expect(peakPresync).toBeLessThanOrEqual(bound)
    await node(w, 'honest', TestLedger.withBlocks(genesis, strong))
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.ledger.tip().height === 110)
    expect(victim.ledger.tip().work).toBe(110_010n)
  })

  it('a chain that reaches the minimum work only after 2,000 headers goes through presync and redownload, then is stored', async () => {
    const w = world()
    const long = mineChain(genesis.header, 2_600, { bits: 40 }) // 2,000 headers: 80,010 < 100,000; all: 104,010
    await node(w, 'source', TestLedger.withBlocks(genesis, long))
    const victim = await node(w, 'victim', new TestLedger(genesis, { minimumChainWork: 100_000n }))
    await victim.network.dial('memory://source')
    await until(w.clock, () => victim.ledger.headerTip().height === 2_600, 300_000)
    const s = victim.sync.stats()
    expect(s.headersPresynced).toBeGreaterThanOrEqual(2_600)
    expect(s.presyncAborted).toBe(0)
    expect(victim.reports).toEqual([])
  })

  it('headers that do not connect: the peer is reported and sync completes from the others', async () => {
    const w = world()
    const other = mineChain(mineBlock(undefined, [makeTx(999)]).header, 30)
    const bad = await hostile(w, 'liar', TestLedger.withBlocks(genesis, chain))
    bad.n.network.handle('get_headers', () => ({
      type: 'headers',
      data: { headers: other.map((b) => b.header) },
    }))
    await node(w, 'honest', TestLedger.withBlocks(genesis, chain))
    const victim = await node(w, 'victim', new TestLedger(genesis))
    await victim.network.dial('memory://liar')
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.ledger.tip().height === 120)
    await until(w.clock, () => victim.reports.some((r) => r.behaviour === 'invalid-message'))
    expect(victim.ledger.hasHeader(victim.ledger.hashHeader((other[0] as Block).header))).toBe(false)
  })

  it('a peer that announces blocks and never delivers them is caught stalling and dropped; the others deliver', async () => {
    const w = world()
    const bad = await hostile(w, 'staller', TestLedger.withBlocks(genesis, chain))
    bad.n.network.handle('get_headers', honestHeaders(bad.n))
    bad.n.network.handle('get_blocks', () => new Promise(() => undefined))
    const victim = await node(w, 'victim', new TestLedger(genesis), {
      sync: { blockRequestTimeoutMs: 600_000 },
    })
    await victim.network.dial('memory://staller', { kind: 'full-relay' })
    await until(w.clock, () => victim.ledger.headerTip().height === 120)
    await node(w, 'honest', TestLedger.withBlocks(genesis, chain))
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.ledger.tip().height === 120)
    const stats = victim.sync.stats()
    expect(stats.stalls).toBeGreaterThanOrEqual(1)
    expect(victim.reports.some((r) => r.behaviour === 'timeout' && r.peerId === bad.n.network.peerId)).toBe(
      true,
    )
    expect(victim.network.getPeer(bad.n.network.peerId)).toBeUndefined() // not protected: disconnected
    expect(victim.sync.downloadStatus().stallTimeoutMs).toBeGreaterThanOrEqual(2_000)
  })

  it('a manual peer that stalls is relieved of its blocks but stays connected', async () => {
    const w = world()
    const bad = await hostile(w, 'slowpoke', TestLedger.withBlocks(genesis, chain))
    bad.n.network.handle('get_headers', honestHeaders(bad.n))
    bad.n.network.handle('get_blocks', () => new Promise(() => undefined))
    const victim = await node(w, 'victim', new TestLedger(genesis), {
      sync: { blockRequestTimeoutMs: 600_000 },
    })
    await victim.network.dial('memory://slowpoke', { kind: 'manual' })
    await until(w.clock, () => victim.ledger.headerTip().height === 120)
    await node(w, 'honest', TestLedger.withBlocks(genesis, chain))
    await victim.network.dial('memory://honest', { kind: 'full-relay' })
    await until(w.clock, () => victim.ledger.tip().height === 120)
    expect(victim.sync.stats().stalls).toBeGreaterThanOrEqual(1)
    expect(victim.network.getPeer(bad.n.network.peerId)).toBeDefined()
  })

  it('a peer that answers ranges with nothing is rotated, not asked again in a loop', async () => {
    const w = world()
    const bad = await hostile(w, 'empty', TestLedger.withBlocks(genesis, chain))
    bad.n.network.handle('get_headers', honestHeaders(bad.n))
    bad.n.network.handle('get_blocks', () => {
      bad.count('get_blocks')
      return { type: 'blocks', data: { blocks: [] } }
    })
    const victim = await node(w, 'victim', new TestLedger(genesis))
    await victim.network.dial('memory://empty')
    await until(w.clock, () => victim.ledger.headerTip().height === 120)
    await w.clock.advanceAsync(5_000)
    const early = bad.counts.get('get_blocks') ?? 0
    expect(early).toBeGreaterThanOrEqual(1)
    expect(early).toBeLessThanOrEqual(4) // 16 in flight = 2 requests, then a cooldown
    await node(w, 'honest', TestLedger.withBlocks(genesis, chain))
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.ledger.tip().height === 120)
    expect(victim.sync.stats().emptyAnswers).toBeGreaterThanOrEqual(1)
    expect(bad.counts.get('get_blocks') ?? 0).toBeLessThanOrEqual(12)
  })

  it('an invalid block in the middle of IBD: the sender is reported, the block comes from another peer', async () => {
    const w = world()
    const bad = await hostile(w, 'forger', TestLedger.withBlocks(genesis, chain))
    bad.n.network.handle('get_headers', honestHeaders(bad.n))
    bad.n.network.handle('get_blocks', (m) => {
      if (m.data.by !== 'hashes') return { type: 'blocks', data: { blocks: [] } }
      const blocks = m.data.hashes
        .map((h) => bad.n.ledger.getBlock(h) as Block)
        .map((b) =>
          b.header.height === 60 ? { header: b.header, transactions: [...b.transactions, makeTx(4242)] } : b,
        )
      return { type: 'blocks', data: { blocks } }
    })
    const victim = await node(w, 'victim', new TestLedger(genesis))
    await victim.network.dial('memory://forger')
    await until(w.clock, () => victim.reports.some((r) => r.behaviour === 'bad-block'))
    expect(victim.ledger.tip().height).toBe(59)
    await node(w, 'honest', TestLedger.withBlocks(genesis, chain))
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.ledger.tip().height === 120)
    expect(victim.sync.stats().blocksInvalid).toBe(1)
  })
})

/**
 * DESIGN.md §6 for sync, against real chains: each hostile peer is a real node over the memory transport
 * (its own `@chainwire/chain`, sync not started) whose handlers misbehave; the victim, a real chain with a real
 * sync, reports it, never stores what it must not, and completes from the honest peers.
 */
import { bitsFromTarget, type FullChain, headerHash, type Network, workFromBits } from '@chainwire/chain'
import type { Block } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import { buildCompactBlock, PRESYNC_BYTES_PER_HEADER, shortId, shortIdKey, writeShortId } from '../src/index'
import { blocks, chainWith, type Fixture, fixture, headersAfter, transfer, wallet } from './helpers/chain'
import { node, stopAll, type TestNode, until, type World, world } from './helpers/harness'

afterEach(stopAll)

/** The total work of genesis plus `chain`, as a hello claims it. */
function workOf(network: Network, chain: readonly Block[]): bigint {
  let work = workFromBits(network.genesis.header.bits)
  for (const b of chain) work += workFromBits(b.header.bits)
  return work
}

/**
 * A node whose sync is not started: it answers only with the handlers the test gives it, and claims the tip
 * of `claims` in its hello. It counts the requests it gets.
 */
async function hostile(w: World, fx: Fixture, name: string, claims: readonly Block[], chain?: FullChain) {
  const last = claims[claims.length - 1] as Block
  const n = await node(w, name, chain ?? (await chainWith(fx, w.clock)), {
    startSync: false,
    network: {
      localStatus: {
        bestHeight: last.header.height,
        bestHash: headerHash(last.header),
        totalWork: workOf(fx.network, claims),
      },
    },
  })
  const counts = new Map<string, number>()
  const count = (t: string) => counts.set(t, (counts.get(t) ?? 0) + 1)
  const serveHeaders = (chain: readonly Block[]) =>
    n.network.handle('get_headers', (m) => {
      count('get_headers')
      return { type: 'headers', data: { headers: headersAfter(fx.network, chain, m.data.locator) } }
    })
  return { n, counts, count, serveHeaders }
}

const reportsOf = (victim: TestNode, peer: TestNode, behaviour?: string) =>
  victim.reports.filter(
    (r) => r.peerId === peer.network.peerId && (behaviour === undefined || r.behaviour === behaviour),
  )

describe('bad input during sync', () => {
  it('a long low-work header chain: checked in presync within the memory bound, nothing stored, sync completes from an honest peer', async () => {
    const w = world()
    // blocks of about 2^8 hashes (work 256 each); the attacker eases the difficulty with slow timestamps
    const fx = fixture({ genesisBits: bitsFromTarget(2n ** 248n), minimumChainWork: 20_000n })
    const strong = blocks(fx, 110) // 111 x 256 = 28,416 work
    const weak: Block[] = []
    let parent = fx.network.genesis
    for (let i = 0; i < 6_500; i++) {
      parent = fx.builder.next(parent, [], { timestamp: parent.header.timestamp + 6_000 })
      weak.push(parent)
    }
    const weakWork = workOf(fx.network, weak)
    expect(weakWork < 20_000n).toBe(true) // below the minimum: must never be stored
    const bad = await hostile(w, fx, 'flooder', weak)
    bad.serveHeaders(weak)
    const victim = await node(w, 'victim', await chainWith(fx, w.clock))
    let peakPresync = 0
    const sampler = setInterval(() => {
      peakPresync = Math.max(peakPresync, victim.sync.presyncMemoryBytes())
    }, 1)
    await victim.network.dial('memory://flooder')
    await until(w.clock, () => victim.sync.stats().presyncAborted === 1)
    clearInterval(sampler)
    expect(victim.chain.bestHeader().height).toBe(0) // no low-work header stored
    expect(victim.chain.stats().headers).toBe(0)
    expect(victim.sync.stats().headersPresynced).toBe(6_500)
    expect(bad.counts.get('get_headers')).toBe(4) // 2,000 + 2,000 + 2,000 + 500, never asked again
    const bound = victim.sync.options.presyncRedownloadBuffer * PRESYNC_BYTES_PER_HEADER + 32_768 + 16
    expect(peakPresync).toBeLessThanOrEqual(bound)
    await node(w, 'honest', await chainWith(fx, w.clock, strong))
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.chain.tip().height === 110)
    expect(victim.chain.tip().work).toBe(workOf(fx.network, strong))
  })

  it('a chain that reaches the minimum work only after 2,000 headers goes through presync and redownload, then is stored', async () => {
    const w = world()
    const fx = fixture({ minimumChainWork: 4_500n }) // 2 work per header: 2,000 headers are below, 2,600 above
    const long = blocks(fx, 2_600)
    const source = await hostile(w, fx, 'source', long)
    source.serveHeaders(long)
    const victim = await node(w, 'victim', await chainWith(fx, w.clock))
    await victim.network.dial('memory://source')
    await until(w.clock, () => victim.chain.bestHeader().height === 2_600, 300_000)
    const s = victim.sync.stats()
    expect(s.headersPresynced).toBeGreaterThanOrEqual(2_000)
    expect(s.headersAccepted).toBe(2_600)
    expect(s.presyncAborted).toBe(0)
    expect(source.counts.get('get_headers')).toBeGreaterThanOrEqual(4) // both passes, and a last empty answer
    expect(victim.reports).toEqual([])
  })

  it('headers that do not connect: the peer is reported and sync completes from the others', async () => {
    const w = world()
    const fx = fixture()
    const chain = blocks(fx, 120, { txs: 1 })
    const fork = blocks(fx, 30, { parent: chain[4] }).slice(1) // the first one's parent is never sent
    const bad = await hostile(w, fx, 'liar', chain)
    bad.n.network.handle('get_headers', () => ({
      type: 'headers',
      data: { headers: fork.map((b) => b.header) },
    }))
    await node(w, 'honest', await chainWith(fx, w.clock, chain))
    const victim = await node(w, 'victim', await chainWith(fx, w.clock))
    await victim.network.dial('memory://liar')
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.chain.tip().height === 120)
    await until(w.clock, () => reportsOf(victim, bad.n, 'invalid-message').length > 0)
    for (const b of fork) expect(victim.chain.hasHeader(headerHash(b.header))).toBe(false)
  })

  it('a peer that announces blocks and never delivers them is caught stalling and dropped; the others deliver', async () => {
    const w = world()
    const fx = fixture()
    const chain = blocks(fx, 120, { txs: 1 })
    const bad = await hostile(w, fx, 'staller', chain)
    bad.serveHeaders(chain)
    bad.n.network.handle('get_blocks', () => new Promise(() => undefined))
    const victim = await node(w, 'victim', await chainWith(fx, w.clock), {
      sync: { blockRequestTimeoutMs: 600_000 },
    })
    await victim.network.dial('memory://staller', { kind: 'full-relay' })
    await until(w.clock, () => victim.chain.bestHeader().height === 120)
    await node(w, 'honest', await chainWith(fx, w.clock, chain))
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.chain.tip().height === 120)
    expect(victim.sync.stats().stalls).toBeGreaterThanOrEqual(1)
    expect(reportsOf(victim, bad.n, 'timeout').length).toBeGreaterThanOrEqual(1)
    expect(victim.network.getPeer(bad.n.network.peerId)).toBeUndefined() // not protected: disconnected
    expect(victim.sync.downloadStatus().stallTimeoutMs).toBeGreaterThanOrEqual(2_000)
  })

  it('a manual peer that stalls is relieved of its blocks but stays connected', async () => {
    const w = world()
    const fx = fixture()
    const chain = blocks(fx, 120, { txs: 1 })
    const bad = await hostile(w, fx, 'slowpoke', chain)
    bad.serveHeaders(chain)
    bad.n.network.handle('get_blocks', () => new Promise(() => undefined))
    const victim = await node(w, 'victim', await chainWith(fx, w.clock), {
      sync: { blockRequestTimeoutMs: 600_000 },
    })
    await victim.network.dial('memory://slowpoke', { kind: 'manual' })
    await until(w.clock, () => victim.chain.bestHeader().height === 120)
    await node(w, 'honest', await chainWith(fx, w.clock, chain))
    await victim.network.dial('memory://honest', { kind: 'full-relay' })
    await until(w.clock, () => victim.chain.tip().height === 120)
    expect(victim.sync.stats().stalls).toBeGreaterThanOrEqual(1)
    expect(victim.network.getPeer(bad.n.network.peerId)).toBeDefined()
  })

  it('a peer that answers ranges with nothing is rotated, not asked again in a loop', async () => {
    const w = world()
    const fx = fixture()
    const chain = blocks(fx, 120, { txs: 1 })
    const bad = await hostile(w, fx, 'empty', chain)
    bad.serveHeaders(chain)
    bad.n.network.handle('get_blocks', () => {
      bad.count('get_blocks')
      return { type: 'blocks', data: { blocks: [] } }
    })
    const victim = await node(w, 'victim', await chainWith(fx, w.clock))
    await victim.network.dial('memory://empty')
    await until(w.clock, () => victim.chain.bestHeader().height === 120)
    await w.clock.advanceAsync(5_000)
    const early = bad.counts.get('get_blocks') ?? 0
    expect(early).toBeGreaterThanOrEqual(1)
    expect(early).toBeLessThanOrEqual(4) // 16 in flight = 2 requests, then a cooldown
    await node(w, 'honest', await chainWith(fx, w.clock, chain))
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.chain.tip().height === 120)
    expect(victim.sync.stats().emptyAnswers).toBeGreaterThanOrEqual(1)
    expect(bad.counts.get('get_blocks') ?? 0).toBeLessThanOrEqual(12)
  })

  it('an invalid block in the middle of IBD: the sender is reported, the block comes from another peer', async () => {
    const w = world()
    const fx = fixture()
    const chain = blocks(fx, 120, { txs: 1 })
    const extra = transfer(fx.network, fx.faucet, wallet().key)
    const byHash = new Map(chain.map((b) => [Buffer.from(headerHash(b.header)).toString('hex'), b]))
    const bad = await hostile(w, fx, 'forger', chain)
    bad.serveHeaders(chain)
    bad.n.network.handle('get_blocks', (m) => {
      if (m.data.by !== 'hashes') return { type: 'blocks', data: { blocks: [] } }
      const found = m.data.hashes.map((h) => byHash.get(Buffer.from(h).toString('hex')) as Block)
      const forged = found.map((b) =>
        b.header.height === 60 ? { header: b.header, transactions: [...b.transactions, extra] } : b,
      )
      return { type: 'blocks', data: { blocks: forged } }
    })
    const victim = await node(w, 'victim', await chainWith(fx, w.clock))
    await victim.network.dial('memory://forger')
    await until(w.clock, () => reportsOf(victim, bad.n, 'bad-block').length > 0)
    expect(victim.chain.tip().height).toBe(59)
    expect(reportsOf(victim, bad.n, 'bad-block')[0]?.detail).toContain('ERR_BAD_MERKLE_ROOT')
    await node(w, 'honest', await chainWith(fx, w.clock, chain))
    await victim.network.dial('memory://honest')
    await until(w.clock, () => victim.chain.tip().height === 120)
    expect(victim.sync.stats().blocksInvalid).toBe(1)
  })
})

describe('bad compact blocks', () => {
  /** A victim and a peer synced on `base`, and the next block of 4 transfers, which the peer has. */
  async function synced(w: World, fx: Fixture) {
    const base = blocks(fx, 3)
    const txs = Array.from({ length: 4 }, () => transfer(fx.network, fx.faucet, wallet().key))
    const next = fx.builder.next(base[2] as Block, txs)
    const peerChain = await chainWith(fx, w.clock, [...base, next])
    const peer = await hostile(w, fx, 'peer', [...base, next], peerChain)
    peer.n.network.handle('block_request', async (m) => {
      peer.count('block_request')
      const block = m.data.by === 'hash' ? await peerChain.getBlock(m.data.hash) : undefined
      return { type: 'block_response', data: block === undefined ? {} : { block } }
    })
    const victim = await node(w, 'victim', await chainWith(fx, w.clock, base))
    await victim.network.dial('memory://peer')
    return { victim, peer, next, txs }
  }

  it('a compact block whose short ids collide falls back to the full block, without blaming the sender', async () => {
    const w = world()
    const fx = fixture()
    const { victim, peer, next, txs } = await synced(w, fx)
    for (const tx of txs) await victim.chain.acceptTransaction(tx)
    const hash = headerHash(next.header)
    const compact = buildCompactBlock(next, hash, 5n, (t) => victim.chain.transactionHash(t))
    const key = shortIdKey(hash, 5n)
    writeShortId(compact.shortIds, 6, shortId(key, victim.chain.transactionHash(txs[0] as (typeof txs)[0])))
    peer.n.network.trySend(victim.network.peerId, { type: 'compact_block', data: compact })
    await until(w.clock, () => victim.chain.tip().height === 4)
    expect(victim.sync.stats().compactFallbacks).toBe(1)
    expect(peer.counts.get('block_request')).toBe(1)
    expect(reportsOf(victim, peer.n)).toEqual([])
  })

  it('block_txs with the wrong transactions: the sender is reported and the full block is fetched', async () => {
    const w = world()
    const fx = fixture()
    const { victim, peer, next, txs } = await synced(w, fx)
    await victim.chain.acceptTransaction(txs[0] as (typeof txs)[0]) // the other three are missing
    const others = Array.from({ length: 3 }, () => transfer(fx.network, wallet(), wallet().key))
    peer.n.network.handle('get_block_txs', (m) => {
      peer.count('get_block_txs')
      return { type: 'block_txs', data: { blockHash: m.data.blockHash, transactions: others } }
    })
    const compact = buildCompactBlock(next, headerHash(next.header), 9n, (t) =>
      victim.chain.transactionHash(t),
    )
    peer.n.network.trySend(victim.network.peerId, { type: 'compact_block', data: compact })
    await until(w.clock, () => victim.chain.tip().height === 4)
    expect(peer.counts.get('get_block_txs')).toBe(1)
    expect(peer.counts.get('block_request')).toBe(1)
    expect(reportsOf(victim, peer.n, 'invalid-message')[0]?.detail).toContain('block_txs')
    const s = victim.sync.stats()
    expect([s.compactRoundTrips, s.compactFallbacks]).toEqual([1, 1])
  })
})

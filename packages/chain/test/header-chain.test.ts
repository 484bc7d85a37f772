import type { Block } from '@chainwire/protocol-codec'
import { MemoryLevel } from 'memory-level'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createHeaderChain,
  createMerkleProof,
  type HeaderChain,
  headerBytes,
  headerHash,
  type ReorgEvent,
  toHex,
  transactionHash,
} from '../src/index'
import { BlockBuilder, startChain, testClock, testNetwork, transfer, wallet } from './helpers'

const open: { stop(): Promise<void> }[] = []
afterEach(async () => {
  for (const c of open.splice(0)) await c.stop()
})

async function headerChain(network = testNetwork(), db = new MemoryLevel()): Promise<HeaderChain> {
  const c = createHeaderChain({ clock: testClock() }, { network, db })
  await c.start()
  open.push(c)
  return c
}

const headersOf = (blocks: readonly Block[]) => blocks.map((b) => b.header)

describe('HeaderChain', () => {
  it('follows the most-work header chain, reorganises, and agrees with the full chain', async () => {
    const network = testNetwork()
    const builder = new BlockBuilder(network)
    const hc = await headerChain(network)
    const full = await startChain(network)
    open.push(full)
    const main = builder.chain(network.genesis, 30)
    const side = builder.chain(main[19] as Block, 15, () => [], wallet().key)
    const reorgs: ReorgEvent[] = []
    const tips: number[] = []
    hc.on('reorg', (e) => reorgs.push(e))
    hc.on('tip', (t) => tips.push(t.height))
    expect(await hc.acceptHeaders(headersOf(main))).toEqual({ accepted: 30 })
    expect(hc.tip().height).toBe(30)
    expect(await hc.acceptHeaders(headersOf(side))).toEqual({ accepted: 15 })
    expect(hc.tip().hash).toEqual(headerHash((side[14] as Block).header))
    expect(reorgs).toEqual([
      expect.objectContaining({
        depth: 10,
        fork: { hash: headerHash((main[19] as Block).header), height: 20 },
      }),
    ])
    expect(tips).toEqual([30, 35])
    for (const b of [...main, ...side]) await full.acceptBlock(b)
    expect(hc.tip()).toEqual(full.tip())
    expect(hc.locator()).toEqual(full.locator())
    // The abandoned headers are kept as a fork: extending them reorganises back.
    const back = builder.chain(main[29] as Block, 6)
    expect(await hc.acceptHeaders(headersOf(back))).toEqual({ accepted: 6 })
    for (const b of back) await full.acceptBlock(b)
    expect(hc.tip()).toEqual(full.tip())
  })

  it('refuses bad proof of work, wrong bits, old timestamps and unknown parents with typed codes', async () => {
    const network = testNetwork()
    const builder = new BlockBuilder(network)
    const hc = await headerChain(network)
    const [b1, b2] = builder.chain(network.genesis, 2) as [Block, Block]
    expect(await hc.acceptHeaders([b2.header])).toEqual({
      accepted: 0,
      invalid: { index: 0, code: 'ERR_UNKNOWN_PARENT', penalty: false },
    })
    expect(await hc.acceptHeaders([{ ...b1.header, bits: 0x1d00ffff }])).toMatchObject({
      invalid: { code: 'ERR_BAD_POW' },
    })
    const wrongBits = builder.next(network.genesis, [], { bits: 0x2000ffff, miner: wallet().key })
    expect(await hc.acceptHeaders([wrongBits.header])).toMatchObject({ invalid: { code: 'ERR_BAD_BITS' } })
    const old = builder.next(network.genesis, [], {
      timestamp: network.genesis.header.timestamp,
      miner: wallet().key,
    })
    expect(await hc.acceptHeaders([old.header])).toMatchObject({ invalid: { code: 'ERR_TIME_TOO_OLD' } })
    expect(await hc.acceptHeaders([b1.header, b2.header])).toEqual({ accepted: 2 })
  })

  it('persists the best chain and reopens it', async () => {
    const network = testNetwork()
    const builder = new BlockBuilder(network)
    const db = new MemoryLevel()
    const hc = createHeaderChain({ clock: testClock() }, { network, db })
    await hc.start()
    const blocks = builder.chain(network.genesis, 300)
    await hc.acceptHeaders(headersOf(blocks))
    const tip = hc.tip()
    await hc.stop()
    const again = await headerChain(network, db)
    expect(again.tip()).toEqual(tip)
    expect(await again.getHeader(150)).toEqual((blocks[149] as Block).header)
    expect(again.hasHeader(headerHash((blocks[10] as Block).header))).toBe(true)
  })

  it('stores the branch a batch reorganises onto and extends, and reopens on it', async () => {
    const network = testNetwork()
    const builder = new BlockBuilder(network)
    const db = new MemoryLevel()
    const hc = createHeaderChain({ clock: testClock() }, { network, db })
    await hc.start()
    const main = builder.chain(network.genesis, 30)
    expect(await hc.acceptHeaders(headersOf(main))).toEqual({ accepted: 30 })
    // 15 headers from height 21: the 11th makes the fork lead (a reorg), the last 4 extend the new tip.
    const side = builder.chain(main[19] as Block, 15, () => [], wallet().key)
    expect(await hc.acceptHeaders(headersOf(side))).toEqual({ accepted: 15 })
    const tip = hc.tip()
    expect(tip.height).toBe(35)
    await hc.stop()
    const again = await headerChain(network, db)
    expect(again.tip()).toEqual(tip)
    for (let h = 1; h <= 35; h++) {
      const expected = h <= 20 ? (main[h - 1] as Block) : (side[h - 21] as Block)
      expect(await again.getHeader(h)).toEqual(expected.header)
    }
    // The reopened chain extends its tip with the retarget it rebuilt from the store.
    const more = builder.chain(side[14] as Block, 70)
    expect(await again.acceptHeaders(headersOf(more))).toEqual({ accepted: 70 })
  })

  it('checks the LWMA retarget off the pow limit across a reorg and a reopen, as the full chain computes it', async () => {
    // A harder genesis and uneven solve times: every child's bits move, so a wrong window is refused.
    const network = testNetwork({ genesisBits: 0x2000ffff, difficultyWindow: 10 })
    const builder = new BlockBuilder(network)
    const gaps = [300, 2_500, 900, 1_700, 400, 7_000, 150] // not a multiple of the window
    const run = (from: Block, n: number, offset: number): Block[] => {
      const out: Block[] = []
      let p = from
      for (let i = 0; i < n; i++) {
        const timestamp = p.header.timestamp + (gaps[(i + offset) % gaps.length] as number)
        p = builder.next(p, [], { timestamp, miner: offset === 0 ? undefined : wallet().key })
        out.push(p)
      }
      return out
    }
    const db = new MemoryLevel()
    const hc = createHeaderChain({ clock: testClock() }, { network, db })
    await hc.start()
    const main = run(network.genesis, 40, 0)
    expect(new Set(main.map((b) => b.header.bits)).size).toBeGreaterThan(10)
    expect(await hc.acceptHeaders(headersOf(main))).toEqual({ accepted: 40 })
    // A fork from height 25 whose faster blocks carry more work: the chain reorganises onto it mid-batch.
    const fork = run(main[24] as Block, 30, 3)
    expect(await hc.acceptHeaders(headersOf(fork))).toEqual({ accepted: 30 })
    expect(hc.tip().hash).toEqual(headerHash((fork[29] as Block).header))
    const bad = builder.next(fork[29] as Block, [], {
      timestamp: (fork[29] as Block).header.timestamp + 1_000,
    })
    expect(await hc.acceptHeaders([{ ...bad.header, bits: bad.header.bits - 1 }])).toMatchObject({
      invalid: { code: expect.stringMatching(/ERR_BAD_BITS|ERR_BAD_POW/) },
    })
    const tip = hc.tip()
    await hc.stop()
    const again = await headerChain(network, db)
    expect(again.tip()).toEqual(tip)
    expect(await again.acceptHeaders(headersOf(run(fork[29] as Block, 25, 5)))).toEqual({ accepted: 25 })
  })

  it('refuses a timestamp at median-time-past and accepts one above, with the last 11 in order or not, after a reorg', async () => {
    const network = testNetwork()
    const builder = new BlockBuilder(network)
    const grow = (from: Block, gaps: number[], miner = wallet().key): Block[] => {
      const out: Block[] = []
      let p = from
      for (const gap of gaps) {
        p = builder.next(p, [], { timestamp: p.header.timestamp + gap, miner })
        out.push(p)
      }
      return out
    }
    /** Median-time-past of a child of the last block of `line` (genesis first), computed here by sorting. */
    const mtpOf = (line: Block[]): number => {
      const ts = line.slice(-11).map((b) => b.header.timestamp)
      return ts.sort((x, y) => x - y)[5] as number
    }
    const expectBoundary = async (hc: HeaderChain, line: Block[]): Promise<void> => {
      const tip = line[line.length - 1] as Block
      const mtp = mtpOf(line)
      const at = builder.next(tip, [], { timestamp: mtp, miner: wallet().key })
      expect(await hc.acceptHeaders([at.header])).toMatchObject({ invalid: { code: 'ERR_TIME_TOO_OLD' } })
      const above = builder.next(tip, [], { timestamp: mtp + 1, miner: wallet().key })
      expect(await hc.acceptHeaders([above.header])).toEqual({ accepted: 1 })
    }
    const inOrder = grow(
      network.genesis,
      Array.from({ length: 15 }, (_, i) => 400 + 150 * i),
    )
    const dip = grow(
      network.genesis,
      [1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, -2_500, 3_000, 200, 4_000, 100],
    )
    for (const line of [inOrder, dip]) {
      const hc = await headerChain(network)
      expect(await hc.acceptHeaders(headersOf(line))).toEqual({ accepted: 15 })
      await expectBoundary(hc, [network.genesis, ...line])
    }
    // A main chain whose timestamp dips at height 10, and a fork from there that leads with 3 headers: after
    // the reorg the new tip's last 11 hold the dip in their newer half, so the middle one is not the median.
    const main = grow(
      network.genesis,
      [1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, -2_500, 5_000, 1_000],
    )
    const fork = grow(main[9] as Block, [300, 300, 300])
    const hc = await headerChain(network)
    expect(await hc.acceptHeaders(headersOf(main))).toEqual({ accepted: 12 })
    expect(await hc.acceptHeaders(headersOf(fork))).toEqual({ accepted: 3 })
    expect(hc.tip().height).toBe(13)
    await expectBoundary(hc, [network.genesis, ...main.slice(0, 10), ...fork])
  })

  it("writes through a nested sublevel on the root database, in the sublevel's own keys", async () => {
    const network = testNetwork()
    const builder = new BlockBuilder(network)
    const root = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' })
    const view = { keyEncoding: 'view', valueEncoding: 'view' } as const
    const sub = () =>
      root.sublevel<Uint8Array, Uint8Array>('light', view).sublevel<Uint8Array, Uint8Array>('headers', view)
    const hc = createHeaderChain({ clock: testClock() }, { network, db: sub() })
    await hc.start()
    const main = builder.chain(network.genesis, 40)
    const side = builder.chain(main[29] as Block, 15, () => [], wallet().key)
    await hc.acceptHeaders(headersOf(main))
    expect(await hc.acceptHeaders(headersOf(side))).toEqual({ accepted: 15 })
    const tip = hc.tip()
    await hc.stop()
    // Every key sits under the nested prefix, and the sublevel reads the records back by itself.
    const prefix = new TextEncoder().encode('!light!!headers!')
    const keys: Uint8Array[] = []
    for await (const k of root.keys()) keys.push(k)
    expect(keys.length).toBeGreaterThan(45)
    for (const k of keys) expect(new Uint8Array(k.subarray(0, prefix.length))).toEqual(prefix)
    const record = await sub().get(Uint8Array.of(0x68, 0, 0, 0, 0, 0, 0, 0, 45))
    expect(new Uint8Array(record ?? [])).toEqual(headerBytes((side[14] as Block).header))
    const again = await headerChain(network, sub() as never)
    expect(again.tip()).toEqual(tip)
    expect(await again.getHeader(31)).toEqual((side[0] as Block).header)
    expect(await again.getHeader(30)).toEqual((main[29] as Block).header)
  })

  it('verifies merkle proofs against headers of its chain', async () => {
    const network = testNetwork({ genesisTo: undefined })
    const funded = wallet()
    const net = testNetwork({ genesisTo: funded.key })
    const builder = new BlockBuilder(net)
    const tx = transfer(net, funded, wallet().key, 1n)
    const blocks = builder.chain(net.genesis, 3, (i) => (i === 0 ? [tx] : []))
    const hc = await headerChain(net)
    await hc.acceptHeaders(headersOf(blocks))
    const b1 = blocks[0] as Block
    const proof = createMerkleProof(b1.header, b1.transactions.map(transactionHash), 1)
    expect(hc.verifyProof(proof, transactionHash(tx))).toBe(true)
    expect(hc.verifyProof(proof, transactionHash(tx), { minConfirmations: 3 })).toBe(true)
    expect(hc.verifyProof(proof, transactionHash(tx), { minConfirmations: 4 })).toBe(false)
    expect(hc.verifyProof(proof, new Uint8Array(32))).toBe(false)
    const foreign = new BlockBuilder(network).next(network.genesis)
    expect(hc.verifyProof({ ...proof, header: foreign.header }, transactionHash(tx))).toBe(false)
  })

  it('keeps well under 120 bytes of memory per header', async () => {
    const network = testNetwork()
    const builder = new BlockBuilder(network)
    const hc = await headerChain(network)
    await hc.acceptHeaders(headersOf(builder.chain(network.genesis, 2_000)))
    const m = hc.memoryBytes()
    expect(m.headers).toBe(2_001)
    expect(m.perHeader).toBeLessThanOrEqual(120)
    expect(toHex(hc.headerHashAt(0) as Uint8Array)).toBe(toHex(network.genesisHash))
  })
})

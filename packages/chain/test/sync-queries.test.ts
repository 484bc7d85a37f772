import type { Block } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createHeaderChain,
  type FullChain,
  type HeaderChain,
  headerHash,
  transactionHash,
} from '../src/index'
import { BlockBuilder, startChain, testClock, testNetwork, transfer, wallet } from './helpers'

/**
 * What header-first sync asks of a chain besides accepting headers and blocks (the `SyncChain` contract of
 * `@chainwire/sync`, whose own tests hold this chain to it at the type level and over real networks).
 */
const open: (FullChain | HeaderChain)[] = []
afterEach(async () => {
  for (const c of open.splice(0)) await c.stop()
})

describe('the queries of header-first sync', () => {
  it('the best header chain ahead of the tip: hashes by height, points, locators from any header', async () => {
    const funded = wallet()
    const network = testNetwork({ genesisTo: funded.key })
    const chain = await startChain(network)
    open.push(chain)
    const builder = new BlockBuilder(network)
    const main = builder.chain(network.genesis, 40)
    const fork = builder.chain(main[19] as Block, 5, () => [], new Uint8Array(32).fill(7))
    expect(await chain.acceptHeaders(main.map((b) => b.header))).toEqual({ accepted: 40 })
    expect(await chain.acceptHeaders(fork.map((b) => b.header))).toEqual({ accepted: 5 })
    for (const b of main.slice(0, 10)) expect(await chain.acceptBlock(b)).toBe('connected')
    expect(chain.tip().height).toBe(10)
    expect(chain.bestHeader().height).toBe(40)
    for (const h of [0, 10, 11, 25, 40]) {
      const expected = h === 0 ? network.genesisHash : headerHash((main[h - 1] as Block).header)
      expect(chain.headerHashAt(h)).toEqual(expected)
    }
    expect(chain.headerHashAt(41)).toBeUndefined()
    const top = chain.headerPoint(headerHash((main[39] as Block).header))
    expect(top).toEqual(chain.bestHeader())
    const side = chain.headerPoint(headerHash((fork[4] as Block).header))
    expect(side?.height).toBe(25)
    expect(side !== undefined && top !== undefined && side.work < top.work).toBe(true)
    // a locator from a fork header walks that fork down to where it left the main chain
    const loc = chain.locator(headerHash((fork[4] as Block).header))
    expect(loc.slice(0, 6)).toEqual(
      [...fork]
        .reverse()
        .map((b) => headerHash(b.header))
        .concat([headerHash((main[19] as Block).header)]),
    )
    expect(loc[loc.length - 1]).toEqual(network.genesisHash)
    expect(chain.locator()[0]).toEqual(headerHash((main[39] as Block).header))
    // the header-only chain answers the same
    const light = createHeaderChain({ clock: testClock() }, { network })
    open.push(light)
    await light.start()
    await light.acceptHeaders(main.map((b) => b.header))
    await light.acceptHeaders(fork.map((b) => b.header))
    expect(light.headerHashAt(25)).toEqual(chain.headerHashAt(25))
    expect(light.headerPoint(headerHash((main[39] as Block).header))).toEqual(top)
    expect(light.headerPoint(headerHash((fork[4] as Block).header))).toEqual(side)
    expect(light.locator(headerHash((fork[4] as Block).header))).toEqual(loc)
    expect(light.bestHeader()).toEqual(light.tip())
  })

  it('checks a header against its parent alone, without storing it', async () => {
    const network = testNetwork()
    const chain = await startChain(network)
    open.push(chain)
    const [b1, b2] = new BlockBuilder(network).chain(network.genesis, 2) as [Block, Block]
    const genesis = { hash: network.genesisHash, height: 0 }
    const p1 = { hash: headerHash(b1.header), height: 1 }
    const checked = chain.checkHeaderLink(b2.header, p1)
    expect('work' in checked && checked.work > 0n).toBe(true)
    expect(chain.checkHeaderLink(b2.header, genesis)).toEqual({ invalid: 'ERR_NOT_CONTINUOUS' })
    expect(chain.checkHeaderLink({ ...b2.header, height: 5 }, p1)).toMatchObject({
      invalid: expect.any(String),
    })
    // at the easiest target about every other nonce fails: the first one that does is refused for its pow
    let bad: { invalid: string } | undefined
    for (let n = 1; bad === undefined && n < 64; n++) {
      const r = chain.checkHeaderLink({ ...b2.header, nonce: b2.header.nonce + n }, p1)
      if ('invalid' in r) bad = r
    }
    expect(bad).toEqual({ invalid: 'ERR_BAD_POW' })
    expect(chain.hasHeader(headerHash(b2.header))).toBe(false)
  })

  it('merkle roots of rebuilt bodies, mempool ids and membership', async () => {
    const funded = wallet()
    const network = testNetwork({ genesisTo: funded.key })
    const chain = await startChain(network)
    open.push(chain)
    const txs = [1n, 2n, 3n].map((a) => transfer(network, funded, wallet().key, a))
    for (const tx of txs) expect(await chain.acceptTransaction(tx)).toBe('accepted')
    expect(chain.mempoolIds()).toEqual(txs.map(transactionHash))
    expect(chain.mempoolIds(2)).toEqual(txs.slice(0, 2).map(transactionHash))
    expect(chain.hasTransaction(transactionHash(txs[1] as (typeof txs)[0]))).toBe(true)
    expect(chain.hasTransaction(new Uint8Array(32))).toBe(false)
    const block = new BlockBuilder(network).next(network.genesis, txs)
    expect(chain.checkMerkleRoot(block)).toBe(true)
    expect(chain.checkMerkleRoot({ ...block, transactions: [...block.transactions].reverse() })).toBe(false)
    expect(
      chain.checkMerkleRoot({ ...block, transactions: [...block.transactions, txs[2] as (typeof txs)[0]] }),
    ).toBe(false)
  })
})

import { createHeaderChain, type FullChain, type HeaderChain } from '@chainwire/chain'
import { ManualClock } from '@chainwire/interface/testing'
import type { Block } from '@chainwire/protocol-codec'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { SyncChain, SyncHeaderChain } from '../src/index'
import { blocks, chainWith, fixture, NOW, transfer, wallet } from './helpers/chain'

/**
 * `@chainwire/chain` satisfies sync's `SyncChain` structurally (neither package imports the other's sources):
 * if either side drifts, this file stops compiling (`tsc -p packages/sync`). The runtime tests drive every
 * member through the contract types alone.
 */
describe('SyncChain (DESIGN.md §8) against @chainwire/chain', () => {
  it('FullChain is a SyncChain, and HeaderChain a SyncHeaderChain (type level)', () => {
    expectTypeOf<FullChain>().toExtend<SyncChain>()
    expectTypeOf<HeaderChain>().toExtend<SyncHeaderChain>()
  })

  it('a FullChain works through the contract alone', async () => {
    const fx = fixture()
    const clock = new ManualClock({ start: NOW })
    const full = await chainWith(fx, clock)
    const chain: SyncChain = full
    const bs = blocks(fx, 3, { txs: 1 })
    const [b1, b2, b3] = bs as [Block, Block, Block]
    const tips: number[] = []
    const onTip = (t: { height: number }) => tips.push(t.height)
    chain.on('tip', onTip)
    const h1 = chain.headerHash(b1.header)
    expect(chain.checkHeaderLink(b1.header, { hash: fx.network.genesisHash, height: 0 }, h1)).toEqual({
      work: 2n,
    })
    expect(chain.hasHeader(h1)).toBe(false) // checking a link stores nothing
    expect(await chain.acceptHeaders(bs.map((b) => b.header))).toEqual({ accepted: 3 })
    expect(chain.bestHeader().height).toBe(3)
    expect(chain.headerHashAt(2)).toEqual(chain.headerHash(b2.header))
    expect(chain.headerPoint(h1)?.height).toBe(1)
    expect(chain.locator(h1)).toEqual([h1, fx.network.genesisHash])
    expect(chain.checkMerkleRoot(b3)).toBe(true)
    for (const b of bs) expect(await chain.acceptBlock(b)).toBe('connected')
    expect(await chain.acceptBlock(b3)).toBe('duplicate')
    expect(chain.tip().height).toBe(3)
    expect(chain.hasBlock(chain.headerHash(b3.header))).toBe(true)
    expect(chain.headersAfter([fx.network.genesisHash], undefined, 10)).toHaveLength(3)
    expect(await chain.getBlockRange(1, 3)).toEqual(bs)
    expect(await chain.getBlock(h1)).toEqual(b1)
    const txHash = chain.transactionHash(b2.transactions[1] as Block['transactions'][number])
    expect((await chain.proof(chain.headerHash(b2.header), txHash))?.index).toBe(1)
    expect(chain.minimumChainWork).toBe(0n)
    const tx = transfer(fx.network, fx.faucet, wallet().key)
    expect(await chain.acceptTransaction(tx)).toBe('accepted')
    expect(await chain.acceptTransaction(tx)).toBe('duplicate')
    expect(await chain.acceptTransaction({ ...tx, amount: 2n })).toEqual({
      invalid: 'ERR_BAD_SIGNATURE',
      penalty: true,
    })
    expect(chain.mempoolIds(10)).toEqual([chain.transactionHash(tx)])
    expect(chain.hasTransaction(chain.transactionHash(tx))).toBe(true)
    expect(chain.getTransaction(chain.transactionHash(tx))).toEqual(tx)
    const orphan = blocks(fx, 2, { parent: b3 })[1] as Block
    expect(await chain.acceptBlock(orphan)).toEqual({ invalid: 'ERR_UNKNOWN_PARENT', penalty: false })
    chain.off('tip', onTip)
    expect(tips).toEqual([1, 2, 3])
    await full.stop()
  })

  it('a HeaderChain works through the header part alone', async () => {
    const fx = fixture()
    const light = createHeaderChain({ clock: new ManualClock({ start: NOW }) }, { network: fx.network })
    await light.start()
    const chain: SyncHeaderChain = light
    const bs = blocks(fx, 5)
    expect(await chain.acceptHeaders(bs.map((b) => b.header))).toEqual({ accepted: 5 })
    expect(chain.bestHeader()).toEqual(chain.tip())
    expect(chain.headerPoint(chain.headerHash((bs[4] as Block).header))).toEqual(chain.tip())
    expect(chain.headerHashAt(5)).toEqual(chain.tip().hash)
    expect(chain.locator()[0]).toEqual(chain.tip().hash)
    await light.stop()
  })
})

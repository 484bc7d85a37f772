import { MemoryMetrics } from '@chainwire/interface/testing'
import type { Block } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createChain,
  type FullChain,
  headerHash,
  type ReorgEvent,
  toHex,
  transactionHash,
} from '../src/index'
import {
  BlockBuilder,
  chainState,
  replayState,
  startChain,
  testClock,
  testNetwork,
  transfer,
  wallet,
} from './helpers'

const chains: FullChain[] = []
afterEach(async () => {
  for (const c of chains.splice(0)) await c.stop()
})

async function setup(funded = wallet()) {
  const network = testNetwork({ genesisTo: funded.key })
  const chain = await startChain(network)
  chains.push(chain)
  return { network, chain, builder: new BlockBuilder(network), funded }
}

describe('FullChain: connection', () => {
  it('connects blocks, moves the tip and applies transfers, coinbase and fees', async () => {
    const { network, chain, builder, funded } = await setup()
    const bob = wallet()
    const tips: number[] = []
    chain.on('tip', (t) => tips.push(t.height))
    const tx = transfer(network, funded, bob.key, 1_000n, 300n)
    const [b1, b2] = builder.chain(network.genesis, 2, (i) => (i === 1 ? [tx] : []))
    expect(await chain.acceptBlock(b1 as Block)).toBe('connected')
    expect(await chain.acceptBlock(b2 as Block)).toBe('connected')
    expect(await chain.acceptBlock(b2 as Block)).toBe('duplicate')
    expect(chain.tip().height).toBe(2)
    expect(tips).toEqual([1, 2])
    expect(await chain.account(bob.key)).toEqual({ balance: 1_000n, nonce: 0 })
    expect(await chain.account(funded.key)).toEqual({ balance: 1_000_000_000n - 1_300n, nonce: 1 })
    expect((await chain.account(builder.miner)).balance).toBe(50n + 50n + 300n)
    expect(await chainState(chain)).toEqual(replayState(network, [b1 as Block, b2 as Block]))
  })

  it('serves headers after a locator, block ranges and merkle proofs', async () => {
    const { network, chain, builder, funded } = await setup()
    const tx = transfer(network, funded, wallet().key, 5n)
    const blocks = builder.chain(network.genesis, 12, (i) => (i === 5 ? [tx] : []))
    for (const b of blocks) expect(await chain.acceptBlock(b)).toBe('connected')
    const locator = chain.locator()
    expect(locator[0]).toEqual(headerHash((blocks[11] as Block).header))
    expect(locator.at(-1)).toEqual(network.genesisHash)
    const after = chain.headersAfter([headerHash((blocks[3] as Block).header)], undefined, 5)
    expect(after.map((h) => h.height)).toEqual([5, 6, 7, 8, 9])
    const stop = headerHash((blocks[6] as Block).header)
    expect(chain.headersAfter([new Uint8Array(32).fill(9)], stop, 100).map((h) => h.height)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ])
    const range = await chain.getBlockRange(3, 4)
    expect(range.map((b) => b.header.height)).toEqual([3, 4, 5, 6])
    const blockHash = headerHash((blocks[5] as Block).header)
    const proof = await chain.proof(blockHash, transactionHash(tx))
    expect(proof?.index).toBe(1)
    expect(await chain.proof(blockHash, new Uint8Array(32))).toBeUndefined()
  })

  it('accepts headers first, then stores bodies that arrive out of order and connects them', async () => {
    const { network, chain, builder } = await setup()
    const blocks = builder.chain(network.genesis, 5)
    expect(await chain.acceptHeaders(blocks.map((b) => b.header))).toEqual({ accepted: 5 })
    expect(chain.bestHeader().height).toBe(5)
    expect(chain.tip().height).toBe(0)
    expect(await chain.acceptBlock(blocks[2] as Block)).toBe('stored')
    expect(await chain.acceptBlock(blocks[0] as Block)).toBe('connected')
    expect(chain.tip().height).toBe(1)
    expect(await chain.acceptBlock(blocks[1] as Block)).toBe('connected')
    expect(chain.tip().height).toBe(3)
  })

  it('refuses an unknown parent without remembering the block as invalid', async () => {
    const { network, chain, builder } = await setup()
    const [b1, b2] = builder.chain(network.genesis, 2)
    expect(await chain.acceptBlock(b2 as Block)).toEqual({ invalid: 'ERR_UNKNOWN_PARENT', penalty: false })
    expect(await chain.acceptBlock(b1 as Block)).toBe('connected')
    expect(await chain.acceptBlock(b2 as Block)).toBe('connected')
  })

  it('reports a header batch that does not link', async () => {
    const { network, chain, builder } = await setup()
    const a = builder.chain(network.genesis, 3)
    const r = await chain.acceptHeaders([(a[0] as Block).header, (a[2] as Block).header])
    expect(r).toEqual({ accepted: 1, invalid: { index: 1, code: 'ERR_NOT_CONTINUOUS', penalty: true } })
  })
})

describe('FullChain: reorgs', () => {
  it('reorganises to the branch with more work, replays orphaned transactions and emits reorg', async () => {
    const { network, chain, builder, funded } = await setup()
    const bob = wallet()
    const tx = transfer(network, funded, bob.key, 10_000n)
    const main = builder.chain(network.genesis, 3, (i) => (i === 2 ? [tx] : []))
    for (const b of main) await chain.acceptBlock(b)
    expect(chain.mempoolIds()).toHaveLength(0)
    const reorgs: ReorgEvent[] = []
    chain.on('reorg', (e) => reorgs.push(e))
    const side = builder.chain(main[0] as Block, 3, () => [], wallet().key)
    expect(await chain.acceptBlock(side[0] as Block)).toBe('stored')
    expect(await chain.acceptBlock(side[1] as Block)).toBe('stored')
    expect(await chain.acceptBlock(side[2] as Block)).toBe('connected')
    expect(chain.tip().hash).toEqual(headerHash((side[2] as Block).header))
    expect(reorgs).toHaveLength(1)
    expect(reorgs[0]?.depth).toBe(2)
    expect(reorgs[0]?.removed.map(toHex)).toEqual(
      [main[2], main[1]].map((b) => toHex(headerHash((b as Block).header))),
    )
    expect(reorgs[0]?.added).toHaveLength(3)
    // The transfer of the abandoned branch is pending again, and the state is the new branch's.
    expect(chain.mempoolIds().map(toHex)).toEqual([toHex(transactionHash(tx))])
    expect(await chain.account(bob.key)).toEqual({ balance: 0n, nonce: 0 })
    expect(await chainState(chain)).toEqual(replayState(network, [main[0] as Block, ...side]))
  })

  it('records metrics of connections, reorgs and invalid blocks', async () => {
    const metrics = new MemoryMetrics()
    const network = testNetwork()
    const chain = createChain({ clock: testClock(), metrics }, { network })
    await chain.start()
    chains.push(chain)
    const builder = new BlockBuilder(network)
    const a = builder.chain(network.genesis, 2)
    const b = builder.chain(network.genesis, 3, () => [], wallet().key)
    for (const x of [...a, ...b]) await chain.acceptBlock(x)
    await chain.acceptBlock(builder.next(b[2] as Block, [], { coinbaseAmount: 999n }))
    expect(metrics.get('chainwire_chain_blocks_connected_total')).toBe(5)
    expect(metrics.get('chainwire_chain_blocks_disconnected_total')).toBe(2)
    expect(metrics.get('chainwire_chain_reorgs_total')).toBe(1)
    expect(metrics.observations('chainwire_chain_reorg_depth')).toEqual([2])
    expect(metrics.get('chainwire_chain_tip_height')).toBe(3)
    expect(metrics.get('chainwire_chain_invalid_total', { code: 'ERR_BAD_COINBASE' })).toBe(1)
    expect(metrics.get('chainwire_chain_headers_total')).toBe(6)
  })

  it('keeps the first-seen tip between branches of equal work', async () => {
    const { network, chain, builder } = await setup()
    const a = builder.chain(network.genesis, 2)
    const b = builder.chain(network.genesis, 2, () => [], wallet().key)
    for (const x of a) await chain.acceptBlock(x)
    for (const x of b) expect(await chain.acceptBlock(x)).toBe('stored')
    expect(chain.tip().hash).toEqual(headerHash((a[1] as Block).header))
  })

  it('marks a branch invalid when one of its blocks overspends, and stays on the valid chain', async () => {
    const { network, chain, builder, funded } = await setup()
    const poor = wallet()
    const main = builder.chain(network.genesis, 2)
    for (const b of main) await chain.acceptBlock(b)
    const bad = transfer(network, poor, funded.key, 1n)
    const side1 = builder.next(network.genesis, [], { miner: wallet().key })
    const side2 = builder.next(side1, [bad])
    const side3 = builder.next(side2)
    const invalid: string[] = []
    chain.on('block:invalid', (e) => invalid.push(e.code))
    expect(await chain.acceptBlock(side1)).toBe('stored')
    expect(await chain.acceptBlock(side2)).toBe('stored')
    expect(await chain.acceptBlock(side3)).toEqual({ invalid: 'ERR_INVALID_PARENT', penalty: true })
    expect(invalid).toEqual(['ERR_INSUFFICIENT_FUNDS'])
    expect(chain.tip().hash).toEqual(headerHash((main[1] as Block).header))
    expect(chain.hasHeader(headerHash(side2.header))).toBe(false)
    expect(await chainState(chain)).toEqual(replayState(network, main))
    // Its descendants are refused from now on, cheaply.
    expect(await chain.acceptBlock(builder.next(side3))).toEqual({
      invalid: 'ERR_INVALID_PARENT',
      penalty: true,
    })
  })
})

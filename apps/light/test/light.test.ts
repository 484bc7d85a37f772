import { headerHash, toHex, transactionHash } from '@chainwire/chain'
import { afterEach, describe, expect, it } from 'vitest'
import type { WatchedTransaction } from '../src/index'
import { cleanup, fullNode, lightClient, scenario, tempDir, until } from './helpers'

afterEach(cleanup)

describe('a light client against full nodes over loopback TCP', () => {
  it('syncs headers, accepts the tip only when two network groups agree, proves and watches transactions', async () => {
    const s = scenario(30)
    const a = await fullNode(s.network, s.blocks, { host: '127.0.0.1' })
    const b = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const client = await lightClient(s.network, { bootstrap: [a.address] })
    await until(() => client.bestHeader().height === 30, 15_000, 'headers from the first peer')
    // One network group alone is not enough to accept the tip.
    expect(client.tip().height).toBe(0)
    client.network.addPersistentPeer(b.address)
    await until(() => client.tip().height === 30, 15_000, 'two groups agreeing')
    expect(toHex(client.tip().hash)).toBe(
      toHex(headerHash((s.blocks[29] as (typeof s.blocks)[number]).header)),
    )

    const block3 = s.blocks[2] as (typeof s.blocks)[number]
    const proven = await client.verifyTransaction(transactionHash(s.paid), headerHash(block3.header))
    expect(proven).toMatchObject({ height: 3, index: 1, confirmations: 28, verified: true })

    const seen: WatchedTransaction[] = []
    const stream = client.watch(s.alice.key)
    for await (const tx of stream) {
      seen.push(tx)
      if (seen.length === 2) break
    }
    expect(seen.map((t) => [t.height, t.direction])).toEqual([
      [3, 'in'],
      [7, 'out'],
    ])
    expect(client.status().filterHeaders).toBe(30)
    // The client's filter headers match the full node's.
    expect(await client.filterHeader(30)).toEqual(await a.chain.filterHeader(client.tip().hash))
  })

  it('keeps headers, filter headers and watched keys across a restart on LevelDB', async () => {
    const s = scenario(20)
    const a = await fullNode(s.network, s.blocks, { host: '127.0.0.1' })
    const b = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const dir = tempDir()
    const first = await lightClient(s.network, { bootstrap: [a.address, b.address] }, dir)
    const stream = first.watch(s.bob.key)
    const found = await stream.next()
    expect(found.value?.height).toBe(7)
    await until(() => first.status().filterHeaders === 20, 15_000, 'filter headers')
    await first.stop()
    const again = await lightClient(s.network, {}, dir)
    expect(again.bestHeader().height).toBe(20)
    expect(again.status().filterHeaders).toBe(20)
    expect(again.status().watched).toEqual([toHex(s.bob.key)])
  })
})

describe('reorgs', () => {
  it('follows the full nodes to a branch with more work, and redoes the filter headers above the fork', async () => {
    const s = scenario(20)
    const a = await fullNode(s.network, s.blocks, { host: '127.0.0.1' })
    const b = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const client = await lightClient(s.network, { bootstrap: [a.address, b.address], pollIntervalMs: 200 })
    await until(() => client.tip().height === 20 && client.status().filterHeaders === 20, 15_000, 'synced')
    const reorgs: number[] = []
    client.on('reorg', (e) => reorgs.push(e.fork.height))
    // A branch from height 10 with more blocks: both full nodes switch to it.
    const branch = s.builder.chain(
      s.blocks[9] as (typeof s.blocks)[number],
      15,
      () => [],
      new Uint8Array(32).fill(5),
    )
    for (const blk of branch) {
      await a.chain.acceptBlock(blk)
      await b.chain.acceptBlock(blk)
    }
    const newTip = a.chain.tip()
    expect(newTip.height).toBe(25)
    await until(() => client.tip().height === 25, 15_000, 'the new branch verified')
    expect(reorgs).toEqual([10])
    expect(toHex(client.tip().hash)).toBe(toHex(newTip.hash))
    await until(() => client.status().filterHeaders === 25, 15_000, 'filter headers redone')
    expect(await client.filterHeader(25)).toEqual(await a.chain.filterHeader(newTip.hash))
    expect(await client.filterHeader(15)).toEqual(
      await a.chain.filterHeader(headerHash((branch[4] as (typeof branch)[number]).header)),
    )
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { node, stopAll, until, world } from './helpers/harness'
import { mineBlock, mineChain, TestLedger } from './helpers/ledger'

afterEach(stopAll)

const genesis = mineBlock(undefined, [])

describe('header-first sync and block download (real network, memory transport)', () => {
  it('an empty node syncs 300 blocks from two peers: headers first, then every block in order', async () => {
    const w = world()
    const chain = mineChain(genesis.header, 300, { txs: 2, txSize: 50 })
    const a = await node(w, 'a', TestLedger.withBlocks(genesis, chain))
    const b = await node(w, 'b', TestLedger.withBlocks(genesis, chain))
    const c = await node(w, 'c', new TestLedger(genesis))
    const states: string[] = []
    c.sync.on('state', (e) => states.push(e.to))
    await c.network.dial('memory://a')
    await c.network.dial('memory://b')
    await until(w.clock, () => c.ledger.tip().height === 300)
    expect(Buffer.from(c.ledger.tip().hash).equals(Buffer.from(a.ledger.tip().hash))).toBe(true)
    expect(c.ledger.acceptBlockCalls).toBe(300) // every block validated once, none downloaded twice
    const stats = c.sync.stats()
    expect(stats.blocksConnected).toBe(300)
    expect(stats.headersAccepted).toBe(300)
    await until(w.clock, () => c.sync.state() === 'synced')
    expect(states).toContain('synced')
    expect(c.reports).toEqual([])
    void b
  })
})

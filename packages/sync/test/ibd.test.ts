import { systemClock } from '@chainwire/interface'
import { createIdentity, createNetwork, createTcpTransport, type Network } from '@chainwire/network'
import { afterEach, describe, expect, it } from 'vitest'
import { createSync, SYNC_CAPABILITIES, type Sync } from '../src/index'
import { blocks, chainWith, fixture } from './helpers/chain'
import { node, stopAll, until, world } from './helpers/harness'

afterEach(stopAll)

describe('initial block download between real chains', () => {
  it('an empty node syncs 300 blocks from two peers over the memory transport: headers first, each block fetched and validated once', async () => {
    const w = world()
    const fx = fixture()
    const chain = blocks(fx, 300, { txs: 2 })
    const a = await node(w, 'a', await chainWith(fx, w.clock, chain))
    await node(w, 'b', await chainWith(fx, w.clock, chain))
    const c = await node(w, 'c', await chainWith(fx, w.clock))
    const states: string[] = []
    c.sync.on('state', (e) => states.push(e.to))
    await c.network.dial('memory://a')
    await c.network.dial('memory://b')
    await until(w.clock, () => c.chain.tip().height === 300)
    expect(c.chain.tip()).toEqual(a.chain.tip())
    expect(c.chain.stats().blocksValidated).toBe(300) // every block validated once
    const stats = c.sync.stats()
    expect(stats.blocksReceived).toBe(300) // none downloaded twice
    expect(stats.blocksConnected).toBe(300)
    expect(stats.headersAccepted).toBe(300)
    await until(w.clock, () => c.sync.state() === 'synced')
    expect(states.slice(0, 2)).toEqual(['headers', 'blocks'])
    expect(states).toContain('synced')
    expect(c.reports).toEqual([])
  })
})

describe('initial block download over real loopback TCP', () => {
  const open: { network: Network; sync: Sync; stop: () => Promise<void> }[] = []
  afterEach(async () => {
    for (const n of open.splice(0)) {
      n.sync.stop()
      await n.network.stop()
      await n.stop()
    }
  })

  it('a node syncs 150 blocks from a peer over TCP (port 0, system clock)', async () => {
    const fx = fixture()
    const chainBlocks = blocks(fx, 150, { txs: 1 })
    const start = async (connect: typeof chainBlocks) => {
      const chain = await chainWith(fx, systemClock, connect)
      const tip = chain.tip()
      const network = createNetwork(
        { identity: createIdentity(), transports: [createTcpTransport()] },
        {
          listen: ['tcp://127.0.0.1:0'],
          capabilities: [...SYNC_CAPABILITIES],
          localStatus: { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work },
        },
      )
      await network.start()
      const sync = createSync({ network, chain })
      sync.start()
      open.push({ network, sync, stop: () => chain.stop() })
      return { chain, network, sync }
    }
    const seed = await start(chainBlocks)
    const fresh = await start([])
    await fresh.network.dial(seed.network.listenAddresses()[0] as string)
    const deadline = Date.now() + 25_000
    while (fresh.chain.tip().height < 150 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    expect(fresh.chain.tip()).toEqual(seed.chain.tip())
    expect(fresh.sync.stats().blocksReceived).toBe(150)
  })
})

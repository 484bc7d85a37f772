import { createChain, decodeBits, type FullChain, hashMeetsTarget, headerHash } from '@chainwire/chain'
import { BlockBuilder, createTestNetwork } from '@chainwire/chain/testing'
import { systemClock } from '@chainwire/interface'
import type { MessageHandler } from '@chainwire/network'
import type { BlockHeader } from '@chainwire/protocol-codec'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PeerBannedEvent } from '../src/index'
import { craftedPeer, servesHeaders, stopCrafted } from './crafted'
import { cleanup, lightClient, until } from './helpers'

/*
 * A header sync longer than a few answers of 2,000 headers: full answers go to the peers in turn (each
 * serves its share), and what a peer serves in its turn is judged as its own.
 */

const N = 10_000
const network = createTestNetwork({ id: 'light-rotation' })
let chain: FullChain

beforeAll(async () => {
  chain = createChain({ clock: systemClock }, { network })
  await chain.start()
  for (const b of new BlockBuilder(network).chain(network.genesis, N)) await chain.acceptBlock(b)
}, 120_000)

afterAll(async () => {
  await chain.stop()
})

afterEach(async () => {
  await stopCrafted()
  await cleanup()
})

const claim = () => {
  const tip = chain.tip()
  return { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work }
}

/**
 * Serves the chain's headers (rewritten by `rewrite`), recording where each full answer starts; with `gate`,
 * every answer after the first waits for it (the test lets the other peers connect meanwhile).
 */
function served(
  options: { gate?: Promise<void>; rewrite?: (headers: BlockHeader[]) => BlockHeader[] } = {},
): { handler: MessageHandler<'get_headers'>; starts: number[] } {
  const starts: number[] = []
  const serve = servesHeaders(chain, options.rewrite)
  let answered = 0
  return {
    starts,
    handler: async (m, peer) => {
      if (answered++ > 0) await options.gate
      const answer = await serve(m, peer)
      if (answer?.type === 'headers' && answer.data.headers.length === 2_000)
        starts.push((answer.data.headers[0] as BlockHeader).height)
      return answer
    },
  }
}

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {}
  const promise = new Promise<void>((r) => {
    open = r
  })
  return { promise, open }
}

describe('header sync over several full nodes', () => {
  it('sends the full answers of one pass to the peers in turn', async () => {
    const g = gate()
    const a = served({ gate: g.promise })
    const b = served()
    const c = served()
    const peers = []
    for (const [i, p] of [a, b, c].entries()) {
      peers.push(await craftedPeer(network.id, `127.${i + 1}.0.1`, claim(), { get_headers: p.handler }))
    }
    // The first peer leads the pass (alone at first; its second answer waits until the others are in).
    const client = await lightClient(network, { bootstrap: [(peers[0] as { address: string }).address] })
    await until(() => client.bestHeader().height >= 2_000, 30_000, 'the first answer')
    for (const p of peers.slice(1)) client.network.addPersistentPeer(p.address)
    await until(() => client.progress().peers === 3, 30_000, 'three peers')
    g.open()
    await until(() => client.tip().height === N, 60_000, 'the tip, agreed')
    expect(client.tip().hash).toEqual(chain.tip().hash)
    // The peers that joined served full answers of the leader's pass, not only the last one after it.
    expect(a.starts.slice(0, 2)).toEqual([1, 2_001])
    expect(Math.min(...b.starts)).toBeLessThan(N - 2_000)
    expect(Math.min(...c.starts)).toBeLessThan(N - 2_000)
  }, 90_000)

  it('bans a peer whose answer in its turn fails validation, and finishes from the others', async () => {
    const target = decodeBits(network.genesis.header.bits).target
    // A header with bad proof of work in every answer but one that starts at height 1.
    const badPow = (headers: BlockHeader[]) => {
      if ((headers[0] as BlockHeader).height === 1) return headers
      const out = headers.slice()
      const h = out[10] as BlockHeader
      let nonce = h.nonce + 1
      while (hashMeetsTarget(headerHash({ ...h, nonce }), target)) nonce++
      out[10] = { ...h, nonce }
      return out
    }
    const g = gate()
    const a = await craftedPeer(network.id, '127.1.0.1', claim(), {
      get_headers: served({ gate: g.promise }).handler,
    })
    const b = await craftedPeer(network.id, '127.2.0.1', claim(), { get_headers: served().handler })
    const c = await craftedPeer(network.id, '127.3.0.1', claim(), {
      get_headers: served({ rewrite: badPow }).handler,
    })
    const client = await lightClient(network, { bootstrap: [a.address] })
    const banned: PeerBannedEvent[] = []
    let heightAtBan = -1
    client.on('peer:banned', (e) => {
      banned.push(e)
      heightAtBan = client.bestHeader().height
    })
    await until(() => client.bestHeader().height >= 2_000, 30_000, 'the first answer')
    client.network.addPersistentPeer(c.address)
    client.network.addPersistentPeer(b.address)
    await until(() => client.progress().peers === 3, 30_000, 'three peers')
    g.open()
    await until(() => banned.length === 1, 30_000, 'the liar banned')
    expect(banned[0]).toMatchObject({
      peerId: c.network.peerId,
      reason: 'invalid-headers',
      detail: 'header 10: ERR_BAD_POW',
    })
    await until(() => client.tip().height === N, 60_000, 'the tip, agreed by the honest peers')
    expect(client.tip().hash).toEqual(chain.tip().hash)
    // Banned for an answer in its turn of the first peer's pass (a pass of its own starts near the tip).
    expect(heightAtBan).toBeLessThan(N - 2_000)
  }, 90_000)
})

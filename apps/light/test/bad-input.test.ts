import {
  createChain,
  decodeBits,
  hashMeetsTarget,
  headerHash,
  toHex,
  transactionHash,
} from '@chainwire/chain'
import { BlockBuilder, solveHeader } from '@chainwire/chain/testing'
import { systemClock } from '@chainwire/interface'
import type { Block, BlockHeader } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import type { PeerBannedEvent } from '../src/index'
import { craftedPeer, servesHeaders, stopCrafted } from './crafted'
import { cleanup, fullNode, lightClient, scenario, until } from './helpers'

afterEach(async () => {
  await stopCrafted()
  await cleanup()
})

function bans(client: { on(e: 'peer:banned', f: (e: PeerBannedEvent) => void): unknown }): PeerBannedEvent[] {
  const out: PeerBannedEvent[] = []
  client.on('peer:banned', (e) => out.push(e))
  return out
}

describe('bad input from peers: rejected, the peer banned, the client still syncs from honest peers', () => {
  it('a fake header chain with less work, presented as best', async () => {
    const s = scenario(30)
    const honestA = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const honestB = await fullNode(s.network, s.blocks, { host: '127.2.0.1' })
    // A valid branch of 10 blocks from genesis, served by a peer that claims twice the honest work.
    const fork = new BlockBuilder(s.network, new Uint8Array(32).fill(7)).chain(s.network.genesis, 10)
    const forkChain = createChain({ clock: systemClock }, { network: s.network })
    await forkChain.start()
    for (const b of fork) await forkChain.acceptBlock(b)
    const honest = honestA.chain.tip()
    const liar = await craftedPeer(
      s.network.id,
      '127.3.0.1',
      { bestHeight: 40, bestHash: forkChain.tip().hash, totalWork: honest.work * 2n },
      { get_headers: servesHeaders(forkChain) },
    )
    const client = await lightClient(s.network, {
      bootstrap: [liar.address, honestA.address, honestB.address],
    })
    const banned = bans(client)
    await until(() => banned.length === 1 && client.tip().height === 30, 15_000, 'ban and honest tip')
    expect(banned[0]).toMatchObject({ peerId: liar.network.peerId, reason: 'low-work-chain' })
    expect(toHex(client.tip().hash)).toBe(toHex(honest.hash))
    await forkChain.stop()
  })

  it('headers with bad proof of work, and headers with a wrong difficulty', async () => {
    const s = scenario(30)
    const honestA = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const honestB = await fullNode(s.network, s.blocks, { host: '127.2.0.1' })
    const tip = honestA.chain.tip()
    const claim = { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work }
    const target = decodeBits(s.network.genesis.header.bits).target
    const badPow = (headers: BlockHeader[]) => {
      const out = headers.slice(0, 11)
      const h = out[10] as BlockHeader
      let nonce = h.nonce + 1
      while (hashMeetsTarget(headerHash({ ...h, nonce }), target)) nonce++
      out[10] = { ...h, nonce }
      return out
    }
    const wrongBits = (headers: BlockHeader[]) => {
      const out = headers.slice(0, 11)
      out[10] = solveHeader({ ...(out[10] as BlockHeader), bits: 0x2000ffff })
      return out
    }
    const pow = await craftedPeer(s.network.id, '127.3.0.1', claim, {
      get_headers: servesHeaders(honestA.chain, badPow),
    })
    const bits = await craftedPeer(s.network.id, '127.4.0.1', claim, {
      get_headers: servesHeaders(honestA.chain, wrongBits),
    })
    const client = await lightClient(s.network, { bootstrap: [pow.address, bits.address] })
    const banned = bans(client)
    await until(() => banned.length === 2, 15_000, 'both banned')
    expect(banned.map((b) => [b.reason, b.detail]).sort()).toEqual([
      ['invalid-headers', 'header 10: ERR_BAD_BITS'],
      ['invalid-headers', 'header 10: ERR_BAD_POW'],
    ])
    client.network.addPersistentPeer(honestA.address)
    client.network.addPersistentPeer(honestB.address)
    await until(() => client.tip().height === 30, 15_000, 'honest tip')
    // The banned peers cannot come back.
    await expect(client.network.dial(pow.address)).rejects.toThrow()
  })

  it('a forged merkle proof, and a proof for a block not in the best chain', async () => {
    const s = scenario(12)
    const honest = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const block3 = s.blocks[2] as Block
    const blockHash = headerHash(block3.header)
    const txHash = transactionHash(s.paid)
    const real = await honest.chain.proof(blockHash, txHash)
    if (real === undefined) throw new Error('no proof')
    const tip = honest.chain.tip()
    const claim = { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work }
    const forged = { ...real, siblings: real.siblings.map((x, i) => (i === 0 ? x.map((b) => b ^ 1) : x)) }
    // A block of another branch that holds the same transaction: a valid proof, for the wrong block.
    const other = new BlockBuilder(s.network, new Uint8Array(32).fill(9))
    const side = other.chain(s.network.genesis, 2)
    const sideBlock = other.next(side[1] as Block, [s.paid])
    const sideProof = await (async () => {
      const c = createChain({ clock: systemClock }, { network: s.network })
      await c.start()
      for (const b of [...side, sideBlock]) await c.acceptBlock(b)
      const p = await c.proof(headerHash(sideBlock.header), txHash)
      await c.stop()
      return p
    })()
    const liar1 = await craftedPeer(s.network.id, '127.3.0.1', claim, {
      get_headers: servesHeaders(honest.chain),
      get_proof: (m) => ({ type: 'proof', data: { ...m.data, inclusion: forged } }),
    })
    const liar2 = await craftedPeer(s.network.id, '127.4.0.1', claim, {
      get_headers: servesHeaders(honest.chain),
      get_proof: (m) => ({ type: 'proof', data: { ...m.data, inclusion: sideProof } }),
    })
    const client = await lightClient(s.network, { bootstrap: [liar1.address, liar2.address] })
    const banned = bans(client)
    await until(
      () => client.bestHeader().height === 12 && client.status().peers.length === 2,
      15_000,
      'liars',
    )
    client.network.addPersistentPeer(honest.address)
    await until(() => client.status().peers.length === 3, 15_000, 'honest peer')
    const proven = await client.verifyTransaction(txHash, blockHash)
    expect(proven.peerId).toBe(honest.network.peerId)
    expect(proven.height).toBe(3)
    expect(banned.map((b) => b.reason)).toEqual(['bad-proof', 'bad-proof'])
    expect(banned.map((b) => b.peerId).sort()).toEqual([liar1.network.peerId, liar2.network.peerId].sort())
    // Asking for a block the client does not have on its best chain is refused before any request.
    await expect(client.verifyTransaction(txHash, headerHash(sideBlock.header))).rejects.toMatchObject({
      code: 'ERR_NOT_IN_BEST_CHAIN',
    })
  })

  it('a lying filter: filter headers disagree between peers, the block decides, the liar is banned', async () => {
    const s = scenario(20)
    const honestA = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const honestB = await fullNode(s.network, s.blocks, { host: '127.2.0.1' })
    const liar = await fullNode(s.network, s.blocks, {
      host: '127.3.0.1',
      // Withholds alice's payment at height 3: its filter hash there is of an empty filter.
      filters: (chain) => ({
        filterHeaders: async (start, stop, max) => {
          const r = await chain.filterHeaders(start, stop, max)
          if (r !== undefined && start <= 3 && 3 < start + r.hashes.length)
            r.hashes[3 - start] = new Uint8Array(32)
          return r
        },
        filters: (start, stop, max) => chain.filters(start, stop, max),
        filterCheckpoints: (stop) => chain.filterCheckpoints(stop),
      }),
    })
    const client = await lightClient(s.network, {
      bootstrap: [honestA.address, honestB.address, liar.address],
      filterHeaderPeers: 3,
    })
    const banned = bans(client)
    const mismatches: number[] = []
    client.on('filter:mismatch', (e) => mismatches.push(e.height))
    // The liar can be caught (and dropped) before the third connection shows in the status: wait for either.
    await until(() => client.status().peers.length === 3 || banned.length > 0, 15_000, 'three peers')
    const found = await client.watch(s.alice.key).next()
    expect(found.value?.height).toBe(3)
    expect(mismatches).toEqual([3])
    expect(banned).toMatchObject([{ peerId: liar.network.peerId, reason: 'bad-filter' }])
    expect(client.status().filterHeaders).toBe(20)
  })

  it('a peer that stalls header sync', async () => {
    const s = scenario(30)
    const honestA = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const honestB = await fullNode(s.network, s.blocks, { host: '127.2.0.1' })
    const tip = honestA.chain.tip()
    let release: () => void = () => {}
    const stalled = new Promise<void>((r) => {
      release = r
    })
    const staller = await craftedPeer(
      s.network.id,
      '127.3.0.1',
      { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work },
      { get_headers: () => stalled.then(() => undefined) },
    )
    const client = await lightClient(s.network, {
      bootstrap: [staller.address, honestA.address, honestB.address],
      headersTimeoutMs: 500,
    })
    const banned = bans(client)
    await until(() => banned.length === 1 && client.tip().height === 30, 15_000, 'stall ban and honest tip')
    expect(banned[0]).toMatchObject({ peerId: staller.network.peerId, reason: 'stalled' })
    release()
  })
})

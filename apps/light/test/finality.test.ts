import { createChain, createSigner, generateKeyPair, headerHash, signVote } from '@chainwire/chain'
import { BlockBuilder } from '@chainwire/chain/testing'
import { systemClock } from '@chainwire/interface'
import type { Block } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import type { PeerBannedEvent } from '../src/index'
import { craftedPeer, servesHeaders, stopCrafted } from './crafted'
import { cleanup, fullNode, lightClient, scenario, until } from './helpers'

afterEach(async () => {
  await stopCrafted()
  await cleanup()
})

describe('finality on a network with validators', () => {
  it('verifies precommits against the validator set, exposes the final block, refuses forks below it', async () => {
    const signers = Array.from({ length: 4 }, () => createSigner(generateKeyPair()))
    const validators = { epoch: 0, validators: signers.map((v) => ({ publicKey: v.publicKey, power: 1 })) }
    const s = scenario(15, 'light-final', validators)
    const a = await fullNode(s.network, s.blocks, { host: '127.1.0.1' })
    const b = await fullNode(s.network, s.blocks, { host: '127.2.0.1' })
    const client = await lightClient(s.network, { bootstrap: [a.address, b.address] })
    const banned: PeerBannedEvent[] = []
    client.on('peer:banned', (e) => banned.push(e))
    const finals: number[] = []
    client.on('finalized', (e) => finals.push(e.height))
    await until(() => client.tip().height === 15, 15_000, 'tip')

    const final = s.blocks[9] as Block
    const vote = (i: number) =>
      signVote(
        { height: 10, blockHash: headerHash(final.header) },
        signers[i] as (typeof signers)[number],
        s.network.id,
      )
    // Two of four precommits are not more than 2/3 of the power; the third is.
    for (const i of [0, 1])
      await a.network.send(client.network.peerId, { type: 'consensus_vote', data: vote(i) })
    await new Promise((r) => setTimeout(r, 200))
    expect(client.status().final.height).toBe(0)
    await b.network.send(client.network.peerId, { type: 'consensus_vote', data: vote(2) })
    await until(() => client.status().final.height === 10, 10_000, 'final block')
    expect(finals).toEqual([10])
    expect(banned).toEqual([])

    // A forged precommit (its signature altered) bans the peer that relayed it.
    const tip = a.chain.tip()
    const claim = { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work }
    const forger = await craftedPeer(s.network.id, '127.3.0.1', claim, {
      get_headers: servesHeaders(a.chain),
    })
    client.network.addPersistentPeer(forger.address)
    await until(() => client.status().peers.length === 3, 10_000, 'forger connected')
    const forged = signVote(
      { height: 12, blockHash: headerHash((s.blocks[11] as Block).header) },
      signers[3] as (typeof signers)[number],
      s.network.id,
    )
    await forger.network.send(client.network.peerId, {
      type: 'consensus_vote',
      data: { ...forged, signature: forged.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) },
    })
    await until(() => banned.length === 1, 10_000, 'forger banned')
    expect(banned[0]).toMatchObject({
      peerId: forger.network.peerId,
      reason: 'bad-vote',
      detail: 'ERR_BAD_VOTE',
    })

    // A branch from height 5 with more work than the final chain is refused, and its peer banned.
    const fork = new BlockBuilder(s.network)
    let parent: Block = s.network.genesis
    for (const blk of s.blocks.slice(0, 5)) parent = fork.next(parent, blk.transactions.slice(1))
    expect(headerHash(parent.header)).toEqual(headerHash((s.blocks[4] as Block).header))
    const forkChain = createChain({ clock: systemClock }, { network: s.network })
    await forkChain.start()
    for (const blk of s.blocks.slice(0, 5)) await forkChain.acceptBlock(blk)
    const branch = fork.chain(parent, 20, () => [], new Uint8Array(32).fill(3))
    for (const blk of branch) await forkChain.acceptBlock(blk)
    const ft = forkChain.tip()
    expect(ft.work > tip.work).toBe(true)
    const rewriter = await craftedPeer(
      s.network.id,
      '127.4.0.1',
      { bestHeight: ft.height, bestHash: ft.hash, totalWork: ft.work },
      { get_headers: servesHeaders(forkChain) },
    )
    client.network.addPersistentPeer(rewriter.address)
    await until(() => banned.length === 2, 10_000, 'fork below final refused')
    expect(banned[1]?.reason).toBe('invalid-headers')
    expect(banned[1]?.detail).toContain('ERR_FORK_BELOW_FINAL')
    expect(client.tip().height).toBe(15)
    await forkChain.stop()
  })
})

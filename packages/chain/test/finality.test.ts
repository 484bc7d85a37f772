import type { Block } from '@chainwire/protocol-codec'
import { MemoryLevel } from 'memory-level'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createChain,
  createHeaderChain,
  createSigner,
  DEVNET_VALIDATORS,
  devnet,
  devnetSecret,
  type Equivocation,
  headerHash,
  keyPairFromSecret,
  type Signer,
  signVote,
} from '../src/index'
import { BlockBuilder, startChain, testClock, testNetwork, wallet } from './helpers'

const signers: Signer[] = [0, 1, 2, 3].map((i) =>
  createSigner(keyPairFromSecret(devnetSecret(`validator ${i}`))),
)
const validators = { epoch: 0, validators: signers.map((s) => ({ publicKey: s.publicKey, power: 1 })) }
const network = testNetwork({ validators })
const precommit = (block: Block, signer: Signer, round = 0) =>
  signVote({ height: block.header.height, round, blockHash: headerHash(block.header) }, signer, network.id)

const open: { stop(): Promise<void> }[] = []
afterEach(async () => {
  for (const c of open.splice(0)) await c.stop()
})

describe('finality', () => {
  it('uses the devnet validators whose secrets are published', () => {
    expect(signers.map((s) => s.publicKey)).toEqual(DEVNET_VALIDATORS)
    expect(devnet.validators?.validators).toHaveLength(4)
  })

  it('finalises a block precommitted by more than 2/3 of the power and never reorganises below it', async () => {
    const chain = await startChain(network)
    open.push(chain)
    const builder = new BlockBuilder(network)
    const main = builder.chain(network.genesis, 3)
    for (const b of main) await chain.acceptBlock(b)
    const finalized: number[] = []
    chain.on('finalized', (e) => finalized.push(e.height))
    const b2 = main[1] as Block
    expect(await chain.acceptVote(precommit(b2, signers[0] as Signer))).toBe('counted')
    expect(await chain.acceptVote(precommit(b2, signers[0] as Signer))).toBe('duplicate')
    expect(await chain.acceptVote(precommit(b2, signers[1] as Signer))).toBe('counted')
    expect(chain.finalized()).toBeUndefined()
    expect(await chain.acceptVote(precommit(b2, signers[2] as Signer))).toBe('final')
    expect(finalized).toEqual([2])
    expect(chain.finalized()?.votes).toHaveLength(3)
    // A longer branch forking below the final block is refused, header and block.
    const fork = builder.chain(main[0] as Block, 5, () => [], wallet().key)
    expect(await chain.acceptHeaders(fork.map((b) => b.header))).toEqual({
      accepted: 0,
      invalid: { index: 0, code: 'ERR_FORK_BELOW_FINAL', penalty: true },
    })
    expect(await chain.acceptBlock(fork[0] as Block)).toEqual({
      invalid: 'ERR_FORK_BELOW_FINAL',
      penalty: true,
    })
    expect(chain.tip().height).toBe(3)
    // A branch above it is still fine.
    const above = builder.chain(b2, 2, () => [], wallet().key)
    for (const b of above) await chain.acceptBlock(b)
    expect(chain.tip().hash).toEqual(headerHash((above[1] as Block).header))
  })

  it('switches to a finalised block on a branch with less work', async () => {
    const chain = await startChain(network)
    open.push(chain)
    const builder = new BlockBuilder(network)
    const main = builder.chain(network.genesis, 4)
    const side = builder.chain(network.genesis, 2, () => [], wallet().key)
    for (const b of [...main, ...side]) await chain.acceptBlock(b)
    expect(chain.tip().height).toBe(4)
    const target = side[1] as Block
    for (const s of signers.slice(0, 3)) await chain.acceptVote(precommit(target, s))
    expect(chain.tip().hash).toEqual(headerHash(target.header))
    expect(chain.finalized()?.height).toBe(2)
  })

  it('detects equivocation: two precommits of one validator for different blocks at one height', async () => {
    const chain = await startChain(network)
    open.push(chain)
    const builder = new BlockBuilder(network)
    const a = builder.next(network.genesis)
    const b = builder.next(network.genesis, [], { miner: wallet().key })
    const caught: Equivocation[] = []
    chain.on('equivocation', (e) => caught.push(e))
    await chain.acceptVote(precommit(a, signers[3] as Signer, 0))
    expect(await chain.acceptVote(precommit(b, signers[3] as Signer, 1))).toBe('equivocation')
    expect(caught).toHaveLength(1)
    expect(caught[0]?.validator).toEqual(signers[3]?.publicKey)
    expect(caught[0]?.votes.map((v) => v.round)).toEqual([0, 1])
  })

  it('refuses votes of strangers, bad signatures and far heights', async () => {
    const chain = await startChain(network)
    open.push(chain)
    const block = new BlockBuilder(network).next(network.genesis)
    const stranger = createSigner(keyPairFromSecret(new Uint8Array(32).fill(3)))
    expect(await chain.acceptVote(precommit(block, stranger))).toEqual({ invalid: 'ERR_UNKNOWN_VALIDATOR' })
    const forged = { ...precommit(block, signers[0] as Signer), round: 5 }
    expect(await chain.acceptVote(forged)).toEqual({ invalid: 'ERR_BAD_VOTE' })
    const far = signVote({ height: 10_000, blockHash: new Uint8Array(32) }, signers[0] as Signer, network.id)
    expect(await chain.acceptVote(far)).toEqual({ invalid: 'ERR_VOTE_OUT_OF_RANGE' })
    const prevote = signVote(
      { height: 1, step: 'prevote', blockHash: new Uint8Array(32) },
      signers[0] as Signer,
      network.id,
    )
    expect(await chain.acceptVote(prevote)).toBe('ignored')
    const offNet = await startChain(testNetwork())
    open.push(offNet)
    expect(await offNet.acceptVote(precommit(block, signers[0] as Signer))).toEqual({
      invalid: 'ERR_UNKNOWN_VALIDATOR',
    })
  })

  it('keeps finality across a restart, full chain and header chain alike', async () => {
    const db = new MemoryLevel()
    const hdb = new MemoryLevel()
    const chain = createChain({ clock: testClock() }, { network, db })
    const headers = createHeaderChain({ clock: testClock() }, { network, db: hdb })
    await chain.start()
    await headers.start()
    const builder = new BlockBuilder(network)
    const blocks = builder.chain(network.genesis, 3)
    for (const b of blocks) await chain.acceptBlock(b)
    await headers.acceptHeaders(blocks.map((b) => b.header))
    for (const s of signers.slice(1)) {
      await chain.acceptVote(precommit(blocks[2] as Block, s))
      await headers.acceptVote(precommit(blocks[2] as Block, s))
    }
    expect(headers.finalized().height).toBe(3)
    await chain.stop()
    await headers.stop()
    const again = createChain({ clock: testClock() }, { network, db })
    const againHeaders = createHeaderChain({ clock: testClock() }, { network, db: hdb })
    await again.start()
    await againHeaders.start()
    open.push(again, againHeaders)
    expect(again.finalized()?.height).toBe(3)
    expect(againHeaders.finalized().height).toBe(3)
    const fork = builder.next(blocks[1] as Block, [], { miner: wallet().key })
    expect(await again.acceptBlock(fork)).toEqual({ invalid: 'ERR_FORK_BELOW_FINAL', penalty: true })
    expect(await againHeaders.acceptHeaders([fork.header])).toMatchObject({
      invalid: { code: 'ERR_FORK_BELOW_FINAL' },
    })
  })
})

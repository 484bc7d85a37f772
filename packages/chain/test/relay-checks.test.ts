import type { Transaction } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import {
  createNodeVerifier,
  createRelayChecks,
  createSigner,
  devnetSecret,
  keyPairFromSecret,
  signVote,
} from '../src/index'
import { BlockBuilder, GENESIS_TIME, testClock, testNetwork, transfer, wallet } from './helpers'

describe('relay checks (context-free)', () => {
  const funded = wallet()
  const validator = createSigner(keyPairFromSecret(devnetSecret('validator 0')))
  const network = testNetwork({
    genesisTo: funded.key,
    validators: { epoch: 0, validators: [{ publicKey: validator.publicKey, power: 1 }] },
  })
  const checks = createRelayChecks({ clock: testClock(), verifier: createNodeVerifier() }, network)
  const builder = new BlockBuilder(network)

  it('accepts good headers, blocks, transactions and votes', async () => {
    const tx = transfer(network, { ...funded, nonce: 0 }, wallet().key, 1n)
    const block = builder.next(network.genesis, [tx])
    expect(checks.header(block.header)).toEqual({ result: 'accept' })
    expect(await checks.block(block)).toEqual({ result: 'accept' })
    expect(await checks.transaction(tx)).toEqual({ result: 'accept' })
    expect(
      await checks.vote(signVote({ height: 1, blockHash: new Uint8Array(32) }, validator, network.id)),
    ).toEqual({ result: 'accept' })
  })

  it('rejects what proves the sender wrong and ignores what an honest peer may send', async () => {
    const block = builder.next(network.genesis)
    expect(checks.header({ ...block.header, nonce: block.header.nonce + 1, bits: 0x1d00ffff })).toMatchObject(
      { result: 'reject', code: 'ERR_BAD_POW' },
    )
    const future = builder.next(network.genesis, [], {
      timestamp: GENESIS_TIME + 2 * 86_400_000,
      miner: wallet().key,
    })
    expect(checks.header(future.header)).toEqual({ result: 'ignore', code: 'ERR_TIME_TOO_NEW' })
    const tx = transfer(network, { ...funded, nonce: 0 }, wallet().key, 1n)
    const forged: Transaction = { ...tx, amount: 2n }
    expect(await checks.transaction(forged)).toEqual({ result: 'reject', code: 'ERR_BAD_SIGNATURE' })
    expect(await checks.block(builder.next(network.genesis, [forged], { miner: wallet().key }))).toEqual({
      result: 'reject',
      code: 'ERR_BAD_SIGNATURE',
    })
    expect(await checks.transaction({} as Transaction)).toEqual({ result: 'reject', code: 'ERR_BAD_TX' })
    const stranger = createSigner(keyPairFromSecret(new Uint8Array(32).fill(1)))
    expect(
      await checks.vote(signVote({ height: 1, blockHash: new Uint8Array(32) }, stranger, network.id)),
    ).toEqual({
      result: 'reject',
      code: 'ERR_UNKNOWN_VALIDATOR',
    })
  })
})

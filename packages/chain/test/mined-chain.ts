import { ManualClock } from '@chainwire/interface/testing'
import { expect } from 'vitest'
import { Miner, mineBlock } from '../src/index'
import {
  activeBlocks,
  chainState,
  GENESIS_TIME,
  replayState,
  startChain,
  T,
  testClock,
  testNetwork,
  transfer,
  wallet,
} from './helpers'

/**
 * Mines `n` blocks with the worker-thread miner on a test network (a transfer every 10th block, through the
 * mempool), then has a second chain validate them all from genesis and compares tip and state.
 */
export async function mineAndValidate(n: number): Promise<void> {
  const funded = wallet()
  const network = testNetwork({ genesisTo: funded.key })
  const clock = new ManualClock({ start: GENESIS_TIME })
  const producer = await startChain(network, clock)
  const validator = await startChain(network, testClock())
  const miner = new Miner()
  try {
    const minerKey = wallet().key
    for (let h = 1; h <= n; h++) {
      if (h % 10 === 0)
        expect(await producer.acceptTransaction(transfer(network, funded, wallet().key, BigInt(h)))).toBe(
          'accepted',
        )
      clock.advance(T)
      const block = await mineBlock(producer, miner, minerKey)
      expect(await producer.acceptBlock(block)).toBe('connected')
    }
    expect(producer.tip().height).toBe(n)
    const blocks = await activeBlocks(producer)
    for (const b of blocks) expect(await validator.acceptBlock(b)).toBe('connected')
    expect(validator.tip()).toEqual(producer.tip())
    expect(validator.stats().blocksValidated).toBe(n)
    expect(await chainState(validator)).toEqual(replayState(network, blocks))
    expect((await validator.account(funded.key)).nonce).toBe(Math.floor(n / 10))
    expect((await validator.account(minerKey)).balance).toBe(
      BigInt(n) * 50n + BigInt(Math.floor(n / 10)) * 200n,
    )
  } finally {
    await miner.stop()
    await producer.stop()
    await validator.stop()
  }
}

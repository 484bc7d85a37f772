import { AbortError } from '@chainwire/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { testNetwork } from './helpers'
import { mineAndValidate } from './mined-chain'
import {
  bytesToBigIntForTest,
  ChainError,
  createNetwork,
  headerHash,
  Miner,
  targetFromBits,
} from './miner-deps'

const miners: Miner[] = []
afterEach(async () => {
  for (const m of miners.splice(0)) await m.stop()
})

describe('Miner (worker thread)', () => {
  it('solves headers in a worker while the event loop stays free', async () => {
    const network = createNetwork({ id: 'miner-test', genesisBits: 0x1f00ffff, powLimitBits: 0x207fffff })
    const miner = new Miner({ chunkSize: 50_000 })
    miners.push(miner)
    const header = { ...network.genesis.header, height: 1 }
    const solved = await miner.solve(header)
    expect(solved).toBeDefined()
    const target = targetFromBits(header.bits, network.powLimit) as bigint
    expect(bytesToBigIntForTest(headerHash(solved as typeof header))).toBeLessThanOrEqual(target)
    expect(miner.hashes).toBe((solved?.nonce ?? 0) + 1)
  })

  it('stops a search when its signal aborts, and on stop()', async () => {
    const impossible = { ...testNetwork().genesis.header, height: 1, bits: 0x03000001 }
    const miner = new Miner({ chunkSize: 10_000_000 })
    miners.push(miner)
    const controller = new AbortController()
    const search = miner.solve(impossible, { signal: controller.signal })
    // The event loop is free while the worker hashes: 20 one-millisecond timers run one after another.
    let ticks = 0
    await new Promise<void>((resolve) => {
      const tick = () => (++ticks === 20 ? resolve() : setTimeout(tick, 1))
      setTimeout(tick, 1)
    })
    controller.abort()
    await expect(search).rejects.toSatisfy((e) => AbortError.isInstance(e))
    expect(miner.hashes).toBe(0)
    const second = miner.solve(impossible)
    setTimeout(() => void miner.stop(), 20)
    await expect(second).rejects.toSatisfy((e) => ChainError.isInstance(e) && e.code === 'ERR_MINER_STOPPED')
    await expect(miner.solve(impossible)).rejects.toSatisfy(
      (e) => ChainError.isInstance(e) && e.code === 'ERR_MINER_STOPPED',
    )
  })

  it('mines a 500-block chain with transactions that another node validates from genesis', async () => {
    await mineAndValidate(500)
  })
})

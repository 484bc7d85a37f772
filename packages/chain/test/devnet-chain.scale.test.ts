import { describe, it } from 'vitest'
import { mineAndValidate } from './mined-chain'

describe('a 10,000-block chain', () => {
  it('mined by the worker-thread miner validates from genesis on another node', {
    timeout: 600_000,
  }, async () => {
    await mineAndValidate(10_000)
  })
})

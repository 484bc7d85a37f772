import { runReadmeExample } from '@chainwire/testkit'
import { describe, expect, it } from 'vitest'

describe('README example', () => {
  it('runs and gives what the README says', async () => {
    const { result } = await runReadmeExample(new URL('..', import.meta.url).pathname)
    expect(result).toEqual({
      accepted: 'accepted',
      connected: 'connected',
      height: 1,
      alice: 1_000n,
      miner: 5_000_000_500n,
      proven: true,
    })
  })
})

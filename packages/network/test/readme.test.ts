import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  expect(mod.result).toMatchObject({
    responseType: 'peers',
    peers: 1,
    seenByBob: ['inbound chainwire-network/0.1.0'],
  })
  expect((mod.result as { rtt: number }).rtt).toBeGreaterThanOrEqual(0)
})

import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  // Three peers in three /16s: all three are candidates; Alice is promoted; Bob's /24 is banned.
  expect(mod.summary).toEqual({ candidates: 3, promoted: 'promoted', bobDialable: false })
})

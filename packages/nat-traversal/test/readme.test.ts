import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  expect(mod.summary).toEqual({ winner: 'relayed', tried: ['direct', 'relayed'], rttOk: true })
})

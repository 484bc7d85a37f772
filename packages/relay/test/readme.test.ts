import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs and shows what the README says it shows', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  expect(mod.result).toEqual({
    carolGot: ['new_block 1'],
    bobGot: ['new_block 1'],
    rejected: 1,
    malloryReported: ['bad-block'],
    direct: 'hello carol',
  })
}, 60_000)

import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs: a light client follows two full nodes, proves and watches a payment', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  expect(mod.verifiedHeight).toBe(20)
  expect(mod.proof).toMatchObject({ height: 5, confirmations: 16 })
  expect(mod.watched).toEqual([{ height: 5, direction: 'in' }])
})

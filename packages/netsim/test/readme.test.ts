import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  expect(mod.deliveryRatio).toBe(1)
  expect(mod.latencyP50).toBeGreaterThanOrEqual(40)
  expect(String(mod.chart)).toMatch(/^<\?xml[\s\S]*<\/svg>\n$/)
})

import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  const summary = mod.summary as { found: number; hops: number; timedOut: boolean }
  expect(summary.found).toBe(20)
  expect(summary.hops).toBeGreaterThanOrEqual(1)
  expect(summary.hops).toBeLessThanOrEqual(3)
  expect(summary.timedOut).toBe(false)
})

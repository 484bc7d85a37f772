import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs: a fresh node syncs 50 blocks from a seed', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  expect(mod.height).toBe(50)
  expect((mod.stats as { blocksConnected: number }).blocksConnected).toBe(50)
  expect(mod.sawStates).toContain('headers')
})

import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs and shows what the README says it shows', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  const result = mod.result as Record<string, unknown>
  expect(result).toMatchObject({
    banned: ['cwmallory'],
    malloryBanned: true,
    top: ['cwalice'],
    decayPeriods: 120,
    malloryAfterRestart: 'low',
    timersLeft: 0,
  })
  expect(result.explanation).toContain('peer cwmallory: score -55.00 (banned)')
  expect(result.explanation).toContain('"invalid proof of work"')
})

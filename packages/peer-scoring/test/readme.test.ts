import { fileURLToPath } from 'node:url'
import { testPeerId } from '@chainwire/interface/testing'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs and shows what the README says it shows', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  const result = mod.result as Record<string, unknown>
  expect(result).toMatchObject({
    banned: ['mallory'],
    malloryBanned: true,
    top: ['alice'],
    decayPeriods: 120,
    malloryAfterRestart: 'low',
    timersLeft: 0,
  })
  expect(result.explanation).toContain(`peer ${testPeerId(2)}: score -55.00 (banned)`)
  expect(result.explanation).toContain('"invalid proof of work"')
})

import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@chainwire/testkit'
import { expect, it } from 'vitest'

it('the README example runs', async () => {
  const mod = await runReadmeExample(fileURLToPath(new URL('..', import.meta.url)))
  expect(mod.result).toEqual({
    size: 166,
    reason: undefined,
    types: ['hello', 'ping'],
    json: '{"type":"ping","id":1,"from":"cwpeer-a","data":{"nonce":9}}',
    rebuiltLength: 600_000,
  })
})

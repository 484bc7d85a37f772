import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))

it('the Quick start protocol demo decodes its block and prints the JSON view', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--conditions=@chainwire/source', 'tooling/scripts/demo.mjs'],
    { cwd: root, timeout: 60_000 },
  )
  expect(stdout).toContain('decoded from 6 chunks of 100 bytes: new_block')
  const json = JSON.parse(stdout.slice(stdout.indexOf('{')))
  expect(json.type).toBe('new_block')
  expect(json.data.block.transactions).toHaveLength(3)
  expect(json.data.block.transactions[0].amount).toBe('1000000')
})

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'

const script = fileURLToPath(new URL('../../scripts/check-deps.mjs', import.meta.url))
const dirs: string[] = []

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cw-deps-'))
  dirs.push(root)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

const pkg = (name: string, deps: Record<string, string> = {}): string =>
  JSON.stringify({ name: `@chainwire/${name}`, dependencies: deps })

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

it('accepts imports the DESIGN.md graph allows', () => {
  const root = workspace({
    'packages/network/package.json': pkg('network', { '@chainwire/peer-store': 'workspace:^' }),
    'packages/network/src/index.ts': "import type { PeerStore } from '@chainwire/peer-store'\n",
    'packages/peer-store/package.json': pkg('peer-store'),
    'packages/peer-store/src/index.ts': "import { systemClock } from '@chainwire/interface'\n",
  })
  const run = spawnSync(process.execPath, [script, root], { encoding: 'utf8' })
  expect(run.status).toBe(0)
})

it('fails when a leaf imports network, naming the file', () => {
  const root = workspace({
    'packages/peer-store/package.json': pkg('peer-store'),
    'packages/peer-store/src/book.ts': "import { createNetwork } from '@chainwire/network'\n",
  })
  const run = spawnSync(process.execPath, [script, root], { encoding: 'utf8' })
  expect(run.status).toBe(1)
  expect(run.stderr).toContain('packages/peer-store/src/book.ts: imports @chainwire/network')
})

it('fails when sync depends on chain, or relay on discovery, in package.json', () => {
  const root = workspace({
    'packages/sync/package.json': pkg('sync', { '@chainwire/chain': 'workspace:^' }),
    'packages/relay/package.json': pkg('relay', { '@chainwire/discovery': 'workspace:^' }),
  })
  const run = spawnSync(process.execPath, [script, root], { encoding: 'utf8' })
  expect(run.status).toBe(1)
  expect(run.stderr).toContain('packages/sync/package.json: depends on @chainwire/chain')
  expect(run.stderr).toContain('packages/relay/package.json: depends on @chainwire/discovery')
})

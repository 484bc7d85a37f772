import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'tsup'
import { afterAll, describe, expect, it } from 'vitest'
import pkg from '../package.json'
import config from '../tsup.config'
import { bytesToBigIntForTest, createNetwork, headerHash, targetFromBits } from './miner-deps'

const packageDir = join(import.meta.dirname, '..')
const outDir = mkdtempSync(join(packageDir, 'test', '.dist-'))
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

describe('the miner from the built package', () => {
  it('runs its worker from dist/ as it does from sources (no worker file to resolve)', {
    timeout: 120_000,
  }, async () => {
    // The package's own tsup settings, ESM only, without declarations, into a temporary folder.
    await build({
      ...(config as object),
      entry: { index: join(packageDir, 'src/index.ts') },
      tsconfig: join(packageDir, 'tsconfig.json'),
      external: Object.keys(pkg.dependencies),
      format: ['esm'],
      dts: false,
      sourcemap: false,
      clean: false,
      outDir,
      silent: true,
    })
    const network = createNetwork({ id: 'dist-test', genesisBits: 0x1f7fffff })
    const header = { ...network.genesis.header, height: 1 }
    writeFileSync(
      join(outDir, 'run.mjs'),
      `import { Miner } from './index.js'
const miner = new Miner({ chunkSize: 100_000 })
const h = ${JSON.stringify({ ...header, prevHash: [...header.prevHash], merkleRoot: [...header.merkleRoot] })}
const solved = await miner.solve({ ...h, prevHash: Uint8Array.from(h.prevHash), merkleRoot: Uint8Array.from(h.merkleRoot) })
await miner.stop()
console.log(solved.nonce)
`,
    )
    // Built chain code; its sibling packages from their sources (tsx), as in the workspace before a build.
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@chainwire/source', join(outDir, 'run.mjs')],
      {
        cwd: packageDir,
        encoding: 'utf8',
        timeout: 60_000,
      },
    )
    expect(r.stderr).toBe('')
    const nonce = Number(r.stdout.trim())
    const target = targetFromBits(header.bits, network.powLimit) as bigint
    expect(bytesToBigIntForTest(headerHash({ ...header, nonce }))).toBeLessThanOrEqual(target)
  })
})

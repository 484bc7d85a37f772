import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { networkFrom, networkJson } from '../../tooling/bench/src/sync/blocks'
import { createLightClient } from './src/index'

const json = networkJson({ id: 'bench-light' })
const params = networkFrom(json)
const addrs: string[] = []
const procs = []
for (const host of process.argv.slice(2)) {
  const dir = mkdtempSync(join(tmpdir(), 'p3-'))
  cpSync('/tmp/chainwire-bench-light-20000-v1/chain', dir, { recursive: true })
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@chainwire/source',
      'src/light/full-node.ts',
      'serve',
      JSON.stringify(json),
      dir,
      host,
    ],
    { cwd: '../../tooling/bench', stdio: ['ignore', 'pipe', 'inherit'] },
  )
  procs.push(proc)
  addrs.push(await new Promise((r) => proc.stdout.on('data', (d) => r(JSON.parse(d.toString()).address))))
}
const c = createLightClient(
  { chain: params, db: new ClassicLevel(mkdtempSync(join(tmpdir(), 'p3db-'))) as never },
  { bootstrap: addrs, minAgreeingGroups: 1 },
)
let t1 = 0
c.network.on('peer:connected', () => {
  t1 ||= performance.now()
})
const done = new Promise<void>((r) => c.on('header', (t) => t.height === 20000 && r()))
const t0 = performance.now()
await c.start()
await done
console.log({
  startToConnect: t1 - t0,
  connectToTip: performance.now() - t1,
  rate: 20000 / ((performance.now() - t1) / 1000),
})
for (const p of procs) p.kill('SIGKILL')
await c.stop()

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const child = fileURLToPath(new URL('./fixtures/lifecycle-child.ts', import.meta.url))

it('after stop() nothing is left: a process that ran two connected networks exits on its own', async () => {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@chainwire/source', child], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = await new Promise<number | 'hung'>((resolve) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      resolve('hung')
    }, 20_000)
    proc.on('exit', (code) => {
      clearTimeout(timer)
      resolve(code ?? -1)
    })
  })
  expect(stderr).toBe('')
  expect(exited).toBe(0)
  expect(JSON.parse(stdout.trim())).toEqual({
    announcements: 20,
    response: 'peers',
    memoryResponse: 'peers',
    hanging: 'ERR_NOT_CONNECTED',
    rtt: true,
  })
}, 30_000)

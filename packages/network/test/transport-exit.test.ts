import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const child = fileURLToPath(new URL('./fixtures/transport-exit-child.ts', import.meta.url))
const root = fileURLToPath(new URL('../../..', import.meta.url))

describe('transport lifecycle', () => {
  it('leaves no handle behind: a process that listened, dialed and closed exits by itself', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@chainwire/source', child], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let doneAt = 0
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (doneAt === 0 && stdout.startsWith('done')) doneAt = Date.now()
    })
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const result = await new Promise<{ code: number | null; timedOut: boolean }>((resolve) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL')
        resolve({ code: null, timedOut: true })
      }, 20_000)
      proc.on('exit', (code) => {
        clearTimeout(timer)
        resolve({ code, timedOut: false })
      })
    })
    expect({ ...result, stderr }).toEqual({ code: 0, timedOut: false, stderr: '' })
    expect(stdout).toMatch(/^done /)
    // Startup (tsx compiling the sources) may be slow; the exit after the work must not wait on any timer.
    expect(Date.now() - doneAt).toBeLessThan(2_000)
  })
})

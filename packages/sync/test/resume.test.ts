import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

/**
 * Resume after SIGKILL, with real processes: a seed process serves 1,000 blocks over loopback TCP; a node
 * process with a classic-level data dir syncs from it, is killed mid-IBD, and is started again on the same
 * data dir. It must continue from its stored chain, ask for no block it had already validated, and finish.
 */
type Event = Record<string, unknown> & { event: string }

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const f of cleanup.splice(0)) f()
})

/** Starts `test/fixtures/node-process.ts` and calls `onEvent` for each JSON line it prints. */
function start(args: string[], onEvent: (e: Event, child: ChildProcess) => void): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@chainwire/source',
      join('test', 'fixtures', 'node-process.ts'),
      ...args,
    ],
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  cleanup.push(() => child.kill('SIGKILL'))
  let buf = ''
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += d))
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString()
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      const e = JSON.parse(line) as Event
      if (e.event === 'error') throw new Error(`${line}\n${stderr}`)
      onEvent(e, child)
    }
  })
  return child
}

function waitFor<T>(register: (resolve: (v: T) => void) => void, what: string, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
    register((v) => {
      clearTimeout(timer)
      resolve(v)
    })
  })
}

describe('resume after SIGKILL (two real processes, loopback TCP, classic-level)', () => {
  it('continues from the stored chain, downloads nothing already validated again, and completes', async () => {
    const total = 1_000
    const dataDir = mkdtempSync(join(tmpdir(), 'chainwire-sync-resume-'))
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const served = new Map<string, number[]>() // requester peer id -> heights served to it
    const seedReady = waitFor<string>(
      (resolve) => {
        start(['seed', String(total)], (e) => {
          if (e.event === 'listening') resolve(e.address as string)
          if (e.event === 'served') {
            const list = served.get(e.peer as string) ?? []
            list.push(...(e.heights as number[]))
            served.set(e.peer as string, list)
          }
        })
      },
      'the seed',
      90_000,
    )
    const address = await seedReady

    // first run: killed once it has validated a quarter of the chain
    const first = { peer: '', lastTip: 0 }
    await waitFor<void>(
      (resolve) => {
        start(['sync', dataDir, address, String(total)], (e, child) => {
          if (e.event === 'peer') first.peer = e.peer as string
          if (e.event === 'tip') {
            first.lastTip = e.height as number
            if (first.lastTip >= total / 4 && child.exitCode === null && child.signalCode === null) {
              child.kill('SIGKILL')
              child.once('exit', () => resolve())
            }
          }
        })
      },
      'the first run to be killed',
      90_000,
    )
    expect(first.lastTip).toBeLessThan(total)

    // second run on the same data dir
    const second = { peer: '', readyTip: -1 }
    const done = await waitFor<Event>(
      (resolve) => {
        start(['sync', dataDir, address, String(total)], (e) => {
          if (e.event === 'ready') second.readyTip = (e.tip as { height: number }).height
          if (e.event === 'peer') second.peer = e.peer as string
          if (e.event === 'done') resolve(e)
        })
      },
      'the second run to complete',
      90_000,
    )

    // it resumed from what the first run stored (at least every tip it announced before the kill)
    expect(second.readyTip).toBeGreaterThanOrEqual(first.lastTip)
    expect((done.tip as { height: number }).height).toBe(total)
    // nothing at or below the stored tip was asked for again, and each missing block exactly once
    const again = served.get(second.peer) ?? []
    expect(again.every((h) => h > second.readyTip)).toBe(true)
    expect([...again].sort((a, b) => a - b)).toEqual(
      Array.from({ length: total - second.readyTip }, (_, i) => second.readyTip + 1 + i),
    )
    const stats = done.stats as { blocksRequested: number; blocksReceived: number; blocksConnected: number }
    expect(stats.blocksRequested).toBe(total - second.readyTip)
    expect(stats.blocksReceived).toBe(total - second.readyTip)
    expect(stats.blocksConnected).toBe(total - second.readyTip)
    // the first run had asked for blocks too: between them, every block was fetched, the lost ones twice at most
    expect((served.get(first.peer) ?? []).length).toBeGreaterThanOrEqual(first.lastTip)
  }, 300_000)
})

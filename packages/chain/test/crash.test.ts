import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Block } from '@chainwire/protocol-codec'
import { encode } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import { createChain, createNetwork, toHex } from '../src/index'
import {
  BlockBuilder,
  chainState,
  GENESIS_TIME,
  replayState,
  T,
  testClock,
  transfer,
  wallet,
} from './helpers'

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const f of cleanup.splice(0)) f()
})

/** Runs the child until it has acknowledged `killAfter` blocks, then SIGKILLs it; returns the acked heights. */
function runAndKill(args: string[], killAfter: number): Promise<{ acked: number[]; sawDone: boolean }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@chainwire/source', ...args],
    {
      cwd: join(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  cleanup.push(() => child.kill('SIGKILL'))
  const acked: number[] = []
  let sawDone = false
  let stderr = ''
  let buf = ''
  child.stderr?.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.startsWith('ack ')) acked.push(Number(line.slice(4)))
        if (line.startsWith('fail')) reject(new Error(line))
        if (line === 'done') sawDone = true
        if (acked.length === killAfter) child.kill('SIGKILL')
        nl = buf.indexOf('\n')
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ acked, sawDone })
      else reject(new Error(`child exited ${code}: ${stderr}`))
    })
  })
}

describe('crash safety', () => {
  it('a process SIGKILLed while connecting blocks leaves a consistent store: nothing acknowledged lost, nothing validated twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainwire-crash-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const funded = wallet()
    const params = {
      id: 'chainwire-crash-test',
      targetBlockTimeMs: T,
      difficultyWindow: 10,
      powLimitBits: 0x207fffff,
      genesisBits: 0x207fffff,
      genesisTimestamp: GENESIS_TIME,
      genesisTo: funded.key,
      genesisAmount: 1_000_000_000n,
      blockReward: 50n,
    }
    const network = createNetwork(params)
    const builder = new BlockBuilder(network)
    const total = 400
    const blocks = builder.chain(network.genesis, total, (i) =>
      i % 3 === 0 ? [transfer(network, funded, wallet().key, 5n)] : [],
    )
    const blocksFile = join(dir, 'blocks.hex')
    writeFileSync(
      blocksFile,
      blocks.map((b) => toHex(encode({ type: 'new_block', data: { block: b } }))).join('\n'),
    )
    const json = JSON.stringify({ ...params, genesisTo: toHex(funded.key) }, (_k, v) =>
      typeof v === 'bigint' ? `${v}n` : v,
    )
    const store = join(dir, 'store')

    const { acked, sawDone } = await runAndKill(
      ['test/fixtures/connect-blocks.ts', store, blocksFile, json],
      60,
    )
    expect(sawDone).toBe(false)
    expect(acked.length).toBeGreaterThanOrEqual(60)
    const lastAcked = acked.at(-1) as number

    const chain = createChain({ clock: testClock() }, { network, path: store })
    await chain.start()
    cleanup.push(() => void chain.stop())
    const tip = chain.tip()
    expect(tip.height).toBeGreaterThanOrEqual(lastAcked)
    expect(tip.height).toBeLessThan(total)
    // Consistent: the stored state is exactly the replay of the stored chain.
    expect(await chainState(chain)).toEqual(replayState(network, blocks.slice(0, tip.height)))
    // Opening connects at most the one body stored just before the kill (never validated, since its
    // connection had not been written); everything connected before the crash is trusted, not re-run.
    const atOpen = chain.stats().blocksValidated
    expect(atOpen).toBeLessThanOrEqual(1)
    const connectedBeforeCrash = tip.height - atOpen
    expect(connectedBeforeCrash).toBeGreaterThanOrEqual(lastAcked)
    // Feeding every block again validates only the ones the crash cut off: each block exactly once overall.
    for (const b of blocks) await chain.acceptBlock(b as Block)
    expect(chain.tip().height).toBe(total)
    expect(chain.stats().blocksValidated).toBe(total - connectedBeforeCrash)
    expect(await chainState(chain)).toEqual(replayState(network, blocks))
    await chain.stop()
  })
})

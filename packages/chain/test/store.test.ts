import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Block } from '@chainwire/protocol-codec'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { afterEach, describe, expect, it } from 'vitest'
import { ChainError, createChain, createHeaderChain, STORE_FORMAT_VERSION } from '../src/index'
import { BlockBuilder, chainState, replayState, testClock, testNetwork, transfer, wallet } from './helpers'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'chainwire-chain-'))
  dirs.push(d)
  return d
}

async function startError(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    if (ChainError.isInstance(err)) return err.code
    throw err
  }
  return undefined
}

describe('the LevelDB store', () => {
  it('persists blocks, state, a reorg and the mempool-free tip across restarts (classic-level on disk)', async () => {
    const path = tempDir()
    const funded = wallet()
    const network = testNetwork({ genesisTo: funded.key })
    const builder = new BlockBuilder(network)
    const bob = wallet()
    const main = builder.chain(network.genesis, 4, (i) =>
      i === 1 ? [transfer(network, funded, bob.key, 77n)] : [],
    )
    const side = builder.chain(main[0] as Block, 5, () => [], wallet().key)
    const chain = createChain({ clock: testClock() }, { network, path })
    await chain.start()
    for (const b of [...main, ...side]) await chain.acceptBlock(b)
    const tip = chain.tip()
    const state = await chainState(chain)
    await chain.stop()

    const again = createChain({ clock: testClock() }, { network, path })
    await again.start()
    expect(again.tip()).toEqual(tip)
    expect(await chainState(again)).toEqual(state)
    expect(state).toEqual(replayState(network, [main[0] as Block, ...side]))
    expect(again.stats().blocksValidated).toBe(0)
    // The abandoned branch's bodies and undo data are still there: reorganising back works after a restart.
    const back = builder.chain(main[3] as Block, 3)
    for (const b of back) await again.acceptBlock(b)
    expect(again.tip().height).toBe(7)
    expect(await again.account(bob.key)).toEqual({ balance: 77n, nonce: 0 })
    expect(await chainState(again)).toEqual(replayState(network, [...main, ...back]))
    await again.stop()
  })

  it('refuses a store written by a newer format, another network or another program', async () => {
    const network = testNetwork()
    const db = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' })
    const chain = createChain({ clock: testClock() }, { network, db })
    await chain.start()
    await chain.stop()
    await db.open()
    const meta = Uint8Array.from([0x00, ...new TextEncoder().encode('chainwire-chain')])
    const record = new Uint8Array((await db.get(meta)) as Uint8Array)
    const newer = new Uint8Array(record)
    new DataView(newer.buffer).setUint32(0, STORE_FORMAT_VERSION + 1)
    await db.put(meta, newer)
    expect(await startError(createChain({ clock: testClock() }, { network, db }).start())).toBe(
      'ERR_STORE_VERSION',
    )
    await db.put(meta, record)
    expect(
      await startError(
        createChain({ clock: testClock() }, { network: testNetwork({ id: 'other' }), db }).start(),
      ),
    ).toBe('ERR_STORE_FOREIGN')
    const foreign = new MemoryLevel()
    await foreign.put('someone', 'else')
    expect(await startError(createChain({ clock: testClock() }, { network, db: foreign }).start())).toBe(
      'ERR_STORE_FOREIGN',
    )
    expect(
      await startError(createHeaderChain({ clock: testClock() }, { network, db: foreign }).start()),
    ).toBe('ERR_STORE_FOREIGN')
    await db.close()
  })

  it('writes a real LevelDB header store and reads it back', async () => {
    const path = tempDir()
    const network = testNetwork()
    const blocks = new BlockBuilder(network).chain(network.genesis, 50)
    const hc = createHeaderChain({ clock: testClock() }, { network, path })
    await hc.start()
    await hc.acceptHeaders(blocks.map((b) => b.header))
    await hc.stop()
    const db = new ClassicLevel(path)
    const again = createHeaderChain({ clock: testClock() }, { network, db: db as never })
    await again.start()
    expect(again.tip().height).toBe(50)
    await again.stop()
  })

  it('refuses methods before start and after stop', async () => {
    const chain = createChain({ clock: testClock() }, { network: testNetwork() })
    expect(await chain.acceptBlock(testNetwork().genesis).catch((e) => e.code)).toBe('ERR_NOT_STARTED')
    expect(() => createChain({ clock: testClock() }, { path: 'x', db: new MemoryLevel() })).toThrow(
      ChainError,
    )
    expect(() => createChain({ clock: testClock() }, { maxForkDepth: -1 })).toThrow(ChainError)
  })
})

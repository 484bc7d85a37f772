import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { headerHash, toHex, transactionHash } from '@chainwire/chain'
import { TEST_GENESIS_TIME } from '@chainwire/chain/testing'
import type { Block } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import { networkFromJson } from '../../src/index'
import { craftedPeer, stopCrafted } from '../crafted'
import { cleanup, fullNode, scenario, tempDir, until } from '../helpers'
import { cli, has, killChildren } from './run'

afterEach(async () => {
  killChildren()
  await stopCrafted()
  await cleanup()
})

describe('chainwire-light as a process, next to a devnet of full nodes assembled from the packages', () => {
  it('syncs from the devnet folder, survives SIGKILL, verifies a transaction, watches a key, bans a lying peer', async () => {
    const s = scenario(40, 'light-e2e')
    // The devnet folder apps/node writes: the chain's createNetwork parameters as JSON and the nodes.
    const params = {
      id: 'light-e2e',
      targetBlockTimeMs: 1_000,
      difficultyWindow: 10,
      powLimitBits: 0x207fffff,
      genesisBits: 0x207fffff,
      genesisTimestamp: TEST_GENESIS_TIME,
      genesisTo: toHex(s.faucet.key),
      genesisAmount: '1000000000',
      blockReward: '50',
    }
    expect(networkFromJson(params).genesisHash).toEqual(s.network.genesisHash)
    const a = await fullNode(s.network, s.blocks.slice(0, 30))
    const b = await fullNode(s.network, s.blocks.slice(0, 30))
    const tip = a.chain.tip()
    // A lying node of the devnet: its headers break proof of work.
    const liar = await craftedPeer(
      s.network.id,
      '127.0.0.1',
      { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work },
      {
        // whatever the locator: the chain from genesis, its third header's difficulty changed
        get_headers: () => ({
          type: 'headers',
          data: {
            headers: a.chain
              .headersAfter([], undefined, 3)
              .map((x, i) => (i === 2 ? { ...x, bits: 0x1d00ffff } : x)),
          },
        }),
      },
    )
    const devnet = tempDir()
    const node = (name: string, address: string, peerId: string) => ({
      name,
      peerId,
      dataDir: join(devnet, name),
      p2p: [address],
      api: 'http://127.0.0.1:0',
      pid: process.pid,
      roles: ['full'],
    })
    writeFileSync(
      join(devnet, 'devnet.json'),
      JSON.stringify({
        version: 1,
        networkId: s.network.id,
        chain: params,
        nodes: [
          node('a', a.address, a.network.peerId),
          node('b', b.address, b.network.peerId),
          node('liar', liar.address, liar.network.peerId),
        ],
      }),
    )
    const data = tempDir()
    const first = cli(['start', '--devnet', devnet, '--data-dir', data, '--json'])
    await until(() => has(first, 'tip', (e) => e.height === 30), 30_000, `tip 30: ${first.stderr()}`)
    await until(() => has(first, 'banned', (e) => e.peerId === liar.network.peerId), 10_000, 'liar banned')
    first.child.kill('SIGKILL')
    expect(await first.exit).toBe(null)

    // The chain grows while the client is down; it resumes from its store and catches up.
    for (const blk of s.blocks.slice(30)) {
      await a.chain.acceptBlock(blk)
      await b.chain.acceptBlock(blk)
    }
    const second = cli(['start', '--data-dir', data, '--json'], { CHAINWIRE_LIGHT_DEVNET: devnet })
    await until(() => has(second, 'started'), 30_000, `restart: ${second.stderr()}`)
    expect(second.events.find((e) => e.event === 'started')?.height).toBe(30)
    await until(() => has(second, 'tip', (e) => e.height === 40), 30_000, 'tip 40 after restart')
    // The liar is still banned: it never shows up as a connected peer again.
    expect(has(second, 'peer', (e) => e.peerId === liar.network.peerId)).toBe(false)
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)

    const status = cli(['status', '--data-dir', data, '--json'])
    expect(await status.exit).toBe(0)
    expect(status.events[0]).toMatchObject({ event: 'status', running: false, best: { height: 40 } })

    const block7 = s.blocks[6] as Block
    const verify = cli([
      'verify-tx',
      toHex(transactionHash(s.spent)),
      toHex(headerHash(block7.header)),
      '--devnet',
      devnet,
      '--data-dir',
      tempDir(),
      '--json',
    ])
    expect(await verify.exit).toBe(0)
    expect(verify.events.find((e) => e.event === 'verified')).toMatchObject({
      height: 7,
      index: 1,
      confirmations: 34,
    })

    const watch = cli(['watch', toHex(s.alice.key), '--devnet', devnet, '--data-dir', data, '--json'])
    await until(() => watch.events.filter((e) => e.event === 'transaction').length === 2, 30_000, 'watched')
    expect(watch.events.filter((e) => e.event === 'transaction').map((e) => [e.height, e.direction])).toEqual(
      [
        [3, 'in'],
        [7, 'out'],
      ],
    )
    watch.child.kill('SIGINT')
    expect(await watch.exit).toBe(0)
  }, 180_000)

  it('prints help and version, and refuses bad usage with exit code 2', async () => {
    const help = cli(['--help'])
    expect(await help.exit).toBe(0)
    const version = cli(['--version'])
    expect(await version.exit).toBe(0)
    const missing = cli(['start', '--devnet', tempDir()])
    expect(await missing.exit).toBe(1)
    expect(missing.stderr()).toContain('start the devnet first: pnpm start')
    const bad = cli(['start', '--min-agreeing-groups', 'many'])
    expect(await bad.exit).toBe(2)
  }, 60_000)
})

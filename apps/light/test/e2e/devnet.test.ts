/**
 * `chainwire-light` against a real devnet of `chainwire-node` processes (apps/node's `Devnet`, the runner of
 * `chainwire-node devnet` and `pnpm start`): the client syncs from the folder the devnet writes, bans a lying
 * peer and keeps syncing from the honest nodes, survives SIGKILL, and verifies a transaction sent through a
 * node's API with a merkle proof the nodes serve, and finds it again by watching the receiving key through the
 * nodes' compact block filters.
 */
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { headerHash, toHex, transactionHash } from '@chainwire/chain'
import { Devnet } from '@chainwire/node'
import { readDevnet } from '@chainwire/node/devnet'
import { type Block, fromJSON } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import { networkFromJson } from '../../src/index'
import { craftedPeer, stopCrafted } from '../crafted'
import { cleanup, tempDir, until } from '../helpers'
import { cli, has, killChildren, type Run } from './run'

/** `chainwire-node` from its sources, as apps/node's own process tests run it. */
const NODE_CLI = {
  file: process.execPath,
  args: [
    '--import',
    'tsx',
    '--conditions=@chainwire/source',
    join(dirname(createRequire(import.meta.url).resolve('@chainwire/node/package.json')), 'src', 'cli.ts'),
  ],
}

let devnet: Devnet | undefined
afterEach(async () => {
  killChildren()
  await devnet?.stop(5_000)
  devnet = undefined
  await stopCrafted()
  await cleanup()
})

// biome-ignore lint/suspicious/noExplicitAny: API answers are checked field by field
async function api(base: string, path: string): Promise<any> {
  const res = await fetch(new URL(path, base))
  if (!res.ok) throw new Error(`${path}: ${res.status}`)
  return res.json()
}

/** Waits for a condition on a light client's events, failing with its stderr. */
const waitFor = (run: Run, what: string, check: () => boolean, ms = 60_000) =>
  until(check, ms, `${what}: ${run.stderr().slice(-2_000)}`)

const lastTip = (run: Run): number =>
  Math.max(0, ...run.events.filter((e) => e.event === 'tip').map((e) => e.height as number))

describe('chainwire-light next to a devnet of chainwire-node processes', () => {
  it('syncs, bans a lying peer, survives SIGKILL, and verifies a transaction with a merkle proof', async () => {
    const dir = tempDir()
    devnet = await Devnet.start({
      dir,
      nodes: 2,
      blockTimeMs: 500,
      logLevel: 'warn',
      command: NODE_CLI,
      say: () => {},
    })
    const file = await readDevnet(dir)
    const nodeApi = file.nodes[0]?.api as string
    const chain = networkFromJson(file.chain)
    const honest = file.nodes.map((n) => n.p2p.find((a) => a.startsWith('tcp://')) as string)

    // A lying peer on the devnet's network: it claims far more work, and its headers break proof of work.
    const liar = await craftedPeer(
      file.networkId,
      '127.0.0.1',
      { bestHeight: 1_000, bestHash: new Uint8Array(32).fill(7), totalWork: 1n << 200n },
      {
        get_headers: () => ({
          type: 'headers',
          data: {
            headers: [
              {
                version: 1,
                height: 1,
                prevHash: chain.genesisHash,
                merkleRoot: new Uint8Array(32).fill(1),
                timestamp: chain.genesis.header.timestamp + 1_000,
                bits: 0x1d00ffff,
                nonce: 0,
              },
            ],
          },
        }),
      },
    )
    const bootstrap = [...honest, liar.address].flatMap((a) => ['--bootstrap', a])
    const data = tempDir()

    const first = cli(['start', '--devnet', dir, ...bootstrap, '--data-dir', data, '--json'])
    await waitFor(first, 'liar banned', () => has(first, 'banned', (e) => e.peerId === liar.network.peerId))
    await waitFor(first, 'tip 3', () => lastTip(first) >= 3)

    // A transfer from the devnet faucet to a fresh key, through a node's API (chainwire-node wallet send).
    const sentAt = (await api(nodeApi, '/api/status')).height as number
    const to = toHex(crypto.getRandomValues(new Uint8Array(32)))
    const sent = JSON.parse(
      (
        await promisify(execFile)(NODE_CLI.file, [
          ...NODE_CLI.args,
          'wallet',
          'send',
          '--to',
          to,
          '--amount',
          '777',
          '--faucet',
          '--api',
          nodeApi,
        ])
      ).stdout,
    ) as { result: string; hash: string }
    expect(sent.result).toBe('accepted')
    const deadline = Date.now() + 60_000
    while ((await api(nodeApi, `/api/accounts/${to}`)).balance !== '777') {
      if (Date.now() > deadline) throw new Error('the transfer was not mined')
      await new Promise((r) => setTimeout(r, 250))
    }
    const minedAt = (await api(nodeApi, '/api/status')).height as number

    // SIGKILL while following the tip; the restart resumes from the LevelDB store and catches up.
    await waitFor(first, 'tip past the transfer', () => lastTip(first) >= minedAt)
    const before = lastTip(first)
    first.child.kill('SIGKILL')
    expect(await first.exit).toBe(null)
    const second = cli(['start', ...bootstrap, '--data-dir', data, '--json'], { CHAINWIRE_LIGHT_DEVNET: dir })
    await waitFor(second, 'restart', () => has(second, 'started'))
    expect(second.events.find((e) => e.event === 'started')?.height).toBeGreaterThanOrEqual(before)
    await waitFor(second, 'catching up', () => lastTip(second) > before)
    // The ban survived the restart: the liar is never a connected peer again.
    expect(has(second, 'peer', (e) => e.peerId === liar.network.peerId)).toBe(false)
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)

    // The block that holds the transfer, as the node reports it; verify-tx proves the transfer in it with a
    // merkle proof from the devnet's nodes, checked against the headers the client verified itself.
    let found: { hash: string; height: number; index: number } | undefined
    for (let h = minedAt; h >= sentAt && found === undefined; h--) {
      const answer = await api(nodeApi, `/api/blocks/${h}`)
      const message = fromJSON({ type: 'new_block', data: { block: answer.block } })
      const block = (message.data as { block: Block }).block
      const index = block.transactions.findIndex((t) => toHex(transactionHash(t)) === sent.hash)
      if (index >= 0) found = { hash: toHex(headerHash(block.header)), height: h, index }
    }
    if (found === undefined) throw new Error(`transfer ${sent.hash} not found in blocks ${sentAt}-${minedAt}`)
    const verify = cli([
      'verify-tx',
      sent.hash,
      found.hash,
      '--devnet',
      dir,
      '--data-dir',
      tempDir(),
      '--json',
    ])
    expect(await verify.exit).toBe(0)
    const verified = verify.events.find((e) => e.event === 'verified')
    expect(verified).toMatchObject({ height: found.height, index: found.index })
    expect(verified?.confirmations as number).toBeGreaterThanOrEqual(1)

    // Watching the receiving key: the nodes' compact filters (BIP158) match it at the transfer's block only,
    // and the client proves the transaction it found there.
    const watch = cli(['watch', to, '--devnet', dir, '--data-dir', tempDir(), '--json'])
    await until(() => has(watch, 'transaction'), 60_000, 'watched transfer')
    expect(watch.events.find((e) => e.event === 'transaction')).toMatchObject({
      height: found.height,
      direction: 'in',
    })
    watch.child.kill('SIGINT')
    expect(await watch.exit).toBe(0)

    // A proof asked for a block the devnet never made is refused, and the command fails.
    const forged = cli([
      'verify-tx',
      sent.hash,
      toHex(new Uint8Array(32).fill(9)),
      '--devnet',
      dir,
      '--data-dir',
      tempDir(),
      '--timeout',
      '2000',
      '--json',
    ])
    expect(await forged.exit).not.toBe(0)
  }, 240_000)
})

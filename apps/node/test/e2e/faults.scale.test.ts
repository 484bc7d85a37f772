/**
 * Faults on a real devnet of `chainwire-node` processes on loopback (fast 100 ms blocks): a peer sending
 * invalid blocks is disconnected and banned, and the ban survives a restart; a node started later syncs from
 * scratch (progress events seen) and follows the tip; a node SIGKILLed during its initial sync restarts from its
 * data dir without downloading validated blocks again; a partition into two mining halves heals onto the
 * most-work chain with the losing branch's transaction kept.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIdentity, createNetwork, type Network } from '@chainwire/network'
import { fromJSON, type Message } from '@chainwire/protocol-codec'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCookie } from '../../src/data-dir'
import type { DevnetNode } from '../../src/devnet/read'
import { Devnet } from '../../src/devnet/run'
import { faucetSecret, sendTransfer } from '../../src/wallet'
import { CLI, get, post, until } from './helpers'

const NETWORK_ID = 'chainwire-devnet-local'
let devnet: Devnet
let dir: string
let attacker: Network | undefined

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-faults-'))
  devnet = await Devnet.start({
    dir,
    nodes: 4,
    blockTimeMs: 100,
    logLevel: 'warn',
    command: CLI,
    say: () => {},
  })
}, 90_000)

afterAll(async () => {
  await attacker?.stop()
  await devnet?.stop(5_000)
  rmSync(dir, { recursive: true, force: true })
})

const node = (name: string) => devnet.nodes().find((n) => n.name === name) as DevnetNode
const admin = (n: DevnetNode, path: string, body: unknown) =>
  post(n.api, `/api/admin/${path}`, body, readCookie(n.dataDir))
async function bans(n: DevnetNode): Promise<string[]> {
  const res = await fetch(`${n.api}/api/admin/bans`, {
    headers: { authorization: `Bearer ${readCookie(n.dataDir)}` },
  })
  return ((await res.json()) as { target: string }[]).map((b) => b.target)
}
const height = async (n: DevnetNode) => (await get(n.api, '/api/status')).height as number

describe('faults on a devnet of processes', () => {
  it('disconnects and bans a peer that sends invalid blocks; the ban survives a restart', async () => {
    const target = node('node-3')
    await until(async () => (await height(target)) >= 3, 30_000)
    attacker = createNetwork({ identity: createIdentity() }, { networkId: NETWORK_ID, listen: [] })
    await attacker.start()
    const address = target.p2p.find((a) => a.startsWith('tcp://')) as string
    const peer = await attacker.dial(address)
    expect(peer.peerId).toBe(target.peerId)
    const mine = attacker.getNetworkStatus().peerId
    const genuine = (await get(target.api, '/api/blocks/1')).block
    let sent = 0
    for (let i = 0; i < 10 && attacker.getPeer(target.peerId) !== undefined; i++) {
      // a block whose transactions do not match its header (and a header unknown to the node)
      const forged = structuredClone(genuine)
      forged.header.timestamp += 1 + i
      forged.header.merkleRoot = 'ee'.repeat(32)
      await attacker.send(target.peerId, fromJSON({ type: 'new_block', data: { block: forged } }) as Message)
      sent++
      await new Promise((r) => setTimeout(r, 200))
    }
    await until(async () => (await bans(target)).includes(mine), 10_000)
    expect(sent).toBeGreaterThan(0)
    expect(attacker.getPeer(target.peerId)).toBeUndefined()
    // banned: a new connection is refused
    await expect(attacker.dial(address)).rejects.toThrow()
    await devnet.kill('node-3', 'SIGTERM')
    const restarted = await devnet.restart('node-3')
    expect(await bans(restarted)).toContain(mine)
    await expect(attacker.dial(restarted.p2p.find((a) => a.startsWith('tcp://')) as string)).rejects.toThrow()
    await attacker.stop()
    attacker = undefined
  })

  it('a node started later syncs from scratch with progress events and follows the tip', async () => {
    await until(async () => (await height(node('node-1'))) >= 60, 60_000)
    const late = await devnet.add()
    const events = await fetch(`${late.api}/api/events?since=0`)
    const reader = (events.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        text += Buffer.from(value).toString('utf8')
      }
    })()
    const tipOf = async () => (await get(node('node-1').api, '/api/status')).height as number
    await until(async () => (await height(late)) >= (await tipOf()) - 1, 60_000)
    // following: it keeps up with blocks mined after its sync
    const after = await tipOf()
    await until(async () => (await height(late)) >= after + 10, 30_000)
    await reader.cancel()
    await reading.catch(() => undefined)
    const progress = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)))
      .filter((e) => e.type === 'sync:progress')
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.some((e) => e.data.blocksTotal >= 60)).toBe(true)
    await devnet.kill(late.name)
  })

  it('a node SIGKILLed during initial sync restarts from its data dir and downloads only what it lacked', async () => {
    await until(async () => (await height(node('node-1'))) >= 200, 60_000)
    const fresh = await devnet.add()
    try {
      // kill once it has validated about half of the chain: polled back to back (a fast machine validates the
      // 200 blocks in well under the 250 ms of `until`), the kill sent as soon as 100 blocks are in
      let killedAt = 0
      const killBy = Date.now() + 60_000
      while (killedAt === 0) {
        if (Date.now() > killBy) throw new Error('the fresh node did not validate 100 blocks within 60 s')
        const s = await get(fresh.api, '/api/status').catch(() => ({ height: 0 }))
        if (s.height >= 100) {
          killedAt = s.height
          await devnet.kill(fresh.name, 'SIGKILL')
        } else await new Promise((r) => setTimeout(r, 2))
      }
      const tipAtKill = await height(node('node-1'))
      expect(killedAt, 'killed before the initial sync finished').toBeLessThan(tipAtKill - 20)
      const again = await devnet.restart(fresh.name)
      const startHeight = await height(again)
      // what was validated before the kill is in the data dir
      expect(startHeight).toBeGreaterThanOrEqual(killedAt)
      await until(async () => (await height(again)) >= (await height(node('node-1'))) - 1, 60_000)
      const tipNow = await height(again)
      const stats = (await get(again.api, '/api/sync')).stats
      // only the blocks above what it held were downloaded after the restart: those mined meanwhile and the
      // stale blocks of the devnet's short forks (two miners, 100 ms blocks) are in the slack of 20; the
      // >= 100 blocks validated before the kill, downloaded again, would not be
      expect(stats.blocksReceived).toBeLessThanOrEqual(tipNow - startHeight + 20)
    } finally {
      await devnet.kill(fresh.name, 'SIGKILL')
    }
  })

  it('a partition into two mining halves heals onto the most-work chain; the losing branch tx is kept', async () => {
    // half A: node-0, node-1 (mining every 100 ms), node-2 (validator); half B: node-3 and a slower miner
    const slow = await devnet.add({ mining: true, extraArgs: ['--set', 'mining.intervalMs=500'] })
    const a = [node('node-0'), node('node-1'), node('node-2')]
    const b = [node('node-3'), slow]
    await until(async () => (await height(slow)) >= (await height(node('node-1'))) - 1, 60_000)
    for (const x of a)
      for (const y of b) {
        expect((await admin(x, 'ban', { target: y.peerId, durationMs: 600_000 })).status).toBe(200)
        expect((await admin(y, 'ban', { target: x.peerId, durationMs: 600_000 })).status).toBe(200)
      }
    // no node of one half is a peer of a node of the other (and no other node runs to bridge them)
    expect(devnet.nodes().filter((n) => devnet.running(n.name)).length).toBe(a.length + b.length)
    const other = (n: DevnetNode) => (a.includes(n) ? b : a)
    await until(async () => {
      const lists: { peerId: string }[][] = await Promise.all(
        [...a, ...b].map((n) => get(n.api, '/api/peers')),
      )
      return [...a, ...b].every((n, i) =>
        lists[i]?.every((p) => !other(n).some((x) => x.peerId === p.peerId)),
      )
    }, 10_000)
    // half B's two nodes are peers of each other (the late miner found its peers through node-0 and may not
    // have picked node-3), so B's transfer reaches B's miner
    const bAddress = b[0]?.p2p.find((p) => p.startsWith('tcp://')) as string
    await until(async () => {
      const peers: { peerId: string }[] = await get(slow.api, '/api/peers')
      if (peers.some((p) => p.peerId === b[0]?.peerId)) return true
      await admin(slow, 'connect', { address: bAddress })
      return false
    }, 30_000)
    const forkHeight = await height(node('node-3'))
    // a transfer in half B, mined on B's branch only
    const to = 'fe'.repeat(32)
    const sent = await sendTransfer(b[0]?.api as string, faucetSecret(), NETWORK_ID, {
      to,
      amount: 4242n,
      fee: 2_000n,
    })
    expect(sent.result).toBe('accepted')
    await until(async () => (await get(slow.api, `/api/accounts/${to}`)).balance === '4242', 60_000)
    await until(async () => (await height(slow)) >= forkHeight + 3, 60_000)
    expect((await get(a[1]?.api as string, `/api/accounts/${to}`)).balance).toBe('0')
    // heal
    for (const x of a)
      for (const y of b) {
        await admin(x, 'unban', { target: y.peerId })
        await admin(y, 'unban', { target: x.peerId })
      }
    for (const y of b) await admin(y, 'connect', { address: a[0]?.p2p.find((p) => p.startsWith('tcp://')) })
    // every node on one tip, the most-work one (half A mines five times faster)
    await until(async () => {
      const tips = await Promise.all([...a, ...b].map((n) => get(n.api, '/api/status')))
      return tips.every((t) => t.tip === tips[0].tip)
    }, 60_000)
    const onA = await get(a[1]?.api as string, '/api/status')
    expect(onA.height).toBeGreaterThan(forkHeight)
    // the losing branch's transfer is back in the mempool, or mined again on the winning chain
    await until(async () => {
      const pool = await get(b[0]?.api as string, '/api/mempool')
      const account = await get(b[0]?.api as string, `/api/accounts/${to}`)
      return (pool.transactions as string[]).includes(sent.hash as string) || account.balance === '4242'
    }, 60_000)
    await until(async () => {
      const balances = await Promise.all([...a, ...b].map((n) => get(n.api, `/api/accounts/${to}`)))
      return balances.every((x) => x.balance === '4242')
    }, 60_000)
  })
})

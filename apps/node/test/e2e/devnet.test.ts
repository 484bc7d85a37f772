/**
 * A real devnet: four `chainwire-node` processes on loopback (port 0), each with a LevelDB data dir, one
 * mining, one validating. Every node reaches the same tip; a transaction submitted through one node's API
 * reaches every mempool and then a block; the API answers bad input with 4xx JSON errors; the OpenAPI
 * description matches the routes; the metrics scrape passes `promtool check metrics`.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIdentity, createNetwork } from '@chainwire/network'
import type { ConsensusVoteData } from '@chainwire/protocol-codec'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OPENAPI } from '../../src/api/openapi'
import { ROUTES } from '../../src/api/routes'
import { readCookie } from '../../src/data-dir'
import { readDevnet } from '../../src/devnet/read'
import { Devnet } from '../../src/devnet/run'
import { faucetSecret, sendTransfer } from '../../src/wallet'
import { CLI, get, post, until } from './helpers'

let devnet: Devnet
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-devnet-'))
  devnet = await Devnet.start({
    dir,
    nodes: 4,
    blockTimeMs: 1_000,
    logLevel: 'warn',
    command: CLI,
    say: () => {},
  })
}, 90_000)

afterAll(async () => {
  await devnet?.stop(5_000)
  rmSync(dir, { recursive: true, force: true })
})

describe('a 4-node devnet', () => {
  it('writes devnet.json that readDevnet reads', async () => {
    const file = await readDevnet(dir)
    expect(file.nodes).toHaveLength(4)
    expect(file.networkId).toBe('chainwire-devnet-local')
    for (const n of file.nodes) {
      expect(n.p2p.some((a) => a.startsWith('tcp://127.0.0.1:'))).toBe(true)
      expect(n.p2p.some((a) => a.startsWith('ws://127.0.0.1:'))).toBe(true)
    }
    expect(file.nodes.map((n) => n.roles.join('+'))).toEqual([
      'full+bootstrap',
      'full+miner',
      'full+validator',
      'full',
    ])
  })

  it('mines, and every node reaches the same tip', async () => {
    const apis = devnet.nodes().map((n) => n.api)
    await until(async () => {
      const tips = await Promise.all(apis.map((a) => get(a, '/api/status')))
      return tips.every((t) => t.height >= 5 && t.tip === tips[0].tip && t.peers >= 2)
    }, 60_000)
  })

  it('spreads a transaction submitted to one node to every mempool, then into a block everywhere', async () => {
    const apis = devnet.nodes().map((n) => n.api)
    const to = 'cd'.repeat(32)
    const sent = await sendTransfer(apis[3] as string, faucetSecret(), 'chainwire-devnet-local', {
      to,
      amount: 777n,
      fee: 2_000n,
    })
    expect(sent.result).toBe('accepted')
    const hash = sent.hash as string
    // in every mempool (or already mined: a 1 s block may take it before the last node is asked)
    await until(async () => {
      const seen = await Promise.all(
        apis.map(async (a) => {
          const pool = await get(a, '/api/mempool')
          const account = await get(a, `/api/accounts/${to}`)
          return (pool.transactions as string[]).includes(hash) || account.balance === '777'
        }),
      )
      return seen.every(Boolean)
    }, 20_000)
    await until(async () => {
      const balances = await Promise.all(apis.map((a) => get(a, `/api/accounts/${to}`)))
      return balances.every((b) => b.balance === '777')
    }, 30_000)
  })

  it('finalises blocks on the validator', async () => {
    const validator = devnet.nodes()[2]?.api as string
    await until(async () => (await get(validator, '/api/status')).finalized !== null, 20_000)
  })

  it("sends validators' votes to a light peer", async () => {
    const validator = devnet.nodes()[2] as { api: string; p2p: string[]; peerId: string }
    const light = createNetwork(
      { identity: createIdentity() },
      { networkId: 'chainwire-devnet-local', listen: [], roles: ['light'] },
    )
    const votes: ConsensusVoteData[] = []
    light.on('message:consensus_vote', (e) => votes.push(e.message.data))
    await light.start()
    try {
      await light.dial(validator.p2p.find((a) => a.startsWith('tcp://')) as string)
      await until(async () => votes.length >= 2, 20_000)
      // each vote is for a block of the validator's chain
      const vote = votes[0] as ConsensusVoteData
      const block = await get(validator.api, `/api/blocks/${vote.height}`)
      expect(block.hash).toBe(Buffer.from(vote.blockHash as Uint8Array).toString('hex'))
    } finally {
      await light.stop()
    }
  })

  it('forwards votes to a light peer connected only to non-validator full nodes, once per vote and peer', async () => {
    const validator = devnet.nodes()[2] as { peerId: string; api: string }
    const full = devnet.nodes().filter((n) => n.peerId !== validator.peerId)
    const light = createNetwork(
      { identity: createIdentity() },
      { networkId: 'chainwire-devnet-local', listen: [], roles: ['light'] },
    )
    const got: { from: string; vote: ConsensusVoteData }[] = []
    light.on('message:consensus_vote', (e) => got.push({ from: e.peerId, vote: e.message.data }))
    await light.start()
    try {
      for (const n of full) await light.dial(n.p2p.find((a) => a.startsWith('tcp://')) as string)
      expect(light.peers().map((p) => p.peerId)).not.toContain(validator.peerId)
      await until(async () => new Set(got.map((g) => g.vote.height)).size >= 2, 30_000)
      const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
      for (const { from, vote } of got) {
        expect(full.map((n) => n.peerId)).toContain(from)
        // a vote of the devnet's validator for a block of its chain
        const block = await get(validator.api, `/api/blocks/${vote.height}`)
        expect(block.hash).toBe(hex(vote.blockHash as Uint8Array))
      }
      // deduplicated: no peer sent the same vote twice
      const keys = got.map(
        (g) => `${g.from} ${hex(g.vote.validator)} ${g.vote.height} ${hex(g.vote.blockHash as Uint8Array)}`,
      )
      expect(new Set(keys).size).toBe(keys.length)
      // the full nodes count the votes they forward: finality on a node that is not the validator
      await until(
        async () => (await get(full[full.length - 1]?.api as string, '/api/status')).finalized !== null,
        20_000,
      )
    } finally {
      await light.stop()
    }
  })

  it('answers bad input with 4xx JSON errors and keeps running', async () => {
    const api = devnet.nodes()[0]?.api as string
    const cases: [string, () => Promise<Response>, number][] = [
      ['bad hash', () => fetch(`${api}/api/blocks/zz`), 400],
      ['unknown block', () => fetch(`${api}/api/blocks/${'00'.repeat(32)}`), 404],
      ['unknown route', () => fetch(`${api}/api/nothing`), 404],
      ['wrong method', () => fetch(`${api}/api/status`, { method: 'POST' }), 405],
      ['bad limit', () => fetch(`${api}/api/blocks?limit=-1`), 400],
      ['bad peer id', () => fetch(`${api}/api/peers/not-a-peer`), 400],
      [
        'not JSON',
        () =>
          fetch(`${api}/api/tx`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{',
          }),
        400,
      ],
      ['no content type', () => fetch(`${api}/api/tx`, { method: 'POST', body: '{}' }), 415],
      ['not a transaction', () => post(api, '/api/tx', { transaction: { version: 1 } }), 400],
      ['too large', () => post(api, '/api/tx', { transaction: 'x'.repeat(2_000_000) }), 413],
      ['admin without token', () => post(api, '/api/admin/ban', { target: '203.0.113.1' }), 401],
      [
        'admin with a wrong token',
        () => post(api, '/api/admin/ban', { target: '203.0.113.1' }, 'f'.repeat(64)),
        401,
      ],
    ]
    for (const [name, call, status] of cases) {
      const res = await call()
      expect(res.status, name).toBe(status)
      const body = (await res.json()) as { error: { code: string } }
      expect(typeof body.error.code, name).toBe('string')
    }
    expect((await get(api, '/api/status')).height).toBeGreaterThan(0)
  })

  it('runs admin actions with the cookie token', async () => {
    const node = devnet.nodes()[0] as { api: string; dataDir: string }
    const token = readCookie(node.dataDir) as string
    const ban = await post(
      node.api,
      '/api/admin/ban',
      { target: '203.0.113.0/24', durationMs: 60_000 },
      token,
    )
    expect(ban.status).toBe(200)
    const bans = (await (
      await fetch(`${node.api}/api/admin/bans`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { target: string }[]
    expect(bans.map((b) => b.target)).toContain('203.0.113.0/24')
    const unban = await post(node.api, '/api/admin/unban', { target: '203.0.113.0/24' }, token)
    expect(await unban.json()).toEqual({ unbanned: true })
  })

  it('documents every route in OpenAPI, and the live answers carry the documented fields', async () => {
    const documented = Object.entries(OPENAPI.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    const served = [...ROUTES.map((r) => `${r.method} ${r.path}`), 'GET /api/events', 'GET /api/openapi.json']
    expect([...documented].sort()).toEqual([...served].sort())
    const node = devnet.nodes()[1] as { api: string; peerId: string }
    const peerId = (await get(node.api, '/api/peers'))[0].peerId as string
    const samples: Record<string, string> = {
      '/api/peers/{peerId}': `/api/peers/${peerId}`,
      '/api/blocks/{id}': '/api/blocks/1',
      '/api/accounts/{key}': `/api/accounts/${'ab'.repeat(32)}`,
    }
    for (const [path, ops] of Object.entries(OPENAPI.paths)) {
      const op = (
        ops as Record<
          string,
          {
            security?: unknown
            responses: Record<
              string,
              {
                content?: Record<
                  string,
                  { schema: { type: string; required?: string[]; items?: { required: string[] } } }
                >
              }
            >
          }
        >
      ).get
      if (
        op === undefined ||
        op.security !== undefined ||
        path === '/api/events' ||
        path === '/api/tx/{hash}'
      )
        continue
      const res = await fetch(`${node.api}${samples[path] ?? path}`)
      expect(res.status, path).toBe(200)
      const schema = op.responses[200]?.content?.['application/json']?.schema
      const body = (await res.json()) as Record<string, unknown> | Record<string, unknown>[]
      const required = schema?.type === 'array' ? (schema.items?.required ?? []) : (schema?.required ?? [])
      for (const item of Array.isArray(body) ? body : [body])
        for (const key of required) expect(item, `${path} ${key}`).toHaveProperty(key)
    }
  })

  it('serves a metrics scrape that promtool accepts', async () => {
    const api = devnet.nodes()[1]?.api as string
    const text = await (await fetch(`${api}/metrics`)).text()
    expect(text).toMatch(/chainwire_node_tip_height \d+/)
    expect(text).toMatch(/chainwire_network_messages_total\{/)
    expect(text).toMatch(/chainwire_chain_blocks_connected_total \d+/)
    expect(text).toMatch(/chainwire_process_cpu_user_seconds_total/)
    expect(existsSync('/usr/bin/promtool'), 'promtool (Debian prometheus) is installed by .ci/run').toBe(true)
    execFileSync('/usr/bin/promtool', ['check', 'metrics'], { input: text })
    // every metric the Grafana dashboard queries is in the scrape (declared, histograms by their base name)
    const dashboard = readFileSync(new URL('../../grafana/chainwire-node.json', import.meta.url), 'utf8')
    const queried = new Set(dashboard.match(/chainwire_[a-z_]+/g) ?? [])
    expect(queried.size).toBeGreaterThan(10)
    for (const name of queried) {
      const base = name.replace(/_bucket$/, '')
      expect(text, name).toMatch(new RegExp(`^# TYPE ${base} `, 'm'))
    }
  })
})

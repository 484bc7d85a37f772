/**
 * The HTTP API's routes: one table of method, path, whether the admin token is needed, and the handler. The
 * OpenAPI description (`openapi.ts`) documents each; `test/api.test.ts` checks the two against each other.
 */
import { headerHash, transactionHash } from '@chainwire/chain'
import { isPeerId, tryParseAddress } from '@chainwire/interface'
import type { Transaction } from '@chainwire/protocol-codec'
import { fromJSON } from '@chainwire/protocol-codec'
import { fromHex, toHex } from '../devnet/chain-params'
import type { ChainwireNode } from '../node'
import { blockJson, jsonSafe, transactionJson } from './json'

/** An API failure: an HTTP status and a stable code, rendered as `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** One request as a handler sees it. */
export interface ApiRequest {
  params: Record<string, string>
  query: URLSearchParams
  body: unknown
}

/** One route. */
export interface Route {
  method: 'GET' | 'POST'
  /** Path with `{name}` parameters, as in OpenAPI. */
  path: string
  admin: boolean
  handler(node: ChainwireNode, req: ApiRequest): unknown | Promise<unknown>
}

const HASH = /^[0-9a-f]{64}$/

function hashParam(text: string | undefined, name: string): Uint8Array {
  if (text === undefined || !HASH.test(text))
    throw new HttpError(400, 'ERR_BAD_HASH', `${name} must be 64 lowercase hex digits`)
  return fromHex(text)
}

function intQuery(q: URLSearchParams, name: string, dflt: number, max: number): number {
  const text = q.get(name)
  if (text === null) return dflt
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) > max)
    throw new HttpError(400, 'ERR_BAD_QUERY', `${name} must be an integer from 0 to ${max}`)
  return Number(text)
}

function bodyField(body: unknown, name: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'ERR_BAD_BODY', 'the body must be a JSON object')
  return (body as Record<string, unknown>)[name]
}

function stringField(body: unknown, name: string): string {
  const v = bodyField(body, name)
  if (typeof v !== 'string' || v.length === 0 || v.length > 300)
    throw new HttpError(400, 'ERR_BAD_BODY', `${name} must be a string`)
  return v
}

function peerParam(text: string | undefined): string {
  if (text === undefined || !isPeerId(text)) throw new HttpError(400, 'ERR_BAD_PEER_ID', 'not a peer id')
  return text
}

/** The status summary: height, tip, peers, sync state. */
export function status(node: ChainwireNode) {
  const tip = node.chain.tip()
  const final = node.chain.finalized()
  return {
    peerId: node.peerId,
    networkId: node.chainNetwork.id,
    height: tip.height,
    tip: toHex(tip.hash),
    work: tip.work.toString(),
    headerHeight: node.chain.bestHeader().height,
    peers: node.network.peers().length,
    sync: node.sync.state(),
    finalized: final === undefined ? null : { height: final.height, hash: toHex(final.hash) },
    mempool: node.chain.stats().mempoolSize,
    roles: node.config.roles,
    mining: node.producer !== undefined,
    listen: node.network.listenAddresses(),
    uptimeMs: node.clock.now() - node.startedAt,
    userAgent: 'chainwire-node/0.1.0',
  }
}

function peerJson(node: ChainwireNode, peerId: string, explain: boolean) {
  const peer = node.network.getPeer(peerId)
  if (peer === undefined) return undefined
  const score = node.scoring.getScore(peerId)
  const status = node.network.getNetworkStatus().peers.find((p) => p.peerId === peerId)
  return {
    peerId,
    direction: peer.direction,
    kind: peer.kind,
    address: peer.remoteAddress,
    connectedAt: peer.connectedAt,
    latencyMs: peer.latencyMs ?? null,
    userAgent: peer.hello.userAgent,
    roles: peer.hello.roles,
    height: peer.hello.bestHeight,
    score: score.total,
    state: score.state,
    relayScore: node.relay.score(peerId),
    bytesIn: status?.bytesIn ?? 0,
    bytesOut: status?.bytesOut ?? 0,
    ...(explain
      ? {
          explain: jsonSafe(node.scoring.explain(peerId)),
          explainText: node.scoring.explain(peerId).toString(),
        }
      : {}),
  }
}

async function blockAt(node: ChainwireNode, id: string | undefined) {
  if (id !== undefined && /^[0-9]{1,12}$/.test(id)) {
    const block = await node.chain.getBlockByHeight(Number(id))
    if (block === undefined) throw new HttpError(404, 'ERR_NOT_FOUND', `no block at height ${id}`)
    return block
  }
  const block = await node.chain.getBlock(hashParam(id, 'block'))
  if (block === undefined) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such block')
  return block
}

function blockSummary(
  node: ChainwireNode,
  block: { header: Parameters<typeof headerHash>[0]; transactions: unknown[] },
) {
  const hash = headerHash(block.header)
  return {
    hash: toHex(hash),
    height: block.header.height,
    timestamp: block.header.timestamp,
    transactions: block.transactions.length,
    final: (node.chain.finalized()?.height ?? -1) >= block.header.height && node.chain.isOnActiveChain(hash),
  }
}

/** Every route of the API. */
export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/api/status', admin: false, handler: (node) => status(node) },
  {
    method: 'GET',
    path: '/api/peers',
    admin: false,
    handler: (node) => node.network.peers().map((p) => peerJson(node, p.peerId, true)),
  },
  {
    method: 'GET',
    path: '/api/peers/{peerId}',
    admin: false,
    handler: (node, req) => {
      const peer = peerJson(node, peerParam(req.params.peerId), true)
      if (peer === undefined) throw new HttpError(404, 'ERR_NOT_FOUND', 'not connected to that peer')
      return peer
    },
  },
  {
    method: 'GET',
    path: '/api/chain/tip',
    admin: false,
    handler: (node) => {
      const tip = node.chain.tip()
      return {
        hash: toHex(tip.hash),
        height: tip.height,
        work: tip.work.toString(),
        header: jsonSafe(node.chain.getHeader(tip.hash)),
      }
    },
  },
  {
    method: 'GET',
    path: '/api/blocks',
    admin: false,
    handler: async (node, req) => {
      const limit = intQuery(req.query, 'limit', 20, 100)
      const out = []
      for (let h = node.chain.tip().height; h >= 0 && out.length < limit; h--) {
        const block = await node.chain.getBlockByHeight(h)
        if (block !== undefined) out.push(blockSummary(node, block))
      }
      return out
    },
  },
  {
    method: 'GET',
    path: '/api/blocks/{id}',
    admin: false,
    handler: async (node, req) => {
      const block = await blockAt(node, req.params.id)
      return { ...blockSummary(node, block), block: blockJson(block) }
    },
  },
  {
    method: 'GET',
    path: '/api/tx/{hash}',
    admin: false,
    handler: (node, req) => {
      const tx = node.chain.getTransaction(hashParam(req.params.hash, 'transaction'))
      if (tx === undefined) throw new HttpError(404, 'ERR_NOT_FOUND', 'not in the mempool')
      return { hash: req.params.hash, status: 'pending', transaction: transactionJson(tx) }
    },
  },
  {
    method: 'POST',
    path: '/api/tx',
    admin: false,
    handler: async (node, req) => {
      let tx: Transaction
      try {
        const message = fromJSON({
          type: 'new_transaction',
          data: { transaction: bodyField(req.body, 'transaction') },
        })
        tx = (message.data as { transaction: Transaction }).transaction
      } catch (err) {
        throw new HttpError(
          400,
          (err as { code?: string }).code ?? 'ERR_BAD_BODY',
          `not a transaction: ${(err as Error).message}`,
        )
      }
      const result = await node.chain.acceptTransaction(tx)
      const hash = toHex(transactionHash(tx))
      if (typeof result !== 'string')
        throw new HttpError(422, result.invalid, `transaction refused: ${result.invalid}`)
      if (result === 'accepted')
        node.relay.publish('transactions', { type: 'new_transaction', data: { transaction: tx } })
      return { hash, result }
    },
  },
  {
    method: 'GET',
    path: '/api/mempool',
    admin: false,
    handler: (node, req) => {
      const limit = intQuery(req.query, 'limit', 100, 5_000)
      const stats = node.chain.stats()
      return {
        count: stats.mempoolSize,
        bytes: stats.mempoolBytes,
        transactions: node.chain.mempoolIds(limit).map(toHex),
      }
    },
  },
  {
    method: 'GET',
    path: '/api/accounts/{key}',
    admin: false,
    handler: async (node, req) => {
      const key = hashParam(req.params.key, 'key')
      const account = await node.chain.account(key)
      return {
        key: req.params.key,
        balance: account.balance.toString(),
        nonce: account.nonce,
        nextNonce: await node.chain.nextNonce(key),
      }
    },
  },
  {
    method: 'GET',
    path: '/api/network',
    admin: false,
    handler: (node) => {
      const s = node.network.getNetworkStatus()
      return jsonSafe({
        peerId: s.peerId,
        networkId: s.networkId,
        listenAddresses: s.listenAddresses,
        connections: s.connections,
        pendingHandshakes: s.pendingHandshakes,
        limits: s.limits,
        bytesIn: s.peers.reduce((a, p) => a + p.bytesIn, 0),
        bytesOut: s.peers.reduce((a, p) => a + p.bytesOut, 0),
        relay: node.relay.status(),
        peerStore: node.peerStore.stats(),
      })
    },
  },
  {
    method: 'GET',
    path: '/api/sync',
    admin: false,
    handler: (node) => ({
      state: node.sync.state(),
      progress: node.sync.progress(),
      download: node.sync.downloadStatus(),
      partitionSuspected: node.sync.partitionSuspected(),
      stats: node.sync.stats(),
    }),
  },
  {
    method: 'GET',
    path: '/api/nat',
    admin: false,
    handler: (node) => ({ status: node.nat.status(), addresses: jsonSafe(node.nat.addresses()) }),
  },
  {
    method: 'GET',
    path: '/api/propagation',
    admin: false,
    handler: (node) => ({ arrivalDelaysMs: [...node.arrivalDelaysMs] }),
  },
  {
    method: 'POST',
    path: '/api/admin/connect',
    admin: true,
    handler: async (node, req) => {
      const address = stringField(req.body, 'address')
      if (tryParseAddress(address) === undefined)
        throw new HttpError(400, 'ERR_BAD_ADDRESS', 'not an address')
      try {
        const peer = await node.network.dial(address, { force: true })
        return { peerId: peer.peerId }
      } catch (err) {
        throw new HttpError(502, (err as { code?: string }).code ?? 'ERR_DIAL_FAILED', (err as Error).message)
      }
    },
  },
  {
    method: 'POST',
    path: '/api/admin/disconnect',
    admin: true,
    handler: async (node, req) => {
      const peerId = peerParam(stringField(req.body, 'peerId'))
      if (node.network.getPeer(peerId) === undefined)
        throw new HttpError(404, 'ERR_NOT_FOUND', 'not connected')
      await node.network.disconnect(peerId, 'requested', 'operator')
      return { peerId, disconnected: true }
    },
  },
  {
    method: 'POST',
    path: '/api/admin/ban',
    admin: true,
    handler: async (node, req) => {
      const target = stringField(req.body, 'target')
      const duration = bodyField(req.body, 'durationMs')
      if (duration !== undefined && (!Number.isSafeInteger(duration) || (duration as number) < 1))
        throw new HttpError(400, 'ERR_BAD_BODY', 'durationMs must be a positive integer')
      let ban: unknown
      try {
        ban = node.peerStore.ban(target, duration as number | undefined, 'operator')
      } catch (err) {
        throw new HttpError(400, (err as { code?: string }).code ?? 'ERR_BAD_BODY', (err as Error).message)
      }
      for (const p of node.network.peers()) {
        if (p.peerId === target || node.peerStore.isBanned(p.remoteHost))
          await node.network.disconnect(p.peerId, 'banned', 'operator')
      }
      return jsonSafe(ban)
    },
  },
  {
    method: 'POST',
    path: '/api/admin/unban',
    admin: true,
    handler: (node, req) => ({ unbanned: node.peerStore.unban(stringField(req.body, 'target')) }),
  },
  {
    method: 'GET',
    path: '/api/admin/bans',
    admin: true,
    handler: (node) => jsonSafe(node.peerStore.listBans()),
  },
]

/** Matches a path against a route pattern; returns its parameters or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const a = pattern.split('/')
  const b = path.split('/')
  if (a.length !== b.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < a.length; i++) {
    const p = a[i] as string
    const v = b[i] as string
    if (p.startsWith('{')) {
      if (v === '') return undefined
      params[p.slice(1, -1)] = decodeURIComponent(v)
    } else if (p !== v) return undefined
  }
  return params
}

/**
 * The OpenAPI 3.1 description of the node's HTTP API, served at `/api/openapi.json`. Written by hand, and
 * held to the route table by `test/api.test.ts` (every route documented, every documented path routed, and
 * live answers checked against the documented required fields).
 */

const error = { $ref: '#/components/schemas/Error' }
const ok = (description: string, required: string[] = [], type: 'object' | 'array' = 'object') => ({
  description,
  content: {
    'application/json': {
      schema:
        type === 'array'
          ? { type: 'array', items: { type: 'object', required } }
          : { type: 'object', required },
    },
  },
})
const fail = (description: string) => ({ description, content: { 'application/json': { schema: error } } })
const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
})
const limitParam = (max: number) => ({
  name: 'limit',
  in: 'query',
  required: false,
  schema: { type: 'integer', minimum: 0, maximum: max },
})
const jsonBody = (required: string[], properties: Record<string, unknown>) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', required, properties } } },
})
const admin = [{ cookie: [] }]

/** The document. */
export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'chainwire-node API',
    version: '0.1.0',
    description: 'The HTTP API of chainwire-node. Bytes are lowercase hex, 64-bit integers decimal strings.',
  },
  components: {
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
    securitySchemes: {
      cookie: {
        type: 'http',
        scheme: 'bearer',
        description: "the token in the data dir's .cookie file (or Basic __cookie__:token)",
      },
    },
  },
  paths: {
    '/api/status': {
      get: {
        summary: 'Height, tip, peer count, sync state',
        responses: { 200: ok('status', ['peerId', 'networkId', 'height', 'tip', 'peers', 'sync']) },
      },
    },
    '/api/peers': {
      get: {
        summary: 'Connected peers with score and its explanation',
        responses: { 200: ok('peers', ['peerId', 'direction', 'kind', 'score', 'explain'], 'array') },
      },
    },
    '/api/peers/{peerId}': {
      get: {
        summary: 'One connected peer',
        parameters: [pathParam('peerId', 'a peer id')],
        responses: {
          200: ok('the peer', ['peerId', 'score', 'explain']),
          400: fail('not a peer id'),
          404: fail('not connected'),
        },
      },
    },
    '/api/chain/tip': {
      get: { summary: 'The active chain tip', responses: { 200: ok('tip', ['hash', 'height', 'work']) } },
    },
    '/api/blocks': {
      get: {
        summary: 'Recent blocks of the active chain, newest first',
        parameters: [limitParam(100)],
        responses: { 200: ok('blocks', ['hash', 'height'], 'array'), 400: fail('bad limit') },
      },
    },
    '/api/blocks/{id}': {
      get: {
        summary: 'A block by hash or height',
        parameters: [pathParam('id', 'a block hash (hex) or a height')],
        responses: {
          200: ok('the block', ['hash', 'height', 'block']),
          400: fail('bad hash'),
          404: fail('unknown block'),
        },
      },
    },
    '/api/tx/{hash}': {
      get: {
        summary: 'A pending transaction',
        parameters: [pathParam('hash', 'a transaction hash (hex)')],
        responses: {
          200: ok('the transaction', ['hash', 'status', 'transaction']),
          400: fail('bad hash'),
          404: fail('not in the mempool'),
        },
      },
    },
    '/api/tx': {
      post: {
        summary: 'Submit a signed transaction (the codec JSON view); relayed when the mempool takes it',
        requestBody: jsonBody(['transaction'], { transaction: { type: 'object' } }),
        responses: {
          200: ok('accepted or already known', ['hash', 'result']),
          400: fail('not a transaction'),
          413: fail('body too large'),
          415: fail('not JSON'),
          422: fail('refused by the chain'),
        },
      },
    },
    '/api/mempool': {
      get: {
        summary: 'Mempool size and transaction ids',
        parameters: [limitParam(5_000)],
        responses: { 200: ok('mempool', ['count', 'bytes', 'transactions']), 400: fail('bad limit') },
      },
    },
    '/api/accounts/{key}': {
      get: {
        summary: 'Balance and nonce of an account',
        parameters: [pathParam('key', 'a 32-byte public key (hex)')],
        responses: { 200: ok('the account', ['key', 'balance', 'nonce', 'nextNonce']), 400: fail('bad key') },
      },
    },
    '/api/network': {
      get: {
        summary: 'Network status: connections, limits, traffic, relay, address book',
        responses: { 200: ok('network', ['peerId', 'connections', 'limits', 'relay']) },
      },
    },
    '/api/sync': {
      get: {
        summary: 'Sync state and progress',
        responses: { 200: ok('sync', ['state', 'progress', 'stats']) },
      },
    },
    '/api/nat': {
      get: {
        summary: 'Reachability and advertised addresses',
        responses: { 200: ok('nat', ['status', 'addresses']) },
      },
    },
    '/api/propagation': {
      get: {
        summary: 'Recent block arrival delays (ms)',
        responses: { 200: ok('delays', ['arrivalDelaysMs']) },
      },
    },
    '/api/events': {
      get: {
        summary: 'Live events (server-sent events); `since` or Last-Event-ID replays held ones',
        responses: { 200: { description: 'text/event-stream' }, 503: fail('too many streams') },
      },
    },
    '/api/openapi.json': {
      get: { summary: 'This document', responses: { 200: ok('OpenAPI', ['openapi', 'paths']) } },
    },
    '/api/admin/connect': {
      post: {
        summary: 'Dial an address',
        security: admin,
        requestBody: jsonBody(['address'], { address: { type: 'string' } }),
        responses: {
          200: ok('connected', ['peerId']),
          400: fail('bad address'),
          401: fail('no token'),
          502: fail('dial failed'),
        },
      },
    },
    '/api/admin/disconnect': {
      post: {
        summary: 'Disconnect a peer',
        security: admin,
        requestBody: jsonBody(['peerId'], { peerId: { type: 'string' } }),
        responses: {
          200: ok('disconnected', ['peerId']),
          400: fail('bad peer id'),
          401: fail('no token'),
          404: fail('not connected'),
        },
      },
    },
    '/api/admin/ban': {
      post: {
        summary: 'Ban a peer id, IP, subnet or host (and disconnect what matches)',
        security: admin,
        requestBody: jsonBody(['target'], { target: { type: 'string' }, durationMs: { type: 'integer' } }),
        responses: { 200: ok('the ban', ['target']), 400: fail('bad target'), 401: fail('no token') },
      },
    },
    '/api/admin/unban': {
      post: {
        summary: 'Lift a ban',
        security: admin,
        requestBody: jsonBody(['target'], { target: { type: 'string' } }),
        responses: { 200: ok('result', ['unbanned']), 400: fail('bad body'), 401: fail('no token') },
      },
    },
    '/api/admin/bans': {
      get: {
        summary: 'Bans in force',
        security: admin,
        responses: { 200: ok('bans', [], 'array'), 401: fail('no token') },
      },
    },
  },
} as const

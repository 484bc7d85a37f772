import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CATALOG, isMessageType, LIMITS, MESSAGE_TYPES, messageTypeOfCode } from '../src'
import { entryOfType } from '../src/catalog/catalog'
import { type AnySchema, type Desc, MAX_SHAPE_DEPTH } from '../src/schema'

const REQUIRED = [
  'hello',
  'ping',
  'pong',
  'disconnect',
  'error',
  'get_peers',
  'peers',
  'find_node',
  'nodes',
  'inv',
  'get_data',
  'not_found',
  'new_block',
  'get_headers',
  'headers',
  'get_blocks',
  'blocks',
  'block_request',
  'block_response',
  'compact_block',
  'get_block_txs',
  'block_txs',
  'compact_block_request',
  'compact_block_response',
  'new_transaction',
  'get_transaction',
  'transaction_data',
  'mempool_sync',
  'get_proof',
  'proof',
  'consensus_vote',
  'consensus_proposal',
  'validator_set',
  'relay',
  'ihave',
  'iwant',
  'graft',
  'prune',
  'idontwant',
  'observed_address',
  'dial_back_request',
  'hole_punch_sync',
  'relay_reserve',
  'relay_connect',
  'network_status',
  'chunk',
]

function depth(schema: AnySchema): number {
  const d: Desc = schema.desc
  switch (d.kind) {
    case 'array':
      return 1 + depth(d.of)
    case 'struct':
      return 1 + Math.max(0, ...d.fields.map((f) => depth(f.schema)))
    case 'union':
      return 1 + Math.max(...d.variants.map((v) => depth(v.schema)))
    default:
      return 0
  }
}

function refinedStructs(schema: AnySchema, out: string[], path: string): void {
  const d = schema.desc
  if (d.kind === 'struct') {
    if (d.refined) out.push(path)
    for (const f of d.fields) refinedStructs(f.schema, out, `${path}.${f.name}`)
  } else if (d.kind === 'array') refinedStructs(d.of, out, `${path}[]`)
  else if (d.kind === 'union') for (const v of d.variants) refinedStructs(v.schema, out, `${path}<${v.name}>`)
}

describe('catalog', () => {
  it('covers every message type of DESIGN.md §4', () => {
    for (const type of REQUIRED) expect(isMessageType(type), type).toBe(true)
  })

  it('has unique single-byte codes and a lookup by code', () => {
    const codes = MESSAGE_TYPES.map((t) => CATALOG[t].code)
    expect(new Set(codes).size).toBe(codes.length)
    for (const t of MESSAGE_TYPES) {
      expect(CATALOG[t].code).toBeGreaterThanOrEqual(0)
      expect(CATALOG[t].code).toBeLessThan(128)
      expect(messageTypeOfCode(CATALOG[t].code)).toBe(t)
      expect(CATALOG[t].type).toBe(t)
    }
    expect(messageTypeOfCode(127)).toBeUndefined()
    expect(messageTypeOfCode(1.5)).toBeUndefined()
    expect(isMessageType('__proto__')).toBe(false)
  })

  it('pairs every request with a response type and nothing else', () => {
    for (const t of MESSAGE_TYPES) {
      const e = CATALOG[t]
      if (e.kind === 'request') {
        expect(e.response, t).toBeDefined()
        expect(CATALOG[e.response as typeof t].kind, t).toBe('response')
      } else {
        expect(e.response, t).toBeUndefined()
      }
    }
    expect(CATALOG.get_headers.response).toBe('headers')
    expect(CATALOG.get_blocks.response).toBe('blocks')
    expect(CATALOG.block_request.response).toBe('block_response')
    expect(CATALOG.get_block_txs.response).toBe('block_txs')
    expect(CATALOG.compact_block_request.response).toBe('compact_block_response')
    expect(CATALOG.get_transaction.response).toBe('transaction_data')
    expect(CATALOG.get_proof.response).toBe('proof')
    expect(CATALOG.find_node.response).toBe('nodes')
    expect(CATALOG.get_peers.response).toBe('peers')
    expect(CATALOG.ping.response).toBe('pong')
    expect(CATALOG.get_data.response).toBe('not_found')
  })

  it('bounds every type by a max size within the message limit', () => {
    for (const t of MESSAGE_TYPES) {
      expect(CATALOG[t].maxSize).toBeGreaterThan(5)
      expect(CATALOG[t].maxSize).toBeLessThanOrEqual(LIMITS.maxMessageSize)
    }
    expect(CATALOG.ping.maxSize).toBeLessThan(64)
    expect(CATALOG.new_block.maxSize).toBe(LIMITS.maxMessageSize)
  })

  it("nests values no deeper than the decoder's shape check allows", () => {
    for (const t of MESSAGE_TYPES) {
      expect(depth((entryOfType(t) as { schema: AnySchema }).schema), t).toBeLessThanOrEqual(MAX_SHAPE_DEPTH)
    }
  })

  it('has an arbitrary override for every refined struct (property tests rely on it)', () => {
    const refined: string[] = []
    for (const t of MESSAGE_TYPES)
      refinedStructs((entryOfType(t) as { schema: AnySchema }).schema, refined, t)
    expect(refined.sort()).toEqual(['chunk', 'compact_block', 'compact_block_response.compact'])
  })

  it('is frozen', () => {
    expect(Object.isFrozen(CATALOG)).toBe(true)
    expect(Object.isFrozen(CATALOG.hello)).toBe(true)
    expect(Object.isFrozen(LIMITS)).toBe(true)
  })

  it('matches the catalog table of the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    for (const t of MESSAGE_TYPES) {
      const e = CATALOG[t]
      const code = `0x${e.code.toString(16).padStart(2, '0')}`
      const cells = [
        `\`${t}\``,
        code,
        e.kind,
        e.response === undefined ? '' : `\`${e.response}\``,
        e.maxSize.toLocaleString('en-US'),
      ]
      const row = new RegExp(
        `^\\|${cells.map((c) => ` *${c.replace(/[|\\]/g, '\\$&')} *`).join('\\|')}\\|`,
        'm',
      )
      expect(readme, t).toMatch(row)
    }
  })
})

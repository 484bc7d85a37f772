import type { NodeRole } from '@chainwire/interface'
import type { Random } from '../random/random'
import { array, at, fail, integer, isRecord, record } from './fields'
import type { NodeSelector } from './types'

const ROLES: readonly NodeRole[] = ['full', 'light', 'bootstrap', 'validator']

/** What selectors are checked against while validating. */
export interface SelectorScope {
  readonly nodeCount: number
  readonly regions: readonly string[]
}

/** Validates a node selector (see `NodeSelectorInput`) and returns its normalised form. */
export function parseSelector(value: unknown, path: string, scope: SelectorScope): NodeSelector {
  if (Array.isArray(value)) {
    if (value.length === 0) fail(path, 'must list at least one node')
    return {
      kind: 'union',
      of: value.map((v, i) =>
        isRecord(v) ? parseSelector(v, at(path, i), scope) : parseOne(v, at(path, i), scope),
      ),
    }
  }
  if (isRecord(value)) {
    record(value, path, ['random', 'from'])
    const count = integer(value.random, at(path, 'random'), 1, scope.nodeCount)
    const from =
      value.from === undefined
        ? ({ kind: 'all' } as const)
        : parseSelector(value.from, at(path, 'from'), scope)
    return { kind: 'random', count, from }
  }
  return parseOne(value, path, scope)
}

function parseOne(value: unknown, path: string, scope: SelectorScope): NodeSelector {
  const max = scope.nodeCount - 1
  if (typeof value === 'number') return { kind: 'nodes', indexes: [integer(value, path, 0, max)] }
  if (typeof value !== 'string')
    fail(path, "must be a node index, 'n<i>', 'n<i>..n<j>', 'region:<name>', 'role:<role>' or 'all'", value)
  if (value === 'all') return { kind: 'all' }
  if (value.startsWith('region:')) {
    const region = value.slice(7)
    if (!scope.regions.includes(region))
      fail(path, `unknown region (known: ${scope.regions.join(', ')})`, value)
    return { kind: 'region', region }
  }
  if (value.startsWith('role:')) {
    const role = value.slice(5) as NodeRole
    if (!ROLES.includes(role)) fail(path, `unknown role (known: ${ROLES.join(', ')})`, value)
    return { kind: 'role', role }
  }
  const range = /^n(\d+)\.\.n(\d+)$/.exec(value)
  if (range !== null) {
    const lo = Number(range[1])
    const hi = Number(range[2])
    if (lo > hi || hi > max) fail(path, `must be a range within n0..n${max}`, value)
    const indexes: number[] = []
    for (let i = lo; i <= hi; i++) indexes.push(i)
    return { kind: 'nodes', indexes }
  }
  const single = /^n(\d+)$/.exec(value)
  if (single !== null) {
    const i = Number(single[1])
    if (i > max) fail(path, `no such node (nodes are n0..n${max})`, value)
    return { kind: 'nodes', indexes: [i] }
  }
  fail(path, "must be a node index, 'n<i>', 'n<i>..n<j>', 'region:<name>', 'role:<role>' or 'all'", value)
}

/** Validates a list of selectors. */
export function parseSelectorList(value: unknown, path: string, scope: SelectorScope): NodeSelector[] {
  return array(value, path).map((v, i) => parseSelector(v, at(path, i), scope))
}

/** What a selector is resolved against when a run starts. */
export interface SelectorContext {
  readonly nodeCount: number
  readonly regionOf: (node: number) => string
  readonly hasRole: (node: number, role: NodeRole) => boolean
}

/** The node indexes a selector names, ascending and unique; `random` draws the `{ random }` picks. */
export function resolveSelector(sel: NodeSelector, ctx: SelectorContext, random: Random): number[] {
  const out = new Set<number>()
  collect(sel, ctx, random, out)
  return [...out].sort((a, b) => a - b)
}

function collect(sel: NodeSelector, ctx: SelectorContext, random: Random, out: Set<number>): void {
  switch (sel.kind) {
    case 'nodes':
      for (const i of sel.indexes) out.add(i)
      return
    case 'all':
      for (let i = 0; i < ctx.nodeCount; i++) out.add(i)
      return
    case 'region':
      for (let i = 0; i < ctx.nodeCount; i++) if (ctx.regionOf(i) === sel.region) out.add(i)
      return
    case 'role':
      for (let i = 0; i < ctx.nodeCount; i++) if (ctx.hasRole(i, sel.role)) out.add(i)
      return
    case 'union':
      for (const s of sel.of) collect(s, ctx, random, out)
      return
    case 'random': {
      const pool = resolveSelector(sel.from, ctx, random)
      random.shuffle(pool)
      for (const i of pool.slice(0, sel.count)) out.add(i)
      return
    }
  }
}

import { type NodeRole, parseIpv4 } from '@chainwire/interface'
import {
  createMemoryNetwork,
  createMemoryTransport,
  createNetwork,
  type Identity,
  identityFromPrivateKey,
  NetworkError,
  type NetworkOptions,
} from '@chainwire/network'
import { MAX_VIRTUAL_MS } from '../scheduler/scheduler'
import {
  array,
  at,
  bandwidth,
  byteSize,
  distribution,
  duration,
  fail,
  integer,
  isRecord,
  number,
  record,
  string,
} from './fields'
import { parseSelector, parseSelectorList, type SelectorScope } from './selector'
import type {
  Adversary,
  Behaviour,
  CipherName,
  Fault,
  LinkSpec,
  NatEntry,
  NodeSelector,
  RegionSpec,
  Scenario,
  Schedule,
  SubnetSpec,
  Workload,
} from './types'

/** Most nodes one scenario may have. */
export const MAX_NODES = 100_000
/** Most persistent peers @chainwire/network keeps, so the most edges a node may dial. */
export const MAX_OUT_DEGREE = 64

const DEFAULT_LINK: LinkSpec = {
  latency: { distribution: 'fixed', value: 50 },
  jitter: undefined,
  bandwidth: Number.POSITIVE_INFINITY,
  loss: 0,
  bufferBytes: 4_000_000,
}

const TOP_KEYS = [
  'name',
  'description',
  'seed',
  'duration',
  'nodes',
  'topology',
  'links',
  'workload',
  'faults',
  'adversaries',
  'network',
  'networkFor',
  'report',
  'cipher',
  'setup',
] as const

const CIPHERS: readonly CipherName[] = ['chacha20-poly1305', 'null']

const ROLE_NAMES: readonly NodeRole[] = ['full', 'light', 'bootstrap', 'validator']

/**
 * Checks a scenario as written (TypeScript object or parsed file) and fills in every default. Throws
 * `ScenarioInvalidError` (`ERR_SCENARIO_INVALID`) naming the first bad field's path.
 */
export function normalizeScenario(input: unknown): Scenario {
  const s = record(input, '', TOP_KEYS)
  const name = s.name === undefined ? 'scenario' : string(s.name, 'name')
  const description = s.description === undefined ? '' : string(s.description, 'description')
  let seed: number | string = 1
  if (s.seed !== undefined) {
    if (typeof s.seed === 'string') seed = s.seed
    else seed = integer(s.seed, 'seed', 0, Number.MAX_SAFE_INTEGER)
  }
  if (s.duration === undefined) fail('duration', 'is required')
  const durationMs = duration(s.duration, 'duration')
  if (durationMs <= 0 || durationMs > MAX_VIRTUAL_MS)
    fail('duration', `must be more than 0 and at most 30 days`, s.duration)

  if (s.nodes === undefined) fail('nodes', 'is required')
  const nodes = isRecord(s.nodes)
    ? record(s.nodes, 'nodes', ['count', 'regions', 'roles', 'uplink', 'startSpread', 'subnets', 'nat'])
    : { count: s.nodes }
  const nodeCount = integer(nodes.count, isRecord(s.nodes) ? 'nodes.count' : 'nodes', 1, MAX_NODES)
  const defaultUplink =
    nodes.uplink === undefined ? Number.POSITIVE_INFINITY : bandwidth(nodes.uplink, 'nodes.uplink')
  const regions = parseRegions(nodes.regions, defaultUplink)
  const scope: SelectorScope = { nodeCount, regions: regions.map((r) => r.name) }
  const roles: { role: NodeRole; nodes: NodeSelector }[] = []
  if (nodes.roles !== undefined) {
    const r = record(nodes.roles, 'nodes.roles', ROLE_NAMES)
    for (const role of ROLE_NAMES) {
      if (r[role] !== undefined)
        roles.push({ role, nodes: parseSelector(r[role], at('nodes.roles', role), scope) })
    }
  }
  const subnets = parseSubnets(nodes.subnets, scope)
  const nats = parseNats(nodes.nat, scope)
  const startSpreadMs =
    nodes.startSpread === undefined ? 1_000 : duration(nodes.startSpread, 'nodes.startSpread')
  if (startSpreadMs >= durationMs)
    fail('nodes.startSpread', 'must be shorter than the duration', nodes.startSpread)

  const topology = parseTopology(s.topology, nodeCount)
  const { links, regionLinks } = parseLinks(s.links, scope.regions)
  const workload = array(s.workload ?? [], 'workload').map((w, i) =>
    parseWorkload(w, at('workload', i), scope, durationMs, startSpreadMs),
  )
  const faults = array(s.faults ?? [], 'faults').map((f, i) =>
    parseFault(f, at('faults', i), scope, durationMs),
  )
  const adversaries = array(s.adversaries ?? [], 'adversaries').map((a, i) =>
    parseAdversary(a, at('adversaries', i), scope, durationMs),
  )
  const network = parseNetworkOptions(s.network)
  const report =
    s.report === undefined ? {} : record(s.report, 'report', ['buckets', 'cdfPoints', 'deadline'])
  const deadlineMs = report.deadline === undefined ? 1_000 : duration(report.deadline, 'report.deadline')
  if (!(deadlineMs > 0)) fail('report.deadline', 'must be more than 0', report.deadline)
  const cipher = s.cipher === undefined ? 'chacha20-poly1305' : (string(s.cipher, 'cipher') as CipherName)
  if (!CIPHERS.includes(cipher)) fail('cipher', `must be one of ${CIPHERS.join(', ')}`, s.cipher)
  if (s.setup !== undefined && typeof s.setup !== 'function')
    fail('setup', 'must be a function (TypeScript only)')
  if (s.networkFor !== undefined && typeof s.networkFor !== 'function')
    fail('networkFor', 'must be a function (TypeScript only)')
  return {
    name,
    description,
    seed,
    durationMs,
    nodeCount,
    regions,
    roles,
    subnets,
    nats,
    startSpreadMs,
    topology,
    links,
    regionLinks,
    workload,
    faults,
    adversaries,
    network,
    networkFor: s.networkFor as Scenario['networkFor'],
    report: {
      buckets: report.buckets === undefined ? 60 : integer(report.buckets, 'report.buckets', 1, 10_000),
      cdfPoints:
        report.cdfPoints === undefined ? 101 : integer(report.cdfPoints, 'report.cdfPoints', 2, 10_001),
      deadlineMs,
    },
    cipher,
    setup: s.setup as Scenario['setup'],
  }
}

const NAT_MAPPINGS = ['endpoint-independent', 'endpoint-dependent'] as const
const NAT_FILTERINGS = ['endpoint-independent', 'address', 'address-and-port'] as const
/** RFC 5382 REQ-5: an established TCP mapping lives at least 2 h 4 min idle. */
const DEFAULT_NAT_TIMEOUT_MS = 7_440_000

/** `nodes.nat`: node selectors with a NAT's mapping and filtering behaviour and its timeout. */
function parseNats(value: unknown, scope: SelectorScope): NatEntry[] {
  if (value === undefined) return []
  return array(value, 'nodes.nat').map((entry, k) => {
    const path = at('nodes.nat', k)
    const o = record(entry, path, ['nodes', 'mapping', 'filtering', 'timeout'])
    if (o.nodes === undefined) fail(at(path, 'nodes'), 'is required')
    const mapping = string(o.mapping, at(path, 'mapping'))
    if (!(NAT_MAPPINGS as readonly string[]).includes(mapping))
      fail(at(path, 'mapping'), `must be one of ${NAT_MAPPINGS.join(', ')}`, o.mapping)
    const filtering = string(o.filtering, at(path, 'filtering'))
    if (!(NAT_FILTERINGS as readonly string[]).includes(filtering))
      fail(at(path, 'filtering'), `must be one of ${NAT_FILTERINGS.join(', ')}`, o.filtering)
    const timeoutMs =
      o.timeout === undefined ? DEFAULT_NAT_TIMEOUT_MS : duration(o.timeout, at(path, 'timeout'))
    if (!(timeoutMs >= 1_000) || timeoutMs > MAX_VIRTUAL_MS)
      fail(at(path, 'timeout'), 'must be from 1 s to 30 days', o.timeout)
    return {
      nodes: parseSelector(o.nodes, at(path, 'nodes'), scope),
      nat: {
        mapping: mapping as (typeof NAT_MAPPINGS)[number],
        filtering: filtering as (typeof NAT_FILTERINGS)[number],
        timeoutMs,
      },
    }
  })
}

/** `nodes.subnets`: IPv4 CIDRs with their node selectors; subnets must not overlap. */
function parseSubnets(value: unknown, scope: SelectorScope): SubnetSpec[] {
  if (value === undefined) return []
  const out: SubnetSpec[] = []
  for (const [k, entry] of array(value, 'nodes.subnets').entries()) {
    const path = at('nodes.subnets', k)
    const o = record(entry, path, ['nodes', 'cidr'])
    if (o.nodes === undefined) fail(at(path, 'nodes'), 'is required')
    const nodes = parseSelector(o.nodes, at(path, 'nodes'), scope)
    const cidr = string(o.cidr, at(path, 'cidr'))
    // The address part is read by the address module every package uses (strict dotted decimal).
    const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr)
    const ip = m === null ? undefined : parseIpv4(m[1] as string)
    if (m === null || ip === undefined) fail(at(path, 'cidr'), 'must be an IPv4 subnet a.b.c.d/p', o.cidr)
    const octets = [...ip]
    const prefix = Number(m[2])
    if (prefix < 8 || prefix > 30) fail(at(path, 'cidr'), 'needs a prefix length from 8 to 30', o.cidr)
    const base = octets.reduce((acc, x) => acc * 256 + x, 0)
    const size = 2 ** (32 - prefix)
    if (base % size !== 0) fail(at(path, 'cidr'), 'must have its host bits zero', o.cidr)
    for (const [j, other] of out.entries()) {
      const otherSize = 2 ** (32 - other.prefix)
      if (base < other.base + otherSize && other.base < base + size) {
        fail(at(path, 'cidr'), `overlaps nodes.subnets[${j}] (${other.cidr})`, o.cidr)
      }
    }
    out.push({ nodes, cidr, base, prefix })
  }
  return out
}

function parseRegions(value: unknown, defaultUplink: number): RegionSpec[] {
  if (value === undefined) return [{ name: 'default', weight: 1, uplink: defaultUplink }]
  const r = record(value, 'nodes.regions', Object.keys(isRecord(value) ? value : {}))
  const out: RegionSpec[] = []
  for (const [name, spec] of Object.entries(r)) {
    const path = at('nodes.regions', name)
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) fail(path, 'region names are 1-32 of A-Z a-z 0-9 _ -')
    if (typeof spec === 'number') {
      out.push({ name, weight: number(spec, path, 0, 1e9), uplink: defaultUplink })
      continue
    }
    const o = record(spec, path, ['weight', 'uplink'])
    out.push({
      name,
      weight: o.weight === undefined ? 1 : number(o.weight, at(path, 'weight'), 0, 1e9),
      uplink: o.uplink === undefined ? defaultUplink : bandwidth(o.uplink, at(path, 'uplink')),
    })
  }
  if (out.length === 0) fail('nodes.regions', 'must name at least one region')
  if (!out.some((x) => x.weight > 0)) fail('nodes.regions', 'at least one region needs a weight above 0')
  return out
}

function parseTopology(value: unknown, nodeCount: number): Scenario['topology'] {
  if (value === undefined) return { type: 'random', degree: Math.min(8, nodeCount - 1) }
  if (!isRecord(value)) fail('topology', 'must be an object with a type', value)
  switch (value.type) {
    case 'random': {
      record(value, 'topology', ['type', 'degree'])
      const degree = integer(value.degree, 'topology.degree', 0, Math.max(0, nodeCount - 1))
      if (Math.ceil(degree / 2) + 1 > MAX_OUT_DEGREE)
        fail('topology.degree', `at most ${2 * (MAX_OUT_DEGREE - 1)}`)
      return { type: 'random', degree }
    }
    case 'ring': {
      record(value, 'topology', ['type', 'neighbours'])
      const neighbours =
        value.neighbours === undefined
          ? 1
          : integer(
              value.neighbours,
              'topology.neighbours',
              1,
              Math.min(MAX_OUT_DEGREE, Math.max(1, Math.floor((nodeCount - 1) / 2))),
            )
      return { type: 'ring', neighbours }
    }
    case 'full':
      record(value, 'topology', ['type'])
      if (Math.ceil((nodeCount - 1) / 2) > MAX_OUT_DEGREE) {
        fail('topology', `a full mesh of ${nodeCount} nodes needs more than ${MAX_OUT_DEGREE} dials per node`)
      }
      return { type: 'full' }
    case 'explicit': {
      record(value, 'topology', ['type', 'edges'])
      const scope: SelectorScope = { nodeCount, regions: [] }
      const edges = array(value.edges, 'topology.edges').map((e, i): [number, number] => {
        const path = at('topology.edges', i)
        const pair = array(e, path)
        if (pair.length !== 2) fail(path, 'must be a pair [from, to]', e)
        const ends = pair.map((p, k) => {
          const sel = parseSelector(p, at(path, k), scope)
          if (sel.kind !== 'nodes' || sel.indexes.length !== 1)
            fail(at(path, k), 'must name exactly one node', p)
          return sel.indexes[0] as number
        })
        if (ends[0] === ends[1]) fail(path, 'a node cannot connect to itself', e)
        return [ends[0] as number, ends[1] as number]
      })
      const out = new Map<number, number>()
      for (const [a] of edges) out.set(a, (out.get(a) ?? 0) + 1)
      for (const [node, n] of out) {
        if (n > MAX_OUT_DEGREE) fail('topology.edges', `n${node} dials ${n} peers; at most ${MAX_OUT_DEGREE}`)
      }
      return { type: 'explicit', edges }
    }
    case 'none':
      record(value, 'topology', ['type'])
      return { type: 'none' }
    default:
      fail('topology.type', 'must be one of: random, ring, full, explicit, none', value.type)
  }
}

const LINK_KEYS = ['latency', 'jitter', 'bandwidth', 'loss', 'buffer'] as const

function parseLinkFields(o: Record<string, unknown>, path: string, base: LinkSpec): LinkSpec {
  return {
    latency: o.latency === undefined ? base.latency : distribution(o.latency, at(path, 'latency')),
    jitter: o.jitter === undefined ? base.jitter : distribution(o.jitter, at(path, 'jitter')),
    bandwidth: o.bandwidth === undefined ? base.bandwidth : bandwidth(o.bandwidth, at(path, 'bandwidth')),
    loss: o.loss === undefined ? base.loss : number(o.loss, at(path, 'loss'), 0, 0.99),
    bufferBytes: o.buffer === undefined ? base.bufferBytes : byteSize(o.buffer, at(path, 'buffer')),
  }
}

function parseLinks(
  value: unknown,
  regions: readonly string[],
): { links: LinkSpec; regionLinks: Map<string, LinkSpec> } {
  const regionLinks = new Map<string, LinkSpec>()
  if (value === undefined) return { links: DEFAULT_LINK, regionLinks }
  const o = record(value, 'links', [...LINK_KEYS, 'regions'])
  const links = parseLinkFields(o, 'links', DEFAULT_LINK)
  if (o.regions !== undefined) {
    const matrix = record(o.regions, 'links.regions', regions)
    const explicit = new Set<string>()
    for (const [a, row] of Object.entries(matrix)) {
      const rowPath = at('links.regions', a)
      const cells = record(row, rowPath, regions)
      for (const [b, cell] of Object.entries(cells)) {
        const path = at(rowPath, b)
        const spec =
          isRecord(cell) && !('distribution' in cell)
            ? parseLinkFields(record(cell, path, LINK_KEYS), path, links)
            : { ...links, latency: distribution(cell, path) }
        regionLinks.set(`${a}\u0000${b}`, spec)
        explicit.add(`${a}\u0000${b}`)
      }
    }
    for (const key of explicit) {
      const [a, b] = key.split('\u0000') as [string, string]
      const mirror = `${b}\u0000${a}`
      if (!explicit.has(mirror)) regionLinks.set(mirror, regionLinks.get(key) as LinkSpec)
    }
  }
  return { links, regionLinks }
}

/** Default start of repeated workload: the last node started, plus 2 s for the first handshakes. */
export function defaultStartMs(startSpreadMs: number, durationMs: number): number {
  return Math.min(startSpreadMs + 2_000, durationMs / 2)
}

/** Default end of repeated workload: 5 s (at most a tenth of the run) before the end, to let the last messages spread. */
export function defaultEndMs(durationMs: number): number {
  return durationMs - Math.min(5_000, durationMs / 10)
}

function window(
  o: Record<string, unknown>,
  path: string,
  durationMs: number,
  startSpreadMs: number,
): { startMs: number; endMs: number } {
  const startMs =
    o.start === undefined ? defaultStartMs(startSpreadMs, durationMs) : duration(o.start, at(path, 'start'))
  const endMs = o.end === undefined ? defaultEndMs(durationMs) : duration(o.end, at(path, 'end'))
  if (endMs < startMs) fail(at(path, 'end'), 'must not be before start', o.end)
  if (startMs > durationMs) fail(at(path, 'start'), 'is after the end of the scenario', o.start)
  return { startMs, endMs: Math.min(endMs, durationMs) }
}

function parseSchedule(
  o: Record<string, unknown>,
  path: string,
  durationMs: number,
  startSpreadMs: number,
): Schedule {
  const given = ['every', 'rate', 'at'].filter((k) => o[k] !== undefined)
  if (given.length !== 1) fail(path, 'needs exactly one of: every, rate, at')
  if (o.at !== undefined) {
    if (o.start !== undefined || o.end !== undefined)
      fail(path, 'start and end do not apply to explicit times (at)')
    const timesMs = array(o.at, at(path, 'at')).map((t, i) => {
      const ms = duration(t, at(at(path, 'at'), i))
      if (ms > durationMs) fail(at(at(path, 'at'), i), 'is after the end of the scenario', t)
      return ms
    })
    return { kind: 'at', timesMs }
  }
  const { startMs, endMs } = window(o, path, durationMs, startSpreadMs)
  if (o.every !== undefined) {
    const everyMs = duration(o.every, at(path, 'every'))
    if (everyMs < 1) fail(at(path, 'every'), 'must be at least 1 ms', o.every)
    return { kind: 'every', everyMs, startMs, endMs }
  }
  return { kind: 'rate', perSecond: number(o.rate, at(path, 'rate'), 0.000001, 100_000), startMs, endMs }
}

function parseWorkload(
  value: unknown,
  path: string,
  scope: SelectorScope,
  durationMs: number,
  startSpreadMs: number,
): Workload {
  if (!isRecord(value)) fail(path, 'must be an object with a type', value)
  switch (value.type) {
    case 'block':
    case 'transaction': {
      const o = record(value, path, ['type', 'size', 'from', 'via', 'every', 'rate', 'at', 'start', 'end'])
      if (o.size === undefined) fail(at(path, 'size'), 'is required')
      const sizeBytes = byteSize(o.size, at(path, 'size'))
      if (sizeBytes > 3_900_000)
        fail(at(path, 'size'), 'must be at most 3,900,000 bytes (one message)', o.size)
      return {
        type: value.type,
        sizeBytes,
        from: o.from === undefined ? undefined : parseSelector(o.from, at(path, 'from'), scope),
        schedule: parseSchedule(o, path, durationMs, startSpreadMs),
        via: o.via === undefined ? undefined : label(o.via, at(path, 'via')),
      }
    }
    case 'ping': {
      const o = record(value, path, ['type', 'every', 'start', 'end'])
      if (o.every === undefined) fail(at(path, 'every'), 'is required')
      const everyMs = duration(o.every, at(path, 'every'))
      if (everyMs < 1) fail(at(path, 'every'), 'must be at least 1 ms', o.every)
      return { type: 'ping', everyMs, ...window(o, path, durationMs, startSpreadMs) }
    }
    default:
      fail(at(path, 'type'), 'must be one of: block, transaction, ping', value.type)
  }
}

/** A workload label: 1-64 characters. */
function label(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 64) {
    fail(path, 'must be a string of 1 to 64 characters', value)
  }
  return value
}

const FAULT_KINDS = ['partition', 'heal', 'cut', 'crash', 'restart', 'churn'] as const

function parseFault(value: unknown, path: string, scope: SelectorScope, durationMs: number): Fault {
  if (!isRecord(value)) fail(path, 'must be an object', value)
  const kinds = FAULT_KINDS.filter((k) => value[k] !== undefined)
  if (kinds.length !== 1) fail(path, `needs exactly one of: ${FAULT_KINDS.join(', ')}`)
  const kind = kinds[0] as (typeof FAULT_KINDS)[number]
  record(value, path, ['at', kind])
  if (value.at === undefined) fail(at(path, 'at'), 'is required')
  const atMs = duration(value.at, at(path, 'at'))
  if (atMs > durationMs) fail(at(path, 'at'), 'is after the end of the scenario', value.at)
  const p = at(path, kind)
  switch (kind) {
    case 'partition': {
      const groups = parseSelectorList(value.partition, p, scope)
      if (groups.length < 1) fail(p, 'needs at least one group')
      return { type: 'partition', atMs, groups }
    }
    case 'heal': {
      if (value.heal === true || value.heal === 'all') return { type: 'heal-all', atMs }
      const pair = array(value.heal, p)
      if (pair.length !== 2) fail(p, "must be true, 'all' or a pair of node selectors", value.heal)
      return {
        type: 'heal',
        atMs,
        a: parseSelector(pair[0], at(p, 0), scope),
        b: parseSelector(pair[1], at(p, 1), scope),
      }
    }
    case 'cut': {
      const pair = array(value.cut, p)
      if (pair.length !== 2) fail(p, 'must be a pair of node selectors', value.cut)
      return {
        type: 'cut',
        atMs,
        a: parseSelector(pair[0], at(p, 0), scope),
        b: parseSelector(pair[1], at(p, 1), scope),
      }
    }
    case 'crash':
      return { type: 'crash', atMs, nodes: parseSelector(value.crash, p, scope) }
    case 'restart':
      return { type: 'restart', atMs, nodes: parseSelector(value.restart, p, scope) }
    case 'churn': {
      const c = record(value.churn, p, ['until', 'rate', 'downtime', 'nodes'])
      const untilMs = c.until === undefined ? durationMs : duration(c.until, at(p, 'until'))
      if (untilMs < atMs) fail(at(p, 'until'), 'must not be before at', c.until)
      return {
        type: 'churn',
        atMs,
        untilMs: Math.min(untilMs, durationMs),
        perSecond: number(c.rate, at(p, 'rate'), 0.000001, 10_000),
        downtime:
          c.downtime === undefined
            ? { distribution: 'fixed', value: 10_000 }
            : distribution(c.downtime, at(p, 'downtime')),
        nodes: c.nodes === undefined ? undefined : parseSelector(c.nodes, at(p, 'nodes'), scope),
      }
    }
  }
}

/** Keys every adversary entry may have besides its behaviour's. */
const ADVERSARY_KEYS = ['nodes', 'start', 'end'] as const

function parseAdversary(value: unknown, path: string, scope: SelectorScope, durationMs: number): Adversary {
  if (!isRecord(value)) fail(path, 'must be an object', value)
  if (value.nodes === undefined) fail(at(path, 'nodes'), 'is required')
  const nodes = parseSelector(value.nodes, at(path, 'nodes'), scope)
  const startMs = value.start === undefined ? 0 : duration(value.start, at(path, 'start'))
  const endMs = value.end === undefined ? durationMs : duration(value.end, at(path, 'end'))
  if (startMs >= durationMs) fail(at(path, 'start'), 'must be before the end of the run', value.start)
  if (endMs <= startMs) fail(at(path, 'end'), 'must be after start', value.end)
  const window = { startMs, endMs: Math.min(endMs, durationMs) }
  if (value.hooks !== undefined) {
    const o = record(value, path, [...ADVERSARY_KEYS, 'hooks', 'name'])
    if (!isRecord(o.hooks)) fail(at(path, 'hooks'), 'must be an object of hook functions (TypeScript only)')
    for (const [k, fn] of Object.entries(o.hooks)) {
      if (!['onMessage', 'onStart'].includes(k))
        fail(at(at(path, 'hooks'), k), 'unknown hook (expected onMessage, onStart)')
      if (typeof fn !== 'function') fail(at(at(path, 'hooks'), k), 'must be a function')
    }
    const name = o.name === undefined ? 'custom' : string(o.name, at(path, 'name'))
    return { nodes, name, behaviour: undefined, hooks: o.hooks as Adversary['hooks'], ...window }
  }
  const behaviour = parseBehaviour(value, path)
  return { nodes, name: behaviour.behaviour, behaviour, hooks: undefined, ...window }
}

function parseBehaviour(value: Record<string, unknown>, path: string): Behaviour {
  const b = at(path, 'behaviour')
  switch (value.behaviour) {
    case 'drop': {
      const o = record(value, path, [...ADVERSARY_KEYS, 'behaviour', 'probability'])
      return {
        behaviour: 'drop',
        probability: o.probability === undefined ? 1 : number(o.probability, at(path, 'probability'), 0, 1),
      }
    }
    case 'delay': {
      const o = record(value, path, [...ADVERSARY_KEYS, 'behaviour', 'delay'])
      if (o.delay === undefined) fail(at(path, 'delay'), 'is required')
      return { behaviour: 'delay', delay: distribution(o.delay, at(path, 'delay')) }
    }
    case 'spam': {
      const o = record(value, path, [...ADVERSARY_KEYS, 'behaviour', 'rate', 'size'])
      return {
        behaviour: 'spam',
        perSecond: number(o.rate, at(path, 'rate'), 0.000001, 10_000),
        sizeBytes: o.size === undefined ? 250 : byteSize(o.size, at(path, 'size')),
      }
    }
    case 'lie': {
      const o = record(value, path, [...ADVERSARY_KEYS, 'behaviour', 'probability'])
      return {
        behaviour: 'lie',
        probability: o.probability === undefined ? 1 : number(o.probability, at(path, 'probability'), 0, 1),
      }
    }
    default:
      fail(b, 'must be one of: drop, delay, spam, lie (or give TypeScript hooks)', value.behaviour)
  }
}

/** Options netsim sets itself and a scenario may not. */
const RESERVED_NETWORK_OPTIONS = ['listen', 'announce', 'persistentPeers'] as const

/**
 * Every option of @chainwire/network, so a typo in a scenario file fails instead of being ignored. Typed as
 * a record of every key: when network adds an option, this stops compiling until it is listed.
 */
const NETWORK_OPTION_KEYS: Record<keyof NetworkOptions, true> = {
  networkId: true,
  listen: true,
  announce: true,
  roles: true,
  userAgent: true,
  capabilities: true,
  localStatus: true,
  persistentPeers: true,
  maxConnections: true,
  maxOutboundFullRelay: true,
  maxOutboundBlockRelay: true,
  maxFeelers: true,
  maxManual: true,
  maxInbound: true,
  maxInboundPerIp: true,
  maxInboundPerNetGroup: true,
  maxPendingInbound: true,
  inboundRatePerIp: true,
  inboundBurstPerIp: true,
  maxTrackedIps: true,
  evictionProtection: true,
  dialTimeoutMs: true,
  handshakeTimeoutMs: true,
  pingIntervalMs: true,
  idleTimeoutMs: true,
  latencyAlpha: true,
  maxClockSkewMs: true,
  dialBackoff: true,
  disconnectLingerMs: true,
  maxMessageSize: true,
  sendQueueBytes: true,
  sendQueueGraceMs: true,
  maxSendWaiters: true,
  sendTimeoutMs: true,
  receiveBufferBytes: true,
  rateLimits: true,
  rateLimitTolerancePerSecond: true,
  rateLimitToleranceBurst: true,
  junkBytesPerSecond: true,
  junkByteBurst: true,
  rekeyAfterMessages: true,
  rekeyAfterBytes: true,
  sealBytesPerTurn: true,
  laneWeights: true,
  messageClasses: true,
  maxInflightRequests: true,
  maxInboundRequests: true,
  requestTimeoutMs: true,
  datagrams: true,
}

let probeIdentity: Identity | undefined

/** Checks network options the way createNetwork does, so a bad value fails before the run starts. */
function parseNetworkOptions(value: unknown): NetworkOptions {
  if (value === undefined) return {}
  const o = record(value, 'network', Object.keys(NETWORK_OPTION_KEYS))
  for (const key of RESERVED_NETWORK_OPTIONS) {
    if (o[key] !== undefined) fail(at('network', key), 'is set by netsim (from the topology)')
  }
  if (o.roles !== undefined) fail('network.roles', 'is set by netsim (from nodes.roles)')
  probeIdentity ??= identityFromPrivateKey(new Uint8Array(32).fill(7))
  try {
    const memory = createMemoryNetwork()
    createNetwork(
      { identity: probeIdentity, transports: [createMemoryTransport({ network: memory })] },
      o as NetworkOptions,
    )
  } catch (err) {
    if (NetworkError.isInstance(err) && err.code === 'ERR_INVALID_OPTIONS') {
      const option = typeof err.details.option === 'string' ? err.details.option : ''
      fail(option === '' ? 'network' : at('network', option), err.message, err.details.value)
    }
    throw err
  }
  return o as NetworkOptions
}

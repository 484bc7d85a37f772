import { isDnsName, isPeerId, type PeerId } from '@chainwire/interface'
import { storableAddress } from '../address'
import { hostKey, parseBanTarget } from '../bans'
import { cleanRoles, MAX_USER_AGENT, type RestoredAddress, type RestoredPeer } from '../book/address-book'
import type { AddressEntry, PeerEntry } from '../book/entry'
import type { AddressSource, AnchorInfo, BanInfo, BanKind, DiscouragedInfo } from '../types'

/**
 * The JSON shapes written to the database, one record per peer (`p/<peerId>`) so a peer and its addresses
 * always change together, and the readers that validate what comes back from disk or from an import.
 */

/** The table shape, stored so a change of bucket options re-buckets instead of misplacing entries. */
export interface Geometry {
  newBucketCount: number
  triedBucketCount: number
  bucketSize: number
  newBucketsPerSourceGroup: number
  triedBucketsPerGroup: number
  /** The grouping the buckets were computed with (`groupingId`); absent in databases written before it. */
  grouping?: string
}

/** `@state`: table geometry and pending tried collisions (addresses). */
export interface StoredState {
  geometry: Geometry
  collisions: string[]
}

/** One address inside a stored peer record. */
export interface StoredAddress {
  address: string
  source: AddressSource
  firstSeen: number
  lastSeen: number
  lastSuccess: number
  lastAttempt: number
  attempts: number
  tried: boolean
  /** New-table buckets (empty when tried or unplaced). */
  buckets: number[]
}

/** `p/<peerId>`. */
export interface StoredPeer {
  peerId: PeerId
  roles: string[]
  protocolVersion?: number
  userAgent?: string
  firstSeen: number
  lastSeen: number
  latencyMs?: number
  source?: AddressSource
  persistent: boolean
  bootstrap: boolean
  anchor: boolean
  addresses: StoredAddress[]
}

/** The record of a peer in memory. */
export function storedPeer(peer: PeerEntry): StoredPeer {
  const out: StoredPeer = {
    peerId: peer.peerId,
    roles: [...peer.roles],
    firstSeen: peer.firstSeen,
    lastSeen: peer.lastSeen,
    persistent: peer.persistent,
    bootstrap: peer.bootstrap,
    anchor: peer.anchor,
    addresses: [...peer.addresses.values()].map(storedAddress),
  }
  if (peer.protocolVersion !== undefined) out.protocolVersion = peer.protocolVersion
  if (peer.userAgent !== undefined) out.userAgent = peer.userAgent
  if (peer.latencyMs !== undefined) out.latencyMs = peer.latencyMs
  if (peer.source !== undefined) out.source = peer.source
  return out
}

function storedAddress(e: AddressEntry): StoredAddress {
  return {
    address: e.address,
    source: e.source,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    lastSuccess: e.lastSuccess,
    lastAttempt: e.lastAttempt,
    attempts: e.attempts,
    tried: e.tried,
    buckets: e.tried ? [] : [...e.refs],
  }
}

// ---- readers: undefined means "not a valid record" ----

/**
 * Counts what the readers drop because earlier versions of the store accepted it and the current rules do
 * not (peer ids not in canonical form, addresses the shared parser refuses): such parts are dropped, and
 * the record rewritten, rather than the whole database declared corrupt.
 */
export interface ReadContext {
  superseded: number
}

/** A record that earlier versions wrote but the current rules refuse as a whole (see {@link ReadContext}). */
export const SUPERSEDED = 'superseded'

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 1e9
const optional = <T>(v: unknown, check: (x: unknown) => x is T): boolean => v === undefined || check(v)
const isShortString = (v: unknown): v is string => typeof v === 'string' && v.length <= 300

function readSource(v: unknown, ctx: ReadContext): AddressSource | undefined {
  if (!isObj(v) || !isShortString(v.group) || v.group === '' || !optional(v.peerId, isString))
    return undefined
  if (v.peerId === undefined) return { group: v.group }
  if (!isPeerId(v.peerId)) {
    ctx.superseded++
    return { group: v.group }
  }
  return { peerId: v.peerId, group: v.group }
}

const isString = (v: unknown): v is string => typeof v === 'string'

/**
 * Reads an address of a stored record (`tried`, `buckets`) or of an export (`table`, whose `buckets` belong
 * to another salt and are ignored).
 */
function readAddress(
  v: unknown,
  format: 'stored' | 'export',
  maxBucket: number,
  ctx: ReadContext,
): RestoredAddress | typeof SUPERSEDED | undefined {
  if (!isObj(v) || typeof v.address !== 'string') return undefined
  const source = readSource(v.source, ctx)
  if (source === undefined) return undefined
  if (![v.firstSeen, v.lastSeen, v.lastSuccess, v.lastAttempt].every(isTime) || !isCount(v.attempts))
    return undefined
  let tried: boolean
  let buckets: number[] = []
  if (format === 'stored') {
    if (typeof v.tried !== 'boolean' || !Array.isArray(v.buckets) || v.buckets.length > 64) return undefined
    if (!v.buckets.every((b) => isCount(b) && b < maxBucket)) return undefined
    tried = v.tried
    buckets = v.buckets as number[]
  } else {
    if (v.table !== 'new' && v.table !== 'tried' && v.table !== null) return undefined
    tried = v.table === 'tried'
  }
  const address = storableAddress(v.address)
  if (address === undefined) return SUPERSEDED
  return {
    address,
    source,
    firstSeen: v.firstSeen as number,
    lastSeen: v.lastSeen as number,
    lastSuccess: v.lastSuccess as number,
    lastAttempt: v.lastAttempt as number,
    attempts: v.attempts as number,
    tried,
    buckets,
  }
}

/**
 * Reads a stored peer record or an exported `PeerInfo`. A peer id that is not in canonical form makes the
 * record {@link SUPERSEDED}; addresses the parser now refuses are dropped (both counted in `ctx`).
 */
export function readPeer(
  v: unknown,
  format: 'stored' | 'export',
  maxAddresses: number,
  ctx: ReadContext = { superseded: 0 },
): RestoredPeer | typeof SUPERSEDED | undefined {
  if (!isObj(v) || typeof v.peerId !== 'string' || !Array.isArray(v.roles) || v.roles.length > 16)
    return undefined
  if (!isTime(v.firstSeen) || !isTime(v.lastSeen)) return undefined
  if (!optional(v.protocolVersion, isCount) || !optional(v.latencyMs, isTime)) return undefined
  if (v.userAgent !== undefined && (typeof v.userAgent !== 'string' || v.userAgent.length > MAX_USER_AGENT)) {
    return undefined
  }
  if (
    typeof v.persistent !== 'boolean' ||
    typeof v.bootstrap !== 'boolean' ||
    typeof v.anchor !== 'boolean'
  ) {
    return undefined
  }
  const source = v.source === undefined ? undefined : readSource(v.source, ctx)
  if (v.source !== undefined && source === undefined) return undefined
  if (!Array.isArray(v.addresses) || v.addresses.length > Math.max(maxAddresses, 1_024)) return undefined
  const addresses: RestoredAddress[] = []
  let dropped = 0
  for (const a of v.addresses) {
    const r = readAddress(a, format, 65_536, ctx)
    if (r === undefined) return undefined
    if (r === SUPERSEDED) dropped++
    else addresses.push(r)
  }
  ctx.superseded += dropped
  if (!isPeerId(v.peerId)) {
    ctx.superseded++
    return SUPERSEDED
  }
  return {
    peerId: v.peerId,
    roles: cleanRoles(v.roles),
    protocolVersion: v.protocolVersion as number | undefined,
    userAgent: v.userAgent as string | undefined,
    firstSeen: v.firstSeen,
    lastSeen: v.lastSeen,
    latencyMs: v.latencyMs as number | undefined,
    source,
    persistent: v.persistent,
    bootstrap: v.bootstrap,
    anchor: v.anchor,
    addresses,
  }
}

/** Reads a ban; its target must already be in canonical form. A ban of a superseded peer id is {@link SUPERSEDED}. */
export function readBan(v: unknown): BanInfo | typeof SUPERSEDED | undefined {
  if (!isObj(v) || typeof v.target !== 'string' || typeof v.reason !== 'string' || v.reason.length > 1_024) {
    return undefined
  }
  if (!isTime(v.createdAt) || !isTime(v.expiresAt)) return undefined
  if (
    v.kind === 'peer' &&
    !v.target.includes('://') &&
    hostKey(v.target) === undefined &&
    !isPeerId(v.target)
  ) {
    return SUPERSEDED
  }
  if (v.kind === 'host' && isDnsName(v.target)) {
    // A DNS host ban; as bare text it would read as a peer id.
  } else {
    try {
      const t = parseBanTarget(v.target)
      if (t.target !== v.target || t.kind !== v.kind) return undefined
    } catch {
      return undefined
    }
  }
  return {
    target: v.target,
    kind: v.kind as BanKind,
    reason: v.reason,
    createdAt: v.createdAt,
    expiresAt: v.expiresAt,
  }
}

/** Reads a discouraged host. */
export function readDiscouraged(v: unknown): DiscouragedInfo | undefined {
  if (!isObj(v) || typeof v.ip !== 'string' || !isTime(v.expiresAt)) return undefined
  // An IP, a memory:// address, or a DNS name (the host of a discouraged ws:// or wss:// address).
  if (hostKey(v.ip) === undefined && !isDnsName(v.ip)) return undefined
  return { ip: v.ip, expiresAt: v.expiresAt }
}

/** Reads a list of anchors; anchors the current rules refuse are dropped (counted in `ctx`). */
export function readAnchors(
  v: unknown,
  max: number,
  ctx: ReadContext = { superseded: 0 },
): AnchorInfo[] | undefined {
  if (!Array.isArray(v) || v.length > Math.max(max, 1_000)) return undefined
  const out: AnchorInfo[] = []
  for (const a of v) {
    if (!isObj(a) || typeof a.peerId !== 'string' || typeof a.address !== 'string') return undefined
    const parsed = storableAddress(a.address)
    if (parsed === undefined || !isPeerId(a.peerId)) ctx.superseded++
    else out.push({ peerId: a.peerId, address: parsed.address })
  }
  return out
}

/** Reads the `@state` record. */
export function readState(v: unknown): StoredState | undefined {
  if (!isObj(v) || !isObj(v.geometry) || !Array.isArray(v.collisions)) return undefined
  const g = v.geometry
  const keys = [
    'newBucketCount',
    'triedBucketCount',
    'bucketSize',
    'newBucketsPerSourceGroup',
    'triedBucketsPerGroup',
  ] as const
  if (!keys.every((k) => isCount(g[k]) && (g[k] as number) > 0)) return undefined
  if (g.grouping !== undefined && (!isShortString(g.grouping) || g.grouping === '')) return undefined
  if (!v.collisions.every((c) => typeof c === 'string')) return undefined
  return { geometry: g as unknown as Geometry, collisions: v.collisions as string[] }
}

/** True when two geometries are the same. */
export function sameGeometry(a: Geometry, b: Geometry): boolean {
  return (
    a.newBucketCount === b.newBucketCount &&
    a.triedBucketCount === b.triedBucketCount &&
    a.bucketSize === b.bucketSize &&
    a.newBucketsPerSourceGroup === b.newBucketsPerSourceGroup &&
    a.triedBucketsPerGroup === b.triedBucketsPerGroup &&
    (a.grouping ?? 'builtin') === (b.grouping ?? 'builtin')
  )
}

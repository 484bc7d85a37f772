import { isPeerId } from '@chainwire/interface'
import { isPeerBehaviour } from './behaviours'
import { SnapshotInvalidError } from './errors'
import { SCORE_FACTORS } from './factors/weights'
import { MAX_DETAIL_LENGTH } from './history'
import type { ResolvedOptions } from './options'
import { currentCredit, newRecord, type PeerRecord } from './record'
import type { PeerScoringSnapshot, PeerSnapshot, ScoreEvent, ScoreEventKind, ScoreFactor } from './types'

/** The snapshot format version this package writes and reads. */
export const SNAPSHOT_VERSION = 1

const MEASUREMENTS: readonly ScoreEventKind[] = ['latency', 'connected', 'disconnected', 'validator']

/** A record as a JSON-safe snapshot entry; the session in progress is banked into the uptime credit. */
export function encodeRecord(r: PeerRecord, now: number, o: ResolvedOptions): PeerSnapshot {
  return {
    peerId: r.peerId,
    lastSeen: r.lastSeen,
    latency: r.latencyMs === undefined ? null : { ewmaMs: r.latencyMs, freshness: r.latencyFreshness },
    uptime: { creditMs: currentCredit(r, now, o), stability: r.stability },
    blocks: r.blocks,
    transactions: r.transactions,
    behaviour: r.behaviour,
    validator: r.validator,
    bannedUntil: r.bannedUntil > now ? r.bannedUntil : null,
    history: r.history.map(copyEvent),
  }
}

/** A disconnected record from a validated snapshot entry (its state is set by the caller). */
export function recordFromSnapshot(p: PeerSnapshot, o: ResolvedOptions): PeerRecord {
  const r = newRecord(p.peerId, p.lastSeen, 'neutral')
  r.latencyMs = p.latency?.ewmaMs
  r.latencyFreshness = p.latency?.freshness ?? 0
  r.uptimeCreditMs = Math.min(o.uptime.fullCreditMs, p.uptime.creditMs)
  r.stability = p.uptime.stability
  r.blocks = p.blocks
  r.transactions = p.transactions
  r.behaviour = p.behaviour
  r.validator = p.validator
  r.bannedUntil = p.bannedUntil ?? 0
  r.history = o.historyLimit === 0 ? [] : p.history.slice(-o.historyLimit)
  return r
}

/**
 * Validates a snapshot (an object or its JSON text) and returns a deep copy; throws
 * {@link SnapshotInvalidError} with the path of the first bad field.
 */
export function parseSnapshot(input: unknown): PeerScoringSnapshot {
  let value = input
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input)
    } catch (cause) {
      throw new SnapshotInvalidError('snapshot is not valid JSON', { path: '$' }, { cause })
    }
  }
  const s = object(value, '$')
  if (s.version !== SNAPSHOT_VERSION) {
    invalid('$.version', `unsupported snapshot version (expected ${SNAPSHOT_VERSION})`, s.version)
  }
  const takenAt = number(s.takenAt, '$.takenAt', 0, Number.MAX_SAFE_INTEGER)
  const decayedAt = number(s.decayedAt, '$.decayedAt', 0, Number.MAX_SAFE_INTEGER)
  if (!Array.isArray(s.peers)) invalid('$.peers', 'must be an array', s.peers)
  const seen = new Set<string>()
  const peers = s.peers.map((p: unknown, i: number) => {
    const peer = parsePeer(p, `$.peers[${i}]`)
    if (seen.has(peer.peerId)) invalid(`$.peers[${i}].peerId`, 'duplicate peer id', peer.peerId)
    seen.add(peer.peerId)
    return peer
  })
  return { version: SNAPSHOT_VERSION, takenAt, decayedAt, peers }
}

function parsePeer(value: unknown, path: string): PeerSnapshot {
  const p = object(value, path)
  if (!isPeerId(p.peerId)) invalid(`${path}.peerId`, 'must be a peer id in canonical form', p.peerId)
  const peerId = p.peerId
  let latency: PeerSnapshot['latency'] = null
  if (p.latency !== null) {
    const l = object(p.latency, `${path}.latency`)
    latency = {
      ewmaMs: number(l.ewmaMs, `${path}.latency.ewmaMs`, 0, Number.MAX_SAFE_INTEGER),
      freshness: number(l.freshness, `${path}.latency.freshness`, 0, 1),
    }
  }
  const u = object(p.uptime, `${path}.uptime`)
  if (typeof p.validator !== 'boolean') invalid(`${path}.validator`, 'must be a boolean', p.validator)
  if (!Array.isArray(p.history)) invalid(`${path}.history`, 'must be an array', p.history)
  return {
    peerId,
    lastSeen: number(p.lastSeen, `${path}.lastSeen`, 0, Number.MAX_SAFE_INTEGER),
    latency,
    uptime: {
      creditMs: number(u.creditMs, `${path}.uptime.creditMs`, 0, Number.MAX_SAFE_INTEGER),
      stability: number(u.stability, `${path}.uptime.stability`, -100, 0),
    },
    blocks: number(p.blocks, `${path}.blocks`, -100, 100),
    transactions: number(p.transactions, `${path}.transactions`, -100, 100),
    behaviour: number(p.behaviour, `${path}.behaviour`, -100, 100),
    validator: p.validator,
    bannedUntil:
      p.bannedUntil === null
        ? null
        : number(p.bannedUntil, `${path}.bannedUntil`, 0, Number.MAX_SAFE_INTEGER),
    history: p.history.map((e: unknown, i: number) => parseEvent(e, `${path}.history[${i}]`)),
  }
}

function parseEvent(value: unknown, path: string): ScoreEvent {
  const e = object(value, path)
  const kind = e.kind
  if (!isPeerBehaviour(kind) && !MEASUREMENTS.includes(kind as ScoreEventKind)) {
    invalid(`${path}.kind`, 'unknown event kind', kind)
  }
  const d = object(e.delta, `${path}.delta`)
  const delta: Partial<Record<ScoreFactor, number>> = {}
  for (const [factor, points] of Object.entries(d)) {
    if (!SCORE_FACTORS.includes(factor as ScoreFactor))
      invalid(`${path}.delta.${factor}`, 'unknown factor', factor)
    delta[factor as ScoreFactor] = number(points, `${path}.delta.${factor}`, -200, 200)
  }
  const event: ScoreEvent = {
    at: number(e.at, `${path}.at`, 0, Number.MAX_SAFE_INTEGER),
    kind: kind as ScoreEventKind,
    delta,
  }
  if (e.value !== undefined) event.value = number(e.value, `${path}.value`, 0, Number.MAX_SAFE_INTEGER)
  if (e.detail !== undefined) event.detail = string(e.detail, `${path}.detail`, 0, MAX_DETAIL_LENGTH)
  return event
}

function copyEvent(e: ScoreEvent): ScoreEvent {
  const copy: ScoreEvent = { at: e.at, kind: e.kind, delta: { ...e.delta } }
  if (e.value !== undefined) copy.value = e.value
  if (e.detail !== undefined) copy.detail = e.detail
  return copy
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(path, 'must be an object', value)
  return value as Record<string, unknown>
}

function number(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    invalid(path, `must be a finite number in [${min}, ${max}]`, value)
  }
  return value + 0
}

function string(value: unknown, path: string, minLength: number, maxLength: number): string {
  if (typeof value !== 'string' || value.length < minLength || value.length > maxLength) {
    invalid(path, `must be a string of ${minLength} to ${maxLength} characters`, value)
  }
  return value
}

function invalid(path: string, problem: string, value: unknown): never {
  const shown = typeof value === 'string' ? value.slice(0, 64) : typeof value
  throw new SnapshotInvalidError(`invalid snapshot: ${path} ${problem}`, { path, value: shown })
}

import type { NodeRole, PeerId } from '@chainwire/interface'
import type { AddressSource } from '../types'

/** One peer in memory: what we know about it and its addresses (at most `maxAddressesPerPeer`). */
export interface PeerEntry {
  readonly peerId: PeerId
  roles: NodeRole[]
  protocolVersion: number | undefined
  userAgent: string | undefined
  firstSeen: number
  lastSeen: number
  latencyMs: number | undefined
  source: AddressSource | undefined
  persistent: boolean
  bootstrap: boolean
  anchor: boolean
  readonly addresses: Map<string, AddressEntry>
}

/** One address in memory; `id` is its slot value in the tables (reused after deletion, never persisted). */
export interface AddressEntry {
  readonly id: number
  readonly address: string
  readonly group: string
  peer: PeerEntry
  source: AddressSource
  firstSeen: number
  lastSeen: number
  lastSuccess: number
  lastAttempt: number
  /** When a failure was last counted (Core's `m_last_count_attempt`; in memory only). */
  lastCountAttempt: number
  attempts: number
  tried: boolean
  /** The new-table buckets holding it (its reference count is the length). */
  refs: number[]
}

/** The fields an {@link AddressEntry} is created with. */
export type AddressFields = Pick<
  AddressEntry,
  'address' | 'group' | 'source' | 'firstSeen' | 'lastSeen' | 'lastSuccess' | 'lastAttempt' | 'attempts'
>

/**
 * Creates an entry with every field set in one constructor, so all entries share one hidden class: selection
 * scans tens of thousands of them, and objects of mixed shapes make each property read several times slower.
 */
export function createEntry(id: number, peer: PeerEntry, f: AddressFields): AddressEntry {
  return new Entry(id, peer, f)
}

class Entry implements AddressEntry {
  readonly id: number
  readonly address: string
  readonly group: string
  peer: PeerEntry
  source: AddressSource
  firstSeen: number
  lastSeen: number
  lastSuccess: number
  lastAttempt: number
  lastCountAttempt: number
  attempts: number
  tried: boolean
  refs: number[]

  constructor(id: number, peer: PeerEntry, f: AddressFields) {
    this.id = id
    this.address = f.address
    this.group = f.group
    this.peer = peer
    this.source = f.source
    this.firstSeen = f.firstSeen
    this.lastSeen = f.lastSeen
    this.lastSuccess = f.lastSuccess
    this.lastAttempt = f.lastAttempt
    this.lastCountAttempt = 0
    this.attempts = f.attempts
    this.tried = false
    this.refs = []
  }
}

/** The thresholds of {@link isTerrible}. */
export interface TerribleRules {
  horizonMs: number
  maxRetries: number
  maxFailures: number
  minFailMs: number
}

const MINUTE = 60_000

/**
 * Core's `IsTerrible`: an address not worth keeping when its slot is wanted, nor worth gossiping. Never for
 * one tried in the last minute; yes when its time is more than 10 minutes in the future, older than the
 * horizon, never connected after `maxRetries` failures, or failed `maxFailures` times with no success
 * within `minFailMs`.
 */
export function isTerrible(e: AddressEntry, now: number, rules: TerribleRules): boolean {
  if (e.lastAttempt > 0 && now - e.lastAttempt <= MINUTE) return false
  if (e.lastSeen > now + 10 * MINUTE) return true
  if (now - e.lastSeen > rules.horizonMs) return true
  if (e.lastSuccess === 0 && e.attempts >= rules.maxRetries) return true
  if (now - e.lastSuccess > rules.minFailMs && e.attempts >= rules.maxFailures) return true
  return false
}

/**
 * Core's `GetChance`: the relative odds of accepting an address once sampled; 1 for a fresh address,
 * x0.01 when tried in the last 10 minutes, x0.66 per counted failure (up to 8).
 */
export function selectionChance(e: AddressEntry, now: number): number {
  let chance = 1
  if (e.lastAttempt > 0 && now - e.lastAttempt < 10 * MINUTE) chance *= 0.01
  return chance * 0.66 ** Math.min(e.attempts, 8)
}

/**
 * When the address may be dialed again: `lastAttempt + min(max, base * 2^attempts)`; 0 if never attempted.
 */
export function backoffUntil(e: AddressEntry, baseMs: number, maxMs: number): number {
  if (e.lastAttempt === 0) return 0
  return e.lastAttempt + Math.min(maxMs, baseMs * 2 ** Math.min(e.attempts, 52))
}

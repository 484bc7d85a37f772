import { PeerStoreError } from './errors'
import type { PeerStoreOptions } from './index'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The numeric and boolean options with their defaults applied. */
export type ResolvedOptions = Required<Omit<PeerStoreOptions, 'path' | 'db' | 'salt' | 'groupOf'>> &
  Pick<PeerStoreOptions, 'path' | 'db' | 'salt' | 'groupOf'>

/** The defaults documented on {@link PeerStoreOptions}. */
export const DEFAULTS = {
  onCorrupt: 'error',
  newBucketCount: 1024,
  triedBucketCount: 256,
  bucketSize: 64,
  newBucketsPerSourceGroup: 64,
  triedBucketsPerGroup: 8,
  newBucketsPerAddress: 8,
  testBeforeEvict: true,
  maxTriedCollisions: 10,
  maxAddressesPerPeer: 16,
  maxPinnedPeers: 256,
  allowNonRoutable: false,
  triedBias: 0.5,
  dialBackoffBaseMs: MINUTE,
  dialBackoffMaxMs: HOUR,
  horizonMs: 30 * DAY,
  maxRetries: 3,
  maxFailures: 10,
  minFailMs: 7 * DAY,
  replacementMs: 4 * HOUR,
  testWindowMs: 40 * MINUTE,
  gossipTimePenaltyMs: 2 * HOUR,
  maxAnchors: 2,
  banDurationMs: DAY,
  discourageDurationMs: DAY,
  maxBans: 10_000,
  maxDiscouraged: 50_000,
  maxMetadataKeys: 256,
  maxMetadataBytes: 16 * 1024 * 1024,
  flushIntervalMs: 2_000,
  maxPendingWrites: 10_000,
  maintenanceIntervalMs: MINUTE,
  groupingId: 'builtin',
} as const satisfies ResolvedOptions

/** Integer options and their allowed ranges. */
const INTEGER_RANGES: Partial<Record<keyof ResolvedOptions, readonly [number, number]>> = {
  newBucketCount: [1, 65_536],
  triedBucketCount: [1, 65_536],
  bucketSize: [1, 4_096],
  newBucketsPerSourceGroup: [1, 65_536],
  triedBucketsPerGroup: [1, 65_536],
  newBucketsPerAddress: [1, 64],
  maxTriedCollisions: [0, 10_000],
  maxAddressesPerPeer: [1, 1_024],
  maxPinnedPeers: [0, 100_000],
  dialBackoffBaseMs: [0, Number.MAX_SAFE_INTEGER],
  dialBackoffMaxMs: [0, Number.MAX_SAFE_INTEGER],
  horizonMs: [1, Number.MAX_SAFE_INTEGER],
  maxRetries: [1, 1_000_000],
  maxFailures: [1, 1_000_000],
  minFailMs: [0, Number.MAX_SAFE_INTEGER],
  replacementMs: [0, Number.MAX_SAFE_INTEGER],
  testWindowMs: [0, Number.MAX_SAFE_INTEGER],
  gossipTimePenaltyMs: [0, Number.MAX_SAFE_INTEGER],
  maxAnchors: [0, 1_000],
  banDurationMs: [1, Number.MAX_SAFE_INTEGER],
  discourageDurationMs: [1, Number.MAX_SAFE_INTEGER],
  maxBans: [1, 10_000_000],
  maxDiscouraged: [1, 10_000_000],
  maxMetadataKeys: [0, 1_000_000],
  maxMetadataBytes: [0, 2 ** 31],
  flushIntervalMs: [1, 2 ** 31 - 1],
  maxPendingWrites: [1, Number.MAX_SAFE_INTEGER],
  maintenanceIntervalMs: [1, 2 ** 31 - 1],
}

function invalid(name: string, message: string): PeerStoreError {
  return new PeerStoreError('ERR_INVALID_OPTION', `peer-store option ${name} ${message}`, { option: name })
}

/** Applies the defaults and checks every option; throws `ERR_INVALID_OPTION`. */
export function resolveOptions(options: PeerStoreOptions): ResolvedOptions {
  const out = { ...DEFAULTS } as ResolvedOptions
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v
  }
  for (const [name, range] of Object.entries(INTEGER_RANGES)) {
    const v = (out as unknown as Record<string, unknown>)[name]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < range[0] || v > range[1]) {
      throw invalid(name, `must be an integer in [${range[0]}, ${range[1]}], got ${String(v)}`)
    }
  }
  if (out.newBucketsPerSourceGroup > out.newBucketCount) {
    throw invalid('newBucketsPerSourceGroup', 'must not exceed newBucketCount')
  }
  if (out.triedBucketsPerGroup > out.triedBucketCount) {
    throw invalid('triedBucketsPerGroup', 'must not exceed triedBucketCount')
  }
  if (out.dialBackoffMaxMs < out.dialBackoffBaseMs)
    throw invalid('dialBackoffMaxMs', 'must be >= dialBackoffBaseMs')
  if (typeof out.triedBias !== 'number' || !(out.triedBias >= 0 && out.triedBias <= 1)) {
    throw invalid('triedBias', 'must be a number in [0, 1]')
  }
  for (const name of ['testBeforeEvict', 'allowNonRoutable'] as const) {
    if (typeof out[name] !== 'boolean') throw invalid(name, 'must be a boolean')
  }
  if (out.onCorrupt !== 'error' && out.onCorrupt !== 'reset')
    throw invalid('onCorrupt', "must be 'error' or 'reset'")
  if (out.path !== undefined && out.db !== undefined) throw invalid('path', 'and db are mutually exclusive')
  if (out.path !== undefined && (typeof out.path !== 'string' || out.path === '')) {
    throw invalid('path', 'must be a non-empty string')
  }
  if (out.groupOf !== undefined && typeof out.groupOf !== 'function')
    throw invalid('groupOf', 'must be a function')
  if (options.groupingId === undefined && out.groupOf !== undefined) out.groupingId = 'custom'
  if (typeof out.groupingId !== 'string' || out.groupingId === '' || out.groupingId.length > 200) {
    throw invalid('groupingId', 'must be a non-empty string of at most 200 characters')
  }
  if (out.salt !== undefined && (!(out.salt instanceof Uint8Array) || out.salt.length !== 32)) {
    throw invalid('salt', 'must be 32 bytes')
  }
  return out
}

import { type OptionSpec, option, resolveOptions as resolveSpec } from '@chainwire/interface'
import { PeerStoreError } from './errors'
import { BUILTIN_GROUPING_ID, MAX_GROUP_LENGTH } from './grouping'
import type { PeerStoreOptions } from './types'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const MAX_MS = Number.MAX_SAFE_INTEGER
/** The longest timer interval a clock can arm (2^31 - 1 ms, about 24.8 days). */
const MAX_INTERVAL_MS = 2 ** 31 - 1

/** Every option with its default applied; `path`, `db`, `salt` and `groupOf` stay optional. */
export type ResolvedOptions = Required<Omit<PeerStoreOptions, 'path' | 'db' | 'salt' | 'groupOf'>> &
  Pick<PeerStoreOptions, 'path' | 'db' | 'salt' | 'groupOf'>

/** A positive integer count up to `max`. */
const count = (defaultValue: number, min: number, max: number) => option.integer(defaultValue, { min, max })

/** The options of the peer store, each with the default documented on {@link PeerStoreOptions}. */
const SPEC: OptionSpec<ResolvedOptions> = {
  path: option.custom<string | undefined>(undefined, (v) =>
    typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string',
  ),
  db: option.custom<PeerStoreOptions['db']>(undefined, (v) =>
    typeof v === 'object' && v !== null ? undefined : 'must be an abstract-level database',
  ),
  onCorrupt: option.oneOf<'error' | 'reset'>('error', ['error', 'reset']),
  salt: option.custom<Uint8Array | undefined>(undefined, (v) =>
    v instanceof Uint8Array && v.length === 32 ? undefined : 'must be 32 bytes',
  ),
  newBucketCount: count(1024, 1, 65_536),
  triedBucketCount: count(256, 1, 65_536),
  bucketSize: count(64, 1, 4_096),
  newBucketsPerSourceGroup: count(64, 1, 65_536),
  triedBucketsPerGroup: count(8, 1, 65_536),
  newBucketsPerAddress: count(8, 1, 64),
  testBeforeEvict: option.boolean(true),
  maxTriedCollisions: count(10, 0, 10_000),
  maxAddressesPerPeer: count(16, 1, 1_024),
  maxPinnedPeers: count(256, 0, 100_000),
  allowNonRoutable: option.boolean(false),
  groupOf: option.callback<PeerStoreOptions['groupOf']>(undefined),
  groupingId: option.custom<string>(BUILTIN_GROUPING_ID, (v) =>
    typeof v === 'string' && v !== '' && v.length <= MAX_GROUP_LENGTH
      ? undefined
      : `must be a non-empty string of at most ${MAX_GROUP_LENGTH} characters`,
  ),
  triedBias: option.number(0.5, { min: 0, max: 1 }),
  dialBackoffBaseMs: count(MINUTE, 0, MAX_MS),
  dialBackoffMaxMs: count(HOUR, 0, MAX_MS),
  horizonMs: count(30 * DAY, 1, MAX_MS),
  maxRetries: count(3, 1, 1_000_000),
  maxFailures: count(10, 1, 1_000_000),
  minFailMs: count(7 * DAY, 0, MAX_MS),
  replacementMs: count(4 * HOUR, 0, MAX_MS),
  testWindowMs: count(40 * MINUTE, 0, MAX_MS),
  gossipTimePenaltyMs: count(2 * HOUR, 0, MAX_MS),
  maxAnchors: count(2, 0, 1_000),
  banDurationMs: count(DAY, 1, MAX_MS),
  discourageDurationMs: count(DAY, 1, MAX_MS),
  maxBans: count(10_000, 1, 10_000_000),
  maxDiscouraged: count(50_000, 1, 10_000_000),
  maxMetadataKeys: count(256, 0, 1_000_000),
  maxMetadataBytes: count(16 * 1024 * 1024, 0, 2 ** 31),
  flushIntervalMs: count(2_000, 1, MAX_INTERVAL_MS),
  maxPendingWrites: count(10_000, 1, MAX_MS),
  maintenanceIntervalMs: count(MINUTE, 1, MAX_INTERVAL_MS),
}

function invalid(option: string, problem: string, details: Record<string, unknown> = {}): PeerStoreError {
  return new PeerStoreError('ERR_INVALID_OPTION', `peer-store option ${option} ${problem}`, {
    ...details,
    option,
    problem,
  })
}

/**
 * Applies the defaults and checks every option with `@chainwire/interface`'s resolver (unknown options are
 * refused), then the rules between options; throws `ERR_INVALID_OPTION` naming the option.
 */
export function resolveOptions(options: PeerStoreOptions): ResolvedOptions {
  const out = resolveSpec(SPEC, options, {
    error: (message, details) =>
      new PeerStoreError('ERR_INVALID_OPTION', `peer-store ${message}`, { ...details }),
  })
  if (out.newBucketsPerSourceGroup > out.newBucketCount) {
    throw invalid('newBucketsPerSourceGroup', 'must not exceed newBucketCount')
  }
  if (out.triedBucketsPerGroup > out.triedBucketCount) {
    throw invalid('triedBucketsPerGroup', 'must not exceed triedBucketCount')
  }
  if (out.dialBackoffMaxMs < out.dialBackoffBaseMs) {
    throw invalid('dialBackoffMaxMs', 'must be >= dialBackoffBaseMs')
  }
  if (out.path !== undefined && out.db !== undefined) throw invalid('path', 'and db are mutually exclusive')
  // Without an explicit id, a custom grouping is named 'custom' so that adding or dropping it re-buckets.
  if (options?.groupingId === undefined && out.groupOf !== undefined) out.groupingId = 'custom'
  return out
}

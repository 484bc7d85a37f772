/**
 * The public types of the peer store: components, options, the {@link PeerStore} contract, its records and
 * events. `index.ts` re-exports them; implementation files import them from here, never from `index.ts`.
 */
import type { Clock, Logger, Metrics, NodeRole, PeerId } from '@chainwire/interface'
import type { AbstractLevel } from 'abstract-level'
import type { EventEmitter } from 'eventemitter3'

/** Any `abstract-level` database with string keys and values (classic-level, memory-level, a sublevel ...). */
export type PeerStoreDatabase = AbstractLevel<string | Buffer | Uint8Array, string, string>

/** What the peer store needs from its host: a clock for every timer, and optional logging and metrics. */
export interface PeerStoreComponents {
  /** The only source of time and timers (flush and maintenance intervals, expiry, backoff). */
  clock: Clock
  /** Where warnings (a reset database, failed flushes) go. @default noopLogger */
  logger?: Logger
  /** Table fill, bans, evictions, flushes. @default noopMetrics */
  metrics?: Metrics
  /**
   * Uniform random numbers in [0, 1) for selection and probabilistic insertion; netsim passes a seeded
   * generator for reproducible runs. @default Math.random
   */
  random?: () => number
}

/** Options of {@link createPeerStore}; every field is optional. */
export interface PeerStoreOptions {
  /**
   * Directory of the LevelDB (classic-level) database. Mutually exclusive with `db`.
   * @default undefined (uses `db`, or an in-memory database when neither is given)
   */
  path?: string
  /**
   * A database to use instead of opening `path`, such as `new MemoryLevel()` in tests or a sublevel of the
   * node's own database. The store opens it in `open()` and closes it in `stop()`.
   * @default undefined (a fresh in-memory memory-level database when `path` is not given either)
   */
  db?: PeerStoreDatabase
  /**
   * What `open()` does when the database is corrupt (`ERR_DB_CORRUPT`): `'error'` throws, `'reset'` wipes it
   * and starts empty (logging a warning). A foreign (`ERR_DB_FOREIGN`) or newer (`ERR_DB_VERSION`) database
   * always throws: it may be someone else's data. See also {@link destroyPeerStore}.
   * @default 'error'
   */
  onCorrupt?: 'error' | 'reset'
  /**
   * The 32-byte secret that keys bucket and slot positions, used only when the database is created (an
   * existing database keeps its stored salt). Pass one only for reproducible tests and simulations.
   * @default 32 random bytes from node:crypto
   */
  salt?: Uint8Array
  /** Buckets of the new table (addresses heard of, never connected to). @default 1024 */
  newBucketCount?: number
  /** Buckets of the tried table (addresses connected to successfully). @default 256 */
  triedBucketCount?: number
  /** Slots per bucket, in both tables. @default 64 */
  bucketSize?: number
  /** How many new-table buckets all addresses from one source group can reach. @default 64 */
  newBucketsPerSourceGroup?: number
  /** How many tried-table buckets all addresses of one group can reach. @default 8 */
  triedBucketsPerGroup?: number
  /** How many new-table buckets one address may occupy (one per distinct source group). @default 8 */
  newBucketsPerAddress?: number
  /**
   * Keep a tried-table incumbent when a promotion collides with it, and queue the collision for a feeler to
   * decide (`selectFeeler`, `resolveCollisions`). `false` evicts the incumbent at once.
   * @default true
   */
  testBeforeEvict?: boolean
  /** Pending tried-table collisions kept; more are dropped (the address stays in the new table). @default 10 */
  maxTriedCollisions?: number
  /**
   * Addresses kept per peer. A new address replaces the peer's least recently seen address that never
   * connected (or is terrible); if there is none it is dropped.
   * @default 16
   */
  maxAddressesPerPeer?: number
  /** Peers flagged `persistent` or `bootstrap`, which stay in the store even without a table slot. @default 256 */
  maxPinnedPeers?: number
  /**
   * Accept loopback, private (RFC 1918, ULA), link-local, documentation and other non-public addresses.
   * Devnets and tests on one machine set it; `memory://` addresses are always accepted.
   * @default false
   */
  allowNonRoutable?: boolean
  /**
   * Your own network grouping, the analogue of Bitcoin Core's `-asmap`: called with an address's canonical
   * URL (or a bare IP, when a source or an exclusion is given as one), it returns the address's group, or
   * undefined to fall back to the built-in grouping (`networkGroup` of @chainwire/interface). Every rule that counts
   * groups uses it: new-table buckets (address and source groups), tried-table buckets, the one-per-group
   * rule and the `exclude` groups of `selectForDial` and `selectFeeler`, and the groups recomputed when the
   * store loads or imports. Groups it returns are reported with a `custom:` prefix (never equal to a
   * built-in group). It must be fast (it runs for every gossiped address), deterministic, and return a
   * non-empty string of at most 200 characters or undefined (anything else throws `ERR_INVALID_OPTION`).
   * @default undefined (the built-in grouping)
   */
  groupOf?: (address: string) => string | undefined
  /**
   * Names the grouping in use, stored with the table geometry: when it differs from the one the database
   * was written with, the new table is re-bucketed at load (as Core does when its asmap checksum changes).
   * Change it whenever `groupOf` starts grouping differently.
   * @default 'builtin' without `groupOf`, 'custom' with it
   */
  groupingId?: string
  /** Probability that a dial pick is drawn from the tried table when both tables have entries. @default 0.5 */
  triedBias?: number
  /**
   * Wait after a dial attempt before the address may be picked again, doubled for every failure counted
   * since the last success: `min(dialBackoffMaxMs, dialBackoffBaseMs * 2 ** attempts)`.
   * @default 60_000
   */
  dialBackoffBaseMs?: number
  /** Upper bound of the per-address dial backoff. @default 3_600_000 (1 hour) */
  dialBackoffMaxMs?: number
  /** An address not heard of for this long is terrible (replaceable, not gossiped). @default 2_592_000_000 (30 days) */
  horizonMs?: number
  /** An address that never connected is terrible after this many counted failures. @default 3 */
  maxRetries?: number
  /** An address is terrible after this many failures when its last success is older than `minFailMs`. @default 10 */
  maxFailures?: number
  /** See `maxFailures`. @default 604_800_000 (7 days) */
  minFailMs?: number
  /**
   * A tried incumbent that connected within this window is kept over a colliding newcomer; one that failed
   * a dial within it (and more than a minute ago) is replaced.
   * @default 14_400_000 (4 hours)
   */
  replacementMs?: number
  /** A queued collision unresolved for this long evicts the incumbent. @default 2_400_000 (40 minutes) */
  testWindowMs?: number
  /** Subtracted from the last-seen time of addresses relayed by a third party. @default 7_200_000 (2 hours) */
  gossipTimePenaltyMs?: number
  /** Anchors kept by `saveAnchors` (Core keeps its 2 block-relay-only peers). @default 2 */
  maxAnchors?: number
  /** Duration of `ban()` when none is given. @default 86_400_000 (24 hours) */
  banDurationMs?: number
  /** Duration of `discourage()` when none is given. @default 86_400_000 (24 hours) */
  discourageDurationMs?: number
  /** Bans kept; beyond it the ban expiring soonest is dropped. @default 10_000 */
  maxBans?: number
  /** Discouraged IPs kept; beyond it the oldest is dropped. @default 50_000 */
  maxDiscouraged?: number
  /** Metadata keys kept. @default 256 */
  maxMetadataKeys?: number
  /** Total size of all metadata values, as JSON text (UTF-16 code units). @default 16_777_216 (16 MiB) */
  maxMetadataBytes?: number
  /** How often pending changes are written, in one batch. @default 2_000 */
  flushIntervalMs?: number
  /** Records waiting to be written that trigger a flush before the interval. @default 10_000 */
  maxPendingWrites?: number
  /** How often expired bans and discouragement are swept. @default 60_000 */
  maintenanceIntervalMs?: number
}

/**
 * The source an address is filed under: the peer that told us (if known) and its network group. For an address
 * added as `'verified'` (and by `markGood`) it is the address's own group and carries no peer id.
 */
export interface AddressSource {
  peerId?: PeerId
  /** The source's network group (`networkGroup` of @chainwire/interface, or `groupOf`'s); the address's own for verified addresses. */
  group: string
}

/**
 * Where the addresses given to {@link PeerStore.addAddresses} come from. Required: the store never guesses.
 *
 * - `{ peerId?, address }`: somebody told us. `address` is the remote address of the connection that told us
 *   (or, for a DNS seed or a multicast answer, the address the answer came from); only its network group is
 *   kept, and the new-table bucket is computed from it (Bitcoin Core's source group), so every address heard
 *   from one source group lands in at most `newBucketsPerSourceGroup` buckets, whatever groups the addresses
 *   claim. A peer announcing its own listen addresses (its `hello`) is such a source too: its peer id and the
 *   connection's remote address.
 * - `'verified'`: we reached `peerId` at these addresses ourselves (we dialed them and the handshake proved the
 *   peer id, or an address is the remote address of its authenticated connection), or an operator configured
 *   them. Filed under each address's own group.
 */
export type AddressOrigin = { peerId?: PeerId; address: string } | 'verified'

/** Which table an address sits in; `null` for an address of a pinned peer that has no slot. */
export type TableName = 'new' | 'tried'

/** One known address of a peer and its dial history. Times are ms since the epoch, 0 for never. */
export interface AddressInfo {
  /** The canonical URL. */
  address: string
  /** The peer the address belongs to. */
  peerId: PeerId
  /** Its network group. */
  group: string
  /** `null` for an address of a pinned peer that has no slot. */
  table: TableName | null
  /** Diagnostics: the new-table buckets it occupies, or its one tried-table bucket. */
  buckets: readonly number[]
  /** Who told us about it. */
  source: AddressSource
  /** When it entered the store. */
  firstSeen: number
  /** When it was last heard of (gossip time, minus the third-party penalty) or connected to. */
  lastSeen: number
  /** Last completed handshake. */
  lastSuccess: number
  /** Last dial attempt (start or failure). */
  lastAttempt: number
  /** Failed attempts counted since the last success. */
  attempts: number
}

/** Everything known about one peer. */
export interface PeerInfo {
  peerId: PeerId
  /** At most `maxAddressesPerPeer`. */
  addresses: AddressInfo[]
  /** Roles from gossip (merged) or from its authenticated hello via `updatePeer` (replaced). */
  roles: NodeRole[]
  /** From its hello. */
  protocolVersion?: number
  /** From its hello, at most 256 characters. */
  userAgent?: string
  /** When the record was created. */
  firstSeen: number
  /** Latest last-seen over its addresses and connections. */
  lastSeen: number
  /** Latest success over its addresses. */
  lastSuccess: number
  /** Latest attempt over its addresses. */
  lastAttempt: number
  /** Smoothed round-trip time (exponential moving average, weight 0.2 for a new sample). */
  latencyMs?: number
  /** Who first told us about it. */
  source?: AddressSource
  /** An operator-configured peer the node keeps connected to; pinned. */
  persistent: boolean
  /** A bootstrap node from configuration; pinned. */
  bootstrap: boolean
  /** Saved as an anchor at the last shutdown and not yet taken by `getAnchors()`. */
  anchor: boolean
}

/** Options of {@link PeerStore.addAddresses}. */
export interface AddAddressesOptions {
  /**
   * Who told us, or `'verified'` (see {@link AddressOrigin}). Required: without it `addAddresses` throws
   * `ERR_MISSING_SOURCE` instead of filing the addresses under a group of their own choosing.
   */
  source: AddressOrigin
  /** When the source says the peer was last seen, ms since the epoch. @default now */
  timestamp?: number
  /** Roles announced with the addresses; merged into what is known. */
  roles?: readonly NodeRole[]
  /** Pin the peer as an operator-configured persistent peer. */
  persistent?: boolean
  /** Pin the peer as a bootstrap node. */
  bootstrap?: boolean
  /** The current time. @default components.clock.now() */
  now?: number
}

/** What a verified hello (or an operator) tells us about a peer. */
export interface PeerUpdate {
  /** Replaces the known roles. */
  roles?: readonly NodeRole[]
  protocolVersion?: number
  /** Truncated to 256 characters. */
  userAgent?: string
  /** A new round-trip sample, folded into the moving average. */
  latencyMs?: number
  persistent?: boolean
  bootstrap?: boolean
}

/** Options of the mark methods. */
export interface MarkOptions {
  /** The current time. @default components.clock.now() */
  now?: number
}

/**
 * What {@link PeerStore.markGood} did: `'promoted'` to tried, already `'tried'`, a `'collision'` with a tried
 * incumbent was queued (test-before-evict), or `'ignored'` (non-routable, or no slot anywhere).
 */
export type MarkGoodResult = 'promoted' | 'tried' | 'collision' | 'ignored'

/** Options of {@link PeerStore.selectForDial} and {@link PeerStore.selectFeeler}. */
export interface SelectOptions {
  /**
   * Peer ids and address URLs (or IPs) to stay away from, typically every connected or pending peer: they
   * are not returned, and their addresses' groups are avoided (unless nothing else is left and
   * `allowGroupRepeats` is true).
   */
  exclude?: Iterable<PeerId | string>
  /**
   * When fewer groups than wanted are left, fill up with addresses of groups already excluded or picked.
   * `false` returns fewer candidates instead, never two of one group nor one of an excluded group, which is
   * what outbound slot filling needs against an attacker holding few groups (Bitcoin Core never opens two
   * outbound connections into one group); `true` suits a devnet whose nodes share one group (loopback).
   * @default true
   */
  allowGroupRepeats?: boolean
  /** Only peers known to have all of these roles. */
  roles?: readonly NodeRole[]
  /** The current time. @default components.clock.now() */
  now?: number
}

/** An address to dial. */
export interface DialCandidate {
  peerId: PeerId
  address: string
  group: string
  table: TableName
}

/** The feeler's target: a tried incumbent to test for a queued `'collision'`, or a `'new'` address. */
export interface FeelerCandidate extends DialCandidate {
  reason: 'collision' | 'new'
}

/** A queued test-before-evict collision: the tried incumbent to test and the newcomer waiting for its slot. */
export interface TriedCollision {
  peerId: PeerId
  address: string
  lastAttempt: number
  candidate: { peerId: PeerId; address: string }
}

/** A peer saved by `saveAnchors` to reconnect to first after a restart. */
export interface AnchorInfo {
  peerId: PeerId
  address: string
}

/** What a ban applies to. */
export type BanKind = 'peer' | 'ip' | 'subnet' | 'host'

/** One ban. */
export interface BanInfo {
  /** The canonical target: a peer id, an IP, a CIDR (`10.0.0.0/8`), a DNS name or `memory://name`. */
  target: string
  kind: BanKind
  reason: string
  createdAt: number
  expiresAt: number
}

/** One discouraged IP. */
export interface DiscouragedInfo {
  ip: string
  expiresAt: number
}

/** Counters for dashboards and tests. */
export interface PeerStoreStats {
  peers: number
  newEntries: number
  triedEntries: number
  newBucketsInUse: number
  triedBucketsInUse: number
  triedCollisions: number
  bans: number
  discouraged: number
  anchors: number
  metadataKeys: number
  /** Records changed in memory and not yet written. */
  pendingWrites: number
}

/** Options of {@link PeerStore.sampleAddresses}. */
export interface SampleOptions {
  /** At most this many. @default 1000 */
  max?: number
  /** At most this percentage of the known addresses (Core's 23 % limit on `getaddr`). @default 23 */
  maxPercent?: number
  /** The current time. @default components.clock.now() */
  now?: number
}

/** The JSON document of {@link PeerStore.exportJSON} (the salt is never exported). */
export interface PeerStoreExport {
  format: 'chainwire-peer-store'
  version: 1
  exportedAt: number
  peers: PeerInfo[]
  bans: BanInfo[]
  discouraged: DiscouragedInfo[]
  anchors: AnchorInfo[]
  metadata: Record<string, unknown>
}

/** Options of {@link PeerStore.importJSON}. */
export interface ImportOptions {
  /** `'merge'` adds to what is there; `'replace'` clears peers, bans, anchors and metadata first. @default 'merge' */
  mode?: 'merge' | 'replace'
}

/** What an import did. */
export interface ImportSummary {
  peers: number
  addresses: number
  /** Addresses that found no slot and were dropped. */
  dropped: number
  bans: number
}

/** Payload of the address events. */
export interface AddressEvent {
  peerId: PeerId
  address: string
}

/** Why an address left the store. */
export type EvictionReason = 'collision' | 'address-limit' | 'removed'

/** The events a {@link PeerStore} emits. */
export interface PeerStoreEvents {
  /** A new address entered the new table. */
  'peer:added': (event: AddressEvent) => void
  /** An address moved to the tried table. */
  'peer:promoted': (event: AddressEvent) => void
  /** A tried address was displaced back to the new table by a collision. */
  'peer:demoted': (event: AddressEvent) => void
  /** An address left the store. */
  'peer:evicted': (event: AddressEvent & { reason: EvictionReason }) => void
  /** A peer's record was deleted (its last address left and it is not pinned, or `removePeer`). */
  'peer:removed': (event: { peerId: PeerId }) => void
  /** A promotion collided with a tried incumbent; a feeler should test the incumbent. */
  'collision:queued': (event: AddressEvent & { incumbent: AddressEvent }) => void
  'ban:added': (ban: BanInfo) => void
  /** Removed by `unban`, or dropped to make room under `maxBans`. */
  'ban:removed': (ban: BanInfo) => void
  'ban:expired': (ban: BanInfo) => void
  'discourage:added': (entry: DiscouragedInfo) => void
  /** A background flush failed; the changes stay pending and are retried. */
  'flush:error': (error: Error) => void
}

/**
 * The address book. Reads and updates are synchronous and in memory; changes reach the database in
 * batches (every `flushIntervalMs`, at `maxPendingWrites`, on `flush()` and on `stop()`).
 */
export interface PeerStore extends EventEmitter<PeerStoreEvents> {
  /** Opens the database, checks its schema and salt, and loads every table. Idempotent. */
  open(): Promise<void>
  /** Opens if needed and starts the flush and maintenance timers. Idempotent. */
  start(): Promise<void>
  /** Stops the timers, writes pending changes and closes the database; nothing is left running. */
  stop(): Promise<void>
  /** The same as {@link PeerStore.stop}. */
  close(): Promise<void>
  /** Writes pending changes now, in one batch. */
  flush(): Promise<void>
  /** `'closed'` before `open()` and after `stop()`, `'open'` when loaded, `'started'` with timers running. */
  readonly status: 'closed' | 'open' | 'started'

  /**
   * Records addresses of `peerId` in the new table, filed under `options.source` (required; see
   * {@link AddressOrigin}): `ERR_MISSING_SOURCE` without one. Invalid and (by default) non-routable addresses
   * are skipped; an address already bound to another peer is left alone (only `markGood` rebinds). Returns how
   * many table slots were filled.
   */
  addAddresses(peerId: PeerId, addresses: readonly string[], options: AddAddressesOptions): number
  /** Updates what a verified hello told us; false when the peer is unknown. */
  updatePeer(peerId: PeerId, update: PeerUpdate): boolean
  /** Deletes a peer and all its addresses; false when unknown. */
  removePeer(peerId: PeerId): boolean
  /** Everything known about one peer, or undefined. */
  getPeer(peerId: PeerId): PeerInfo | undefined
  /** The entry of one address (any spelling of the URL). */
  getAddress(address: string): AddressInfo | undefined
  /** Every known peer. */
  listPeers(filter?: { persistent?: boolean; bootstrap?: boolean }): PeerInfo[]
  /** Random non-terrible addresses to share with a peer asking for addresses. */
  sampleAddresses(options?: SampleOptions): AddressInfo[]
  /** Table fill, bans, pending writes. */
  stats(): PeerStoreStats

  /** A dial to `address` is starting (sets its last attempt, which starts its backoff). */
  markAttempt(address: string, options?: MarkOptions): void
  /**
   * A dial to `address` failed: counts a failure (at most one per address between two successes anywhere,
   * so a node that lost its own connectivity does not condemn its whole table).
   */
  markFailed(address: string, options?: MarkOptions): void
  /**
   * An outbound connection to `address` completed its handshake as `peerId`: resets its failures and moves
   * it to the tried table (test-before-evict on a collision). An unknown address is added; an address
   * bound to another peer id is rebound to `peerId`.
   */
  markGood(address: string, peerId: PeerId, options?: MarkOptions): MarkGoodResult
  /**
   * Up to `n` addresses to dial, at most one per peer and per network group (also avoiding the groups of
   * `exclude`), drawn bucket-uniformly from tried (with probability `triedBias`) and new, skipping banned,
   * discouraged and backed-off addresses. Groups repeat only when nothing else is left.
   */
  selectForDial(n: number, options?: SelectOptions): DialCandidate[]
  /**
   * The feeler's next target: resolves collisions, then returns a tried incumbent to test for a pending
   * collision, or else a new-table address.
   */
  selectFeeler(options?: SelectOptions): FeelerCandidate | undefined
  /** Applies Core's rules to pending collisions: keep a recently good incumbent, evict a failing one. */
  resolveCollisions(options?: MarkOptions): void
  /** A random pending collision's incumbent, for the feeler to test. */
  selectTriedCollision(): TriedCollision | undefined

  /** Records the block-relay-only outbound peers at shutdown (at most `maxAnchors`). */
  saveAnchors(peers: readonly AnchorInfo[]): void
  /** The saved anchors (banned ones skipped), then forgets them on disk at once, as Core does. */
  getAnchors(): Promise<AnchorInfo[]>

  /**
   * Bans a peer id, an IP, a CIDR subnet (`10.0.0.0/8`, `2001:db8::/32`) or the host of an address URL for
   * `durationMs` (default `banDurationMs`). Banning again extends to the later expiry.
   */
  ban(target: string, durationMs?: number, reason?: string): BanInfo
  /** Lifts the ban on exactly this target; false when there was none. */
  unban(target: string): boolean
  /** True when the peer id, or the IP / address URL (directly or by subnet), is banned. */
  isBanned(peerIdOrIp: string): boolean
  /** Live bans, soonest expiry first. */
  listBans(): BanInfo[]
  /**
   * Discourages an IP (or an address URL's host) for `durationMs` (default `discourageDurationMs`): it is
   * never dialed, and inbound connections from it are allowed but should take only spare slots and be
   * evicted first (`isDiscouraged`), as Core does with misbehaving peers.
   */
  discourage(ip: string, durationMs?: number): void
  /** True while the IP (or an address URL's host) is discouraged. */
  isDiscouraged(ip: string): boolean
  /** Live discouraged hosts. */
  listDiscouraged(): DiscouragedInfo[]

  /** Gater: false when the address's host is banned or discouraged, or it belongs to a banned peer. */
  allowDial(address: string): boolean
  /** Gater: false when the IP is banned (directly or by subnet); discouraged IPs are allowed. */
  allowInbound(ip: string): boolean
  /** Gater: false when the peer id is banned. */
  allowPeer(peerId: PeerId): boolean

  /** Stores a JSON-serialisable value under `key` (persisted; survives restarts). */
  putMetadata(key: string, value: unknown): void
  /** A fresh copy of the value stored under `key`. */
  getMetadata<T = unknown>(key: string): T | undefined
  /** Deletes a metadata key; false when it was not there. */
  deleteMetadata(key: string): boolean

  /** Everything except the salt, as a JSON-serialisable document for operators. */
  exportJSON(): PeerStoreExport
  /** Loads an export (object or JSON text), validating it fully before changing anything. */
  importJSON(data: PeerStoreExport | string, options?: ImportOptions): ImportSummary
}

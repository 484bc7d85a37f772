import {
  type Clock,
  isPeerId,
  type Logger,
  type NodeRole,
  noopLogger,
  noopMetrics,
  type ParsedAddress,
  type PeerId,
  type TimerHandle,
  tryParseAddress,
} from '@chainwire/interface'
import { EventEmitter } from 'eventemitter3'
import { MemoryLevel } from 'memory-level'
import { storableAddress } from './address'
import { BanList, hostKey, parseBanTarget } from './bans'
import { type AddOrigin, AddressBook } from './book/address-book'
import { type AddressEntry, backoffUntil } from './book/entry'
import { selectAddresses } from './book/select'
import { PeerStoreError } from './errors'
import type { Emit } from './events'
import { BUILTIN_GROUPER, customGrouper, type Grouper } from './grouping'
import { MetadataStore } from './metadata'
import { createMetrics, type PeerStoreMetrics } from './metrics'
import { type ResolvedOptions, resolveOptions } from './options'
import { readExport } from './snapshot'
import { type Geometry, type StoredState, sameGeometry, storedPeer } from './storage/records'
import { destroyPeerStore } from './storage/recovery'
import { databaseError, KEY, type LoadedDatabase, PREFIX, Storage, type WriteOp } from './storage/storage'
import type {
  AddAddressesOptions,
  AddressInfo,
  AnchorInfo,
  BanInfo,
  DialCandidate,
  DiscouragedInfo,
  FeelerCandidate,
  ImportOptions,
  ImportSummary,
  MarkGoodResult,
  MarkOptions,
  PeerInfo,
  PeerStore,
  PeerStoreComponents,
  PeerStoreDatabase,
  PeerStoreEvents,
  PeerStoreExport,
  PeerStoreOptions,
  PeerStoreStats,
  PeerUpdate,
  SampleOptions,
  SelectOptions,
  TriedCollision,
} from './types'

const MINUTE = 60_000
/** Largest `n` honoured by `selectForDial`. */
const MAX_SELECT = 1_000
/** Longest ban reason kept. */
const MAX_REASON = 1_024

/** The {@link PeerStore} implementation; create it with `createPeerStore`. */
export class DefaultPeerStore extends EventEmitter<PeerStoreEvents> implements PeerStore {
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #metrics: PeerStoreMetrics
  readonly #random: () => number
  readonly #opts: ResolvedOptions
  /** Network groups: the caller's `groupOf` first when given, else the built-in grouping. */
  readonly #grouper: Grouper
  readonly #bans: BanList
  readonly #metadata: MetadataStore
  readonly #dirty = new Set<string>()
  #book: AddressBook | undefined
  #storage: Storage | undefined
  #anchors: AnchorInfo[] = []
  #status: 'closed' | 'open' | 'started' = 'closed'
  #opening: Promise<void> | undefined
  #stopping: Promise<void> | undefined
  #loading = false
  #flushTimer: TimerHandle | undefined
  #maintenanceTimer: TimerHandle | undefined
  #flushChain: Promise<void> = Promise.resolve()
  #flushQueued = false
  /** The in-memory database used when neither `path` nor `db` is given, kept across reopen. */
  #defaultDb: PeerStoreDatabase | undefined

  constructor(components: PeerStoreComponents, options: PeerStoreOptions) {
    super()
    this.#opts = resolveOptions(options)
    const groupOf = this.#opts.groupOf
    this.#grouper =
      groupOf === undefined
        ? BUILTIN_GROUPER
        : customGrouper(
            groupOf,
            (address, value) =>
              new PeerStoreError(
                'ERR_INVALID_OPTION',
                'peer-store option groupOf must return a non-empty string of at most 200 characters or undefined',
                { option: 'groupOf', address: address.slice(0, 300), value: String(value).slice(0, 300) },
              ),
          )
    this.#clock = components.clock
    this.#logger = (components.logger ?? noopLogger).child({ component: 'peer-store' })
    this.#metrics = createMetrics(components.metrics ?? noopMetrics)
    this.#random = components.random ?? Math.random
    this.#bans = new BanList(this.#opts, this.#emitEvent, (kind, key) =>
      this.#markDirty((kind === 'ban' ? PREFIX.ban : PREFIX.discouraged) + key),
    )
    this.#metadata = new MetadataStore(this.#opts.maxMetadataKeys, this.#opts.maxMetadataBytes, (key) =>
      this.#markDirty(PREFIX.metadata + key),
    )
  }

  get status(): 'closed' | 'open' | 'started' {
    return this.#status
  }

  // ---- lifecycle ----

  async open(): Promise<void> {
    if (this.#stopping !== undefined) await this.#stopping
    if (this.#status !== 'closed') return
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined
    })
    return this.#opening
  }

  async start(): Promise<void> {
    await this.open()
    if (this.#status !== 'open') return
    this.#flushTimer = this.#clock.setInterval(() => {
      this.flush().catch(() => {}) // reported through 'flush:error' and the logger
    }, this.#opts.flushIntervalMs)
    this.#maintenanceTimer = this.#clock.setInterval(() => this.#maintain(), this.#opts.maintenanceIntervalMs)
    this.#status = 'started'
  }

  async stop(): Promise<void> {
    if (this.#opening !== undefined) await this.#opening.catch(() => {})
    if (this.#status === 'closed') return this.#stopping
    this.#stopping ??= this.#stop().finally(() => {
      this.#stopping = undefined
    })
    return this.#stopping
  }

  close(): Promise<void> {
    return this.stop()
  }

  async #stop(): Promise<void> {
    this.#clock.clearInterval(this.#flushTimer)
    this.#clock.clearInterval(this.#maintenanceTimer)
    this.#flushTimer = undefined
    this.#maintenanceTimer = undefined
    try {
      await this.flush()
    } catch {
      // already logged and emitted; the database is closed regardless
    }
    this.#status = 'closed'
    const storage = this.#storage
    this.#storage = undefined
    this.#book = undefined
    this.#dirty.clear()
    this.#anchors = []
    this.#bans.clear()
    this.#metadata.clear()
    this.#dirty.clear()
    if (storage !== undefined) await storage.close()
  }

  async #open(): Promise<void> {
    let storage = new Storage(await this.#createDatabase())
    let loaded: LoadedDatabase
    try {
      await storage.open()
      loaded = await storage.load(this.#loadOptions())
    } catch (err) {
      const e = databaseError(err, 'open')
      if (e.code !== 'ERR_DB_CORRUPT' || this.#opts.onCorrupt !== 'reset') {
        await storage.close().catch(() => {})
        throw e
      }
      this.#logger.warn({ err: e }, 'peer store database is corrupt; wiping it and starting empty')
      this.#metrics.resets.inc()
      storage = await this.#reset(storage, e)
      loaded = await storage.load(this.#loadOptions())
    }
    this.#storage = storage
    this.#install(loaded)
    this.#status = 'open'
    if (this.#dirty.size > 0) await this.flush()
  }

  async #createDatabase(): Promise<PeerStoreDatabase> {
    if (this.#opts.db !== undefined) return this.#opts.db
    if (this.#opts.path !== undefined) {
      const { ClassicLevel } = await import('classic-level')
      return new ClassicLevel<string, string>(this.#opts.path)
    }
    // memory-level is imported statically: a dynamic import resolves after real time has passed, which made
    // opening a store take a varying number of event-loop turns (and broke netsim's determinism).
    this.#defaultDb ??= new MemoryLevel<string, string>()
    return this.#defaultDb
  }

  /** Wipes a corrupt database: LevelDB files are destroyed and recreated; a passed-in db is cleared. */
  async #reset(storage: Storage, cause: PeerStoreError): Promise<Storage> {
    if (this.#opts.path !== undefined) {
      await storage.close().catch(() => {})
      await destroyPeerStore(this.#opts.path)
      const fresh = new Storage(await this.#createDatabase())
      await fresh.open()
      return fresh
    }
    try {
      if (storage.db.status !== 'open') await storage.open()
      await storage.wipe()
      return storage
    } catch {
      await storage.close().catch(() => {})
      throw cause
    }
  }

  #geometry(): Geometry {
    const o = this.#opts
    return {
      newBucketCount: o.newBucketCount,
      triedBucketCount: o.triedBucketCount,
      bucketSize: o.bucketSize,
      newBucketsPerSourceGroup: o.newBucketsPerSourceGroup,
      triedBucketsPerGroup: o.triedBucketsPerGroup,
      grouping: o.groupingId,
    }
  }

  #loadOptions(): Parameters<Storage['load']>[0] {
    return {
      salt: this.#opts.salt,
      geometry: this.#geometry(),
      maxAddressesPerPeer: this.#opts.maxAddressesPerPeer,
      maxAnchors: this.#opts.maxAnchors,
    }
  }

  /** Rebuilds memory from what was read; only records that had to change are rewritten. */
  #install(loaded: LoadedDatabase): void {
    const book = new AddressBook(
      loaded.salt,
      this.#opts,
      this.#random,
      this.#emitEvent,
      {
        peerChanged: (peerId) => this.#markDirty(PREFIX.peer + peerId),
        stateChanged: () => this.#markDirty(KEY.state),
      },
      this.#grouper,
    )
    const now = this.#clock.now()
    const sameShape = loaded.state !== undefined && sameGeometry(loaded.state.geometry, this.#geometry())
    this.#loading = true
    let restored: ReturnType<AddressBook['restore']>
    const skippedMetadata: string[] = []
    try {
      restored = book.restore(loaded.peers, sameShape, now, false)
      book.restoreCollisions(loaded.state?.collisions ?? [])
      this.#bans.restore(loaded.bans, loaded.discouraged)
      for (const [key, text] of loaded.metadata) {
        try {
          this.#metadata.putText(key, text)
        } catch {
          skippedMetadata.push(key)
        }
      }
      this.#anchors = loaded.anchors.slice(0, this.#opts.maxAnchors)
    } finally {
      this.#loading = false
    }
    this.#book = book
    for (const peerId of restored.changed) this.#markDirty(PREFIX.peer + peerId)
    for (const key of skippedMetadata) this.#markDirty(PREFIX.metadata + key)
    for (const key of loaded.superseded) this.#markDirty(key)
    if (!sameShape) this.#markDirty(KEY.state)
    if (restored.dropped > 0 || skippedMetadata.length > 0) {
      this.#logger.warn(
        { dropped: restored.dropped, skippedMetadata: skippedMetadata.length },
        'peer store: some records no longer fit the configured limits',
      )
    }
    if (loaded.superseded.length > 0) {
      this.#logger.warn(
        { records: loaded.superseded.length },
        'peer store: dropped peer ids and addresses that earlier versions accepted and the shared rules refuse',
      )
    }
    this.#refreshGauges(true)
  }

  // ---- persistence ----

  #markDirty(key: string): void {
    if (this.#loading) return
    this.#dirty.add(key)
    if (
      this.#dirty.size >= this.#opts.maxPendingWrites &&
      !this.#flushQueued &&
      this.#storage !== undefined
    ) {
      this.#flushQueued = true
      this.flush().catch(() => {})
    }
  }

  flush(): Promise<void> {
    const run = this.#flushChain.then(() => this.#flushOnce())
    this.#flushChain = run.catch(() => {})
    return run
  }

  async #flushOnce(): Promise<void> {
    this.#flushQueued = false
    const storage = this.#storage
    if (storage === undefined || this.#dirty.size === 0) return
    const keys = [...this.#dirty]
    this.#dirty.clear()
    const ops = keys.map((k) => this.#serialize(k))
    try {
      await storage.write(ops)
      this.#metrics.flushes.inc()
      this.#metrics.flushedRecords.inc(ops.length)
    } catch (err) {
      for (const k of keys) this.#dirty.add(k)
      const e = databaseError(err, 'write')
      this.#metrics.flushErrors.inc()
      this.#logger.error({ err: e, records: keys.length }, 'peer store flush failed; will retry')
      this.#emitEvent('flush:error', e)
      throw e
    }
  }

  /** The write that brings `key` on disk up to date with memory. */
  #serialize(key: string): WriteOp {
    const put = (value: unknown): WriteOp => ({ type: 'put', key, value: JSON.stringify(value) })
    const del: WriteOp = { type: 'del', key }
    if (key === KEY.state) {
      const state: StoredState = {
        geometry: this.#geometry(),
        collisions: this.#book?.collisionAddresses() ?? [],
      }
      return put(state)
    }
    if (key === KEY.anchors) return this.#anchors.length > 0 ? put(this.#anchors) : del
    if (key.startsWith(PREFIX.peer)) {
      const peer = this.#book?.peer(key.slice(PREFIX.peer.length))
      return peer === undefined ? del : put(storedPeer(peer))
    }
    if (key.startsWith(PREFIX.ban)) {
      const ban = this.#bans.get(key.slice(PREFIX.ban.length))
      return ban === undefined ? del : put(ban)
    }
    if (key.startsWith(PREFIX.discouraged)) {
      const ip = key.slice(PREFIX.discouraged.length)
      const expiresAt = this.#bans.discouragedUntil(ip)
      return expiresAt === undefined ? del : put({ ip, expiresAt })
    }
    const text = this.#metadata.text(key.slice(PREFIX.metadata.length))
    return text === undefined ? del : { type: 'put', key, value: text }
  }

  #maintain(): void {
    if (this.#book === undefined) return
    this.#bans.sweep(this.#clock.now())
    this.#refreshGauges(true)
  }

  // ---- events and metrics ----

  readonly #emitEvent: Emit = (name, ...args) => {
    if (name === 'peer:promoted') this.#metrics.promotions.inc()
    else if (name === 'peer:evicted') {
      const reason = (args[0] as { reason: string }).reason
      this.#metrics.evictions.inc(1, { reason })
    }
    ;(this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args)
  }

  #refreshGauges(bans = false): void {
    const book = this.#book
    if (book === undefined) return
    this.#metrics.entries.set(book.newTable.count, { table: 'new' })
    this.#metrics.entries.set(book.triedTable.count, { table: 'tried' })
    this.#metrics.peers.set(book.peerCount)
    this.#metrics.collisions.set(book.collisionCount)
    if (bans) {
      for (const [kind, n] of Object.entries(this.#bans.countByKind())) this.#metrics.bans.set(n, { kind })
      this.#metrics.discouraged.set(this.#bans.discouragedSize)
    }
  }

  // ---- helpers ----

  #requireOpen(): AddressBook {
    if (this.#book === undefined || this.#status === 'closed') {
      throw new PeerStoreError('ERR_NOT_OPEN', 'the peer store is not open; call start() or open() first')
    }
    return this.#book
  }

  #now(options: { now?: number } | undefined): number {
    return options?.now ?? this.#clock.now()
  }

  #address(address: string): ParsedAddress {
    const a = storableAddress(address)
    if (a === undefined) {
      throw new PeerStoreError(
        'ERR_INVALID_ADDRESS',
        `not a supported address: ${String(address).slice(0, 300)}`,
        {
          address: String(address).slice(0, 300),
        },
      )
    }
    return a
  }

  #peerId(peerId: PeerId): void {
    if (!isPeerId(peerId)) {
      throw new PeerStoreError(
        'ERR_INVALID_PEER_ID',
        'not a chainwire peer id (cw and 52 base32 characters)',
        {
          peerId: String(peerId).slice(0, 200),
        },
      )
    }
  }

  /** Not banned (peer, host, subnet) and not discouraged. */
  #dialable(e: AddressEntry, now: number): boolean {
    if (this.#bans.size === 0 && this.#bans.discouragedSize === 0) return true
    if (this.#bans.isPeerBanned(e.peer.peerId, now)) return false
    const h = hostKey(e.address)
    if (h === undefined) return false
    return !this.#bans.isHostBanned(h, now) && !this.#bans.isDiscouraged(h.memory ?? h.host, now)
  }

  #exclusions(
    book: AddressBook,
    exclude: Iterable<string> | undefined,
  ): { peers: Set<PeerId>; groups: Set<string> } {
    const peers = new Set<PeerId>()
    const groups = new Set<string>()
    for (const x of exclude ?? []) {
      if (typeof x !== 'string') continue
      const group = this.#grouper.ofText(x)
      if (group !== undefined) {
        groups.add(group)
        const a = tryParseAddress(x)
        const known = a === undefined ? undefined : book.entry(a.address)
        if (known !== undefined) peers.add(known.peer.peerId)
        continue
      }
      peers.add(x)
      for (const e of book.peer(x)?.addresses.values() ?? []) groups.add(e.group)
    }
    return { peers, groups }
  }

  #eligible(now: number, roles: readonly NodeRole[] | undefined): (e: AddressEntry) => boolean {
    const { dialBackoffBaseMs: base, dialBackoffMaxMs: max } = this.#opts
    return (e) =>
      now >= backoffUntil(e, base, max) &&
      this.#dialable(e, now) &&
      (roles === undefined || roles.every((r) => e.peer.roles.includes(r)))
  }

  #candidate(e: AddressEntry): DialCandidate {
    return { peerId: e.peer.peerId, address: e.address, group: e.group, table: e.tried ? 'tried' : 'new' }
  }

  /** The source a batch is filed under; never guessed: a missing or malformed one is a typed error. */
  #origin(source: AddAddressesOptions['source'] | undefined): AddOrigin {
    if (source === 'verified') return { verified: true }
    if (typeof source !== 'object' || source === null || typeof source.address !== 'string') {
      throw new PeerStoreError(
        'ERR_MISSING_SOURCE',
        "addAddresses needs a source: { peerId?, address } of whoever told us, or 'verified'",
        { source: String(source).slice(0, 300) },
      )
    }
    const group = this.#grouper.ofText(source.address)
    if (group === undefined) {
      throw new PeerStoreError('ERR_INVALID_ADDRESS', 'source.address is not an IP or address URL', {
        address: source.address.slice(0, 300),
      })
    }
    if (source.peerId !== undefined) this.#peerId(source.peerId)
    return { verified: false, group, peerId: source.peerId }
  }

  // ---- peers and addresses ----

  addAddresses(peerId: PeerId, addresses: readonly string[], options: AddAddressesOptions): number {
    const book = this.#requireOpen()
    this.#peerId(peerId)
    const origin = this.#origin(options?.source)
    const now = this.#now(options)
    const parsed = new Map<string, ParsedAddress>()
    for (const text of Array.isArray(addresses) ? addresses : []) {
      const a = storableAddress(text)
      if (a !== undefined) parsed.set(a.address, a)
    }
    // Core's rule for relayed times: in the future (beyond 10 minutes) or absent means "5 days ago".
    let timestamp = options.timestamp ?? now
    if (!Number.isFinite(timestamp) || timestamp <= 0 || timestamp > now + 10 * MINUTE) {
      timestamp = now - 5 * 24 * 60 * MINUTE
    }
    const filled = book.add({
      peerId,
      addresses: [...parsed.values()],
      origin,
      timestamp,
      roles: options.roles ?? [],
      persistent: options.persistent,
      bootstrap: options.bootstrap,
      now,
    })
    this.#refreshGauges()
    return filled
  }

  updatePeer(peerId: PeerId, update: PeerUpdate): boolean {
    const book = this.#requireOpen()
    if (
      update.protocolVersion !== undefined &&
      !(Number.isInteger(update.protocolVersion) && update.protocolVersion >= 0)
    ) {
      throw new PeerStoreError('ERR_INVALID_OPTION', 'protocolVersion must be a non-negative integer')
    }
    if (update.latencyMs !== undefined && !(Number.isFinite(update.latencyMs) && update.latencyMs >= 0)) {
      throw new PeerStoreError('ERR_INVALID_OPTION', 'latencyMs must be a non-negative number')
    }
    if (update.userAgent !== undefined && typeof update.userAgent !== 'string') {
      throw new PeerStoreError('ERR_INVALID_OPTION', 'userAgent must be a string')
    }
    const ok = book.update(peerId, update)
    this.#refreshGauges()
    return ok
  }

  removePeer(peerId: PeerId): boolean {
    const ok = this.#requireOpen().removePeer(peerId)
    this.#refreshGauges()
    return ok
  }

  getPeer(peerId: PeerId): PeerInfo | undefined {
    const book = this.#requireOpen()
    const peer = book.peer(peerId)
    return peer === undefined ? undefined : book.peerInfo(peer)
  }

  getAddress(address: string): AddressInfo | undefined {
    const book = this.#requireOpen()
    const a = tryParseAddress(address)
    const e = a === undefined ? undefined : book.entry(a.address)
    return e === undefined ? undefined : book.addressInfo(e)
  }

  listPeers(filter: { persistent?: boolean; bootstrap?: boolean } = {}): PeerInfo[] {
    const book = this.#requireOpen()
    const out: PeerInfo[] = []
    for (const peer of book.peers()) {
      if (filter.persistent !== undefined && peer.persistent !== filter.persistent) continue
      if (filter.bootstrap !== undefined && peer.bootstrap !== filter.bootstrap) continue
      out.push(book.peerInfo(peer))
    }
    return out
  }

  sampleAddresses(options: SampleOptions = {}): AddressInfo[] {
    const book = this.#requireOpen()
    const now = this.#now(options)
    return book
      .sample(options.max ?? 1_000, options.maxPercent ?? 23, now)
      .filter((e) => this.#dialable(e, now))
      .map((e) => book.addressInfo(e))
  }

  stats(): PeerStoreStats {
    const book = this.#requireOpen()
    return {
      peers: book.peerCount,
      newEntries: book.newTable.count,
      triedEntries: book.triedTable.count,
      newBucketsInUse: book.newTable.bucketsInUse,
      triedBucketsInUse: book.triedTable.bucketsInUse,
      triedCollisions: book.collisionCount,
      bans: this.#bans.size,
      discouraged: this.#bans.discouragedSize,
      anchors: this.#anchors.length,
      metadataKeys: this.#metadata.size,
      pendingWrites: this.#dirty.size,
    }
  }

  // ---- dial results and selection ----

  markAttempt(address: string, options?: MarkOptions): void {
    const book = this.#requireOpen()
    book.attempt(this.#address(address).address, this.#now(options))
  }

  markFailed(address: string, options?: MarkOptions): void {
    const book = this.#requireOpen()
    book.failed(this.#address(address).address, this.#now(options))
  }

  markGood(address: string, peerId: PeerId, options?: MarkOptions): MarkGoodResult {
    const book = this.#requireOpen()
    this.#peerId(peerId)
    const result = book.good(this.#address(address), peerId, this.#now(options))
    this.#refreshGauges()
    return result
  }

  selectForDial(n: number, options: SelectOptions = {}): DialCandidate[] {
    const book = this.#requireOpen()
    if (!Number.isInteger(n) || n < 0) {
      throw new PeerStoreError('ERR_INVALID_OPTION', 'selectForDial(n) needs a non-negative integer', { n })
    }
    const now = this.#now(options)
    const { peers, groups } = this.#exclusions(book, options.exclude)
    return selectAddresses(book, {
      count: Math.min(n, MAX_SELECT),
      newOnly: false,
      triedBias: this.#opts.triedBias,
      excludedPeers: peers,
      excludedGroups: groups,
      allowGroupRepeats: options.allowGroupRepeats !== false,
      eligible: this.#eligible(now, options.roles),
      random: this.#random,
      now,
    }).map((e) => this.#candidate(e))
  }

  selectFeeler(options: SelectOptions = {}): FeelerCandidate | undefined {
    const book = this.#requireOpen()
    const now = this.#now(options)
    book.resolveCollisions(now)
    this.#refreshGauges()
    const { peers, groups } = this.#exclusions(book, options.exclude)
    const collision = book.selectTriedCollision()
    if (collision !== undefined && !peers.has(collision.peerId)) {
      const e = book.entry(collision.address) as AddressEntry
      if (this.#dialable(e, now)) return { ...this.#candidate(e), reason: 'collision' }
    }
    const [pick] = selectAddresses(book, {
      count: 1,
      newOnly: true,
      triedBias: 0,
      excludedPeers: peers,
      excludedGroups: groups,
      allowGroupRepeats: options.allowGroupRepeats !== false,
      eligible: this.#eligible(now, options.roles),
      random: this.#random,
      now,
    })
    return pick === undefined ? undefined : { ...this.#candidate(pick), reason: 'new' }
  }

  resolveCollisions(options?: MarkOptions): void {
    this.#requireOpen().resolveCollisions(this.#now(options))
    this.#refreshGauges()
  }

  selectTriedCollision(): TriedCollision | undefined {
    return this.#requireOpen().selectTriedCollision()
  }

  // ---- anchors ----

  saveAnchors(peers: readonly AnchorInfo[]): void {
    const book = this.#requireOpen()
    const anchors: AnchorInfo[] = []
    const seen = new Set<PeerId>()
    for (const p of peers) {
      this.#peerId(p.peerId)
      const address = this.#address(p.address).address
      if (seen.has(p.peerId) || anchors.length >= this.#opts.maxAnchors) continue
      seen.add(p.peerId)
      anchors.push({ peerId: p.peerId, address })
    }
    this.#anchors = anchors
    book.setAnchors(seen)
    this.#markDirty(KEY.anchors)
  }

  async getAnchors(): Promise<AnchorInfo[]> {
    const book = this.#requireOpen()
    const now = this.#clock.now()
    const anchors = this.#anchors.filter(
      (a) => !this.#bans.isPeerBanned(a.peerId, now) && this.allowDial(a.address),
    )
    this.#anchors = []
    book.setAnchors(new Set())
    this.#markDirty(KEY.anchors)
    await this.flush()
    return anchors.map((a) => ({ ...a }))
  }

  // ---- bans ----

  ban(target: string, durationMs: number = this.#opts.banDurationMs, reason = ''): BanInfo {
    this.#requireOpen()
    const t = parseBanTarget(target)
    if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs <= 0) {
      throw new PeerStoreError('ERR_INVALID_OPTION', 'ban durations are positive finite milliseconds', {
        durationMs,
      })
    }
    const info = this.#bans.ban(t, durationMs, String(reason).slice(0, MAX_REASON), this.#clock.now())
    this.#refreshGauges(true)
    return info
  }

  unban(target: string): boolean {
    this.#requireOpen()
    const ok = this.#bans.unban(parseBanTarget(target))
    this.#refreshGauges(true)
    return ok
  }

  isBanned(peerIdOrIp: string): boolean {
    this.#requireOpen()
    const now = this.#clock.now()
    const h = hostKey(peerIdOrIp)
    if (h !== undefined) return this.#bans.isHostBanned(h, now)
    return isPeerId(peerIdOrIp) && this.#bans.isPeerBanned(peerIdOrIp, now)
  }

  listBans(): BanInfo[] {
    this.#requireOpen()
    return this.#bans.list(this.#clock.now())
  }

  discourage(ip: string, durationMs: number = this.#opts.discourageDurationMs): void {
    this.#requireOpen()
    const h = hostKey(ip)
    if (h === undefined) {
      throw new PeerStoreError('ERR_INVALID_ADDRESS', 'discourage() needs an IP or address URL', {
        ip: String(ip).slice(0, 300),
      })
    }
    if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs <= 0) {
      throw new PeerStoreError('ERR_INVALID_OPTION', 'discouragement lasts positive finite milliseconds', {
        durationMs,
      })
    }
    this.#bans.discourage(h.memory ?? h.host, durationMs, this.#clock.now())
    this.#refreshGauges(true)
  }

  isDiscouraged(ip: string): boolean {
    this.#requireOpen()
    const h = hostKey(ip)
    return h !== undefined && this.#bans.isDiscouraged(h.memory ?? h.host, this.#clock.now())
  }

  listDiscouraged(): DiscouragedInfo[] {
    this.#requireOpen()
    return this.#bans.listDiscouraged(this.#clock.now())
  }

  // ---- gater ----

  allowDial(address: string): boolean {
    const book = this.#requireOpen()
    const a = tryParseAddress(address)
    if (a === undefined) return false
    const now = this.#clock.now()
    const h = hostKey(a.address)
    if (
      h !== undefined &&
      (this.#bans.isHostBanned(h, now) || this.#bans.isDiscouraged(h.memory ?? h.host, now))
    ) {
      return false
    }
    const e = book.entry(a.address)
    return e === undefined || !this.#bans.isPeerBanned(e.peer.peerId, now)
  }

  allowInbound(ip: string): boolean {
    this.#requireOpen()
    const h = hostKey(ip)
    return h === undefined || !this.#bans.isHostBanned(h, this.#clock.now())
  }

  allowPeer(peerId: PeerId): boolean {
    this.#requireOpen()
    return !this.#bans.isPeerBanned(peerId, this.#clock.now())
  }

  // ---- metadata ----

  putMetadata(key: string, value: unknown): void {
    this.#requireOpen()
    this.#metadata.put(key, value)
  }

  getMetadata<T = unknown>(key: string): T | undefined {
    this.#requireOpen()
    return this.#metadata.get(key) as T | undefined
  }

  deleteMetadata(key: string): boolean {
    this.#requireOpen()
    return this.#metadata.delete(key)
  }

  // ---- export / import ----

  exportJSON(): PeerStoreExport {
    const book = this.#requireOpen()
    const now = this.#clock.now()
    const metadata: Record<string, unknown> = {}
    for (const key of this.#metadata.keys()) metadata[key] = this.#metadata.get(key)
    return {
      format: 'chainwire-peer-store',
      version: 1,
      exportedAt: now,
      peers: [...book.peers()].map((p) => book.peerInfo(p)),
      bans: this.#bans.list(now),
      discouraged: this.#bans.listDiscouraged(now),
      anchors: this.#anchors.map((a) => ({ ...a })),
      metadata,
    }
  }

  importJSON(data: PeerStoreExport | string, options: ImportOptions = {}): ImportSummary {
    const book = this.#requireOpen()
    const content = readExport(data, this.#opts)
    const now = this.#clock.now()
    if (options.mode === 'replace') {
      book.clear()
      this.#bans.clear()
      this.#metadata.clear()
      this.#anchors = []
      this.#markDirty(KEY.anchors)
    }
    const restored = book.restore(content.peers, false, now, true)
    for (const peerId of restored.changed) this.#markDirty(PREFIX.peer + peerId)
    const bans = this.#bans.restore(
      content.bans.filter((b) => b.expiresAt > now),
      content.discouraged.filter((d) => d.expiresAt > now),
    )
    for (const [key, text] of content.metadata) {
      try {
        this.#metadata.putText(key, text)
      } catch (err) {
        this.#logger.warn({ err, key }, 'peer store import: metadata over the limits skipped')
      }
    }
    if (content.anchors.length > 0) {
      this.#anchors = content.anchors.slice(0, this.#opts.maxAnchors)
      book.setAnchors(new Set(this.#anchors.map((a) => a.peerId)))
      this.#markDirty(KEY.anchors)
    }
    this.#refreshGauges(true)
    return { peers: content.peers.length, addresses: restored.addresses, dropped: restored.dropped, bans }
  }
}

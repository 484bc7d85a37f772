import { isRoutable, type NodeRole, type ParsedAddress, type PeerId } from '@chainwire/interface'
import { PeerStoreError } from '../errors'
import type { Emit } from '../events'
import { BUILTIN_GROUPER, type Grouper } from '../grouping'
import type { ResolvedOptions } from '../options'
import { EMPTY } from '../tables/bucket-grid'
import { SaltedHash } from '../tables/hash'
import { NewTable } from '../tables/new-table'
import { TriedTable } from '../tables/tried-table'
import type {
  AddressInfo,
  AddressSource,
  EvictionReason,
  MarkGoodResult,
  PeerInfo,
  PeerUpdate,
  TriedCollision,
} from '../types'
import { type AddressEntry, type AddressFields, createEntry, isTerrible, type PeerEntry } from './entry'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const MINUTE = 60_000

/** The settings the address book reads. */
export type BookOptions = Pick<
  ResolvedOptions,
  | 'newBucketCount'
  | 'triedBucketCount'
  | 'bucketSize'
  | 'newBucketsPerSourceGroup'
  | 'triedBucketsPerGroup'
  | 'newBucketsPerAddress'
  | 'testBeforeEvict'
  | 'maxTriedCollisions'
  | 'maxAddressesPerPeer'
  | 'maxPinnedPeers'
  | 'allowNonRoutable'
  | 'horizonMs'
  | 'maxRetries'
  | 'maxFailures'
  | 'minFailMs'
  | 'replacementMs'
  | 'testWindowMs'
  | 'gossipTimePenaltyMs'
>

/**
 * Who told us about a batch of addresses: `verified` addresses (we reached the peer there, or an operator gave
 * them) are filed under their own group; any other under the group of the source that told us.
 */
export type AddOrigin = { verified: true } | { verified: false; group: string; peerId: PeerId | undefined }

/** One batch of addresses for {@link AddressBook.add}. */
export interface AddInput {
  peerId: PeerId
  addresses: readonly ParsedAddress[]
  origin: AddOrigin
  timestamp: number
  roles: readonly NodeRole[]
  persistent: boolean | undefined
  bootstrap: boolean | undefined
  now: number
}

/** An address as persisted or imported, before it is placed. */
export interface RestoredAddress {
  address: ParsedAddress
  source: AddressSource
  firstSeen: number
  lastSeen: number
  lastSuccess: number
  lastAttempt: number
  attempts: number
  tried: boolean
  buckets: readonly number[]
}

/** A peer as persisted or imported. */
export type RestoredPeer = Omit<PeerEntry, 'roles' | 'addresses'> & {
  roles: readonly NodeRole[]
  addresses: readonly RestoredAddress[]
}

/** Callbacks into the store: which persisted records changed. */
export interface BookHooks {
  /** The record of `peerId` must be rewritten (or deleted if the peer is gone). */
  peerChanged(peerId: PeerId): void
  /** The pending-collision list changed. */
  stateChanged(): void
}

/** Longest user agent kept. */
export const MAX_USER_AGENT = 256
const ROLES: ReadonlySet<string> = new Set<NodeRole>(['full', 'light', 'bootstrap', 'validator'])

/** Known roles only, deduplicated and sorted, so records compare and serialise stably. */
export function cleanRoles(roles: readonly unknown[]): NodeRole[] {
  return [...new Set(roles.filter((r): r is NodeRole => typeof r === 'string' && ROLES.has(r)))].sort()
}

/**
 * The in-memory address book: addrman's new and tried tables and its rules for adding, promoting,
 * evicting and resolving collisions, keyed by address, with every address owned by one peer record.
 * It knows nothing of storage (it reports changed records through {@link BookHooks}) or of bans.
 */
export class AddressBook {
  /** Addresses heard of, never connected to. */
  readonly newTable: NewTable
  /** Addresses connected to. */
  readonly triedTable: TriedTable
  /** Time of the last `good()` anywhere (Core's `m_last_good`); failures count once per address after it. */
  lastGood = 1
  readonly #opts: BookOptions
  readonly #random: () => number
  readonly #emitEvent: Emit
  readonly #hooks: BookHooks
  /** The network group of an address (the built-in grouping, or the caller's `groupOf` first). */
  readonly #group: (a: ParsedAddress) => string
  readonly #entries: Array<AddressEntry | undefined> = []
  readonly #freeIds: number[] = []
  readonly #byAddress = new Map<string, AddressEntry>()
  readonly #peers = new Map<PeerId, PeerEntry>()
  readonly #collisions = new Set<number>()
  #pinned = 0
  #muted = false
  /** While restoring, changed peers are collected here instead of reported. */
  #sink: Set<PeerId> | undefined

  constructor(
    salt: Uint8Array,
    opts: BookOptions,
    random: () => number,
    emit: Emit,
    hooks: BookHooks,
    grouper: Grouper = BUILTIN_GROUPER,
  ) {
    const hash = new SaltedHash(salt)
    this.#opts = opts
    this.#group = grouper.ofAddress
    this.#random = random
    this.#emitEvent = emit
    this.#hooks = hooks
    this.newTable = new NewTable(
      {
        bucketCount: opts.newBucketCount,
        bucketSize: opts.bucketSize,
        bucketsPerSourceGroup: opts.newBucketsPerSourceGroup,
      },
      hash,
    )
    this.triedTable = new TriedTable(
      {
        bucketCount: opts.triedBucketCount,
        bucketSize: opts.bucketSize,
        bucketsPerGroup: opts.triedBucketsPerGroup,
      },
      hash,
    )
  }

  // ---- queries ----

  /** Peer records held. */
  get peerCount(): number {
    return this.#peers.size
  }

  /** Pending test-before-evict collisions. */
  get collisionCount(): number {
    return this.#collisions.size
  }

  /** The entry of a canonical address. */
  entry(address: string): AddressEntry | undefined {
    return this.#byAddress.get(address)
  }

  /** The entry a table slot refers to. */
  entryById(id: number): AddressEntry {
    return this.#entries[id] as AddressEntry
  }

  /** One peer record. */
  peer(peerId: PeerId): PeerEntry | undefined {
    return this.#peers.get(peerId)
  }

  /** Every peer record. */
  peers(): IterableIterator<PeerEntry> {
    return this.#peers.values()
  }

  /** Every address entry. */
  entries(): IterableIterator<AddressEntry> {
    return this.#byAddress.values()
  }

  /** Addresses of pending collisions, for persistence. */
  collisionAddresses(): string[] {
    return [...this.#collisions].map((id) => this.entryById(id).address)
  }

  /** {@link isTerrible} with this book's thresholds. */
  isTerrible(e: AddressEntry, now: number): boolean {
    return isTerrible(e, now, this.#opts)
  }

  /** Persistent and bootstrap peers keep their record without a table slot. */
  isPinned(peer: PeerEntry): boolean {
    return peer.persistent || peer.bootstrap
  }

  // ---- adding ----

  /** Records addresses of one peer (Core's `Add`); returns how many table slots were filled. */
  add(input: AddInput): number {
    let peer = this.#peers.get(input.peerId)
    const pin = input.persistent === true || input.bootstrap === true
    if (pin && (peer === undefined || !this.isPinned(peer))) this.#checkPinLimit()
    if (pin && peer === undefined) {
      peer = this.#createPeer(input.peerId, this.#sourceOf(input.origin, input.addresses[0]), input.now)
    }
    if (peer !== undefined && pin) this.#setFlags(peer, input.persistent, input.bootstrap)
    let filled = 0
    for (const a of input.addresses) if (this.#addOne(a, input)) filled++
    peer = this.#peers.get(input.peerId)
    if (peer !== undefined && input.roles.length > 0) {
      const merged = cleanRoles([...peer.roles, ...input.roles])
      if (merged.length !== peer.roles.length) {
        peer.roles = merged
        this.#changed(peer.peerId)
      }
    }
    return filled
  }

  /**
   * The source an address of this batch is filed under: the telling source's group and peer id, or for a
   * verified address its own group (`a` undefined: a pinned peer created before any address, which keeps no
   * source).
   */
  #sourceOf(origin: AddOrigin, a: ParsedAddress | undefined): AddressSource | undefined {
    if (!origin.verified) {
      return origin.peerId === undefined
        ? { group: origin.group }
        : { peerId: origin.peerId, group: origin.group }
    }
    return a === undefined ? undefined : { group: this.#group(a) }
  }

  #addOne(a: ParsedAddress, input: AddInput): boolean {
    if (!this.#opts.allowNonRoutable && !isRoutable(a)) return false
    const now = input.now
    const group = this.#group(a)
    const origin = input.origin
    const sourceGroup = origin.verified ? group : origin.group
    // Core's penalty on relayed times: none for what we verified or what a peer says of itself.
    const firstHand = origin.verified || origin.peerId === input.peerId
    const penalty = firstHand ? 0 : this.#opts.gossipTimePenaltyMs
    const seen = Math.max(0, input.timestamp - penalty)
    const existing = this.#byAddress.get(a.address)
    if (existing !== undefined) {
      if (existing.peer.peerId !== input.peerId) return false
      const interval = now - existing.lastSeen < DAY ? HOUR : DAY
      if (existing.lastSeen < input.timestamp - interval - penalty) {
        existing.lastSeen = seen
        existing.peer.lastSeen = Math.max(existing.peer.lastSeen, seen)
        this.#changed(existing.peer.peerId)
      }
      if (input.timestamp <= existing.lastSeen) return false
      if (existing.tried || existing.refs.length >= this.#opts.newBucketsPerAddress) return false
      // Each extra reference is twice as hard to get as the previous one (Core's stochastic test).
      if (existing.refs.length > 0 && this.#random() * 2 ** existing.refs.length >= 1) return false
      return this.#placeNew(existing, sourceGroup, now)
    }

    const bucket = this.newTable.bucketFor(group, sourceGroup)
    const pos = this.newTable.positionFor(bucket, a.address)
    const occupant = this.newTable.get(bucket, pos)
    const fits = occupant === EMPTY || this.#replaceable(occupant, 0, now)
    let peer = this.#peers.get(input.peerId)
    if (!fits && (peer === undefined || !this.isPinned(peer))) return false
    const source = this.#sourceOf(origin, a) as AddressSource
    if (peer === undefined) peer = this.#createPeer(input.peerId, source, now)
    if (peer.addresses.size >= this.#opts.maxAddressesPerPeer) {
      const victim = this.#victim(peer, now, false, undefined)
      if (victim === undefined) return false
      this.#remove(victim, 'address-limit', true)
    }
    const e = this.#register(peer, {
      address: a.address,
      group,
      source,
      firstSeen: now,
      lastSeen: seen,
      lastSuccess: 0,
      lastAttempt: 0,
      attempts: 0,
    })
    peer.lastSeen = Math.max(peer.lastSeen, seen)
    this.#changed(peer.peerId)
    if (!fits) return false
    if (this.newTable.get(bucket, pos) !== EMPTY) this.#clearNew(bucket, pos)
    this.newTable.set(bucket, pos, e.id)
    e.refs.push(bucket)
    this.#emit('peer:added', { peerId: peer.peerId, address: e.address })
    return true
  }

  /** Core's rule for taking an occupied new-table slot: the occupant is terrible, or has other references. */
  #replaceable(occupantId: number, newcomerRefs: number, now: number): boolean {
    const occ = this.entryById(occupantId)
    return this.isTerrible(occ, now) || (occ.refs.length > 1 && newcomerRefs === 0)
  }

  /** Adds a new-table reference for `e` in the bucket of `sourceGroup`, if its slot is free or replaceable. */
  #placeNew(e: AddressEntry, sourceGroup: string, now: number): boolean {
    const bucket = this.newTable.bucketFor(e.group, sourceGroup)
    const pos = this.newTable.positionFor(bucket, e.address)
    const occupant = this.newTable.get(bucket, pos)
    if (occupant === e.id) return false
    if (occupant !== EMPTY) {
      if (!this.#replaceable(occupant, e.refs.length, now)) return false
      this.#clearNew(bucket, pos)
    }
    this.newTable.set(bucket, pos, e.id)
    e.refs.push(bucket)
    this.#changed(e.peer.peerId)
    return true
  }

  /** Empties a new-table slot; its occupant loses a reference and leaves the store when it has none left. */
  #clearNew(bucket: number, pos: number): void {
    const id = this.newTable.clear(bucket, pos)
    if (id === EMPTY) return
    const occ = this.entryById(id)
    const i = occ.refs.indexOf(bucket)
    if (i >= 0) occ.refs.splice(i, 1)
    this.#changed(occ.peer.peerId)
    if (occ.refs.length === 0 && !occ.tried && !this.isPinned(occ.peer)) this.#remove(occ, 'collision', false)
  }

  /**
   * The address of `peer` to drop for a newcomer: the least recently seen one that never connected or is
   * terrible; with `force`, the least recently useful one of any kind.
   */
  #victim(
    peer: PeerEntry,
    now: number,
    force: boolean,
    keep: AddressEntry | undefined,
  ): AddressEntry | undefined {
    let best: AddressEntry | undefined
    for (const e of peer.addresses.values()) {
      if (e === keep) continue
      if (!force && e.lastSuccess !== 0 && !this.isTerrible(e, now)) continue
      const score = Math.max(e.lastSeen, e.lastSuccess)
      if (best === undefined || score < Math.max(best.lastSeen, best.lastSuccess)) best = e
    }
    return best
  }

  // ---- dial results ----

  /** A dial to `address` is starting. */
  attempt(address: string, now: number): void {
    const e = this.#byAddress.get(address)
    if (e === undefined) return
    e.lastAttempt = now
    this.#changed(e.peer.peerId)
  }

  /** A dial to `address` failed (Core's `Attempt(fCountFailure)`). */
  failed(address: string, now: number): void {
    const e = this.#byAddress.get(address)
    if (e === undefined) return
    e.lastAttempt = now
    if (e.lastCountAttempt < this.lastGood) {
      e.lastCountAttempt = now
      e.attempts++
    }
    this.#changed(e.peer.peerId)
  }

  /** A verified outbound connection (Core's `Good`). */
  good(a: ParsedAddress, peerId: PeerId, now: number): MarkGoodResult {
    if (!this.#opts.allowNonRoutable && !isRoutable(a)) return 'ignored'
    let e = this.#byAddress.get(a.address)
    if (e === undefined) {
      const group = this.#group(a)
      const peer = this.#peers.get(peerId) ?? this.#createPeer(peerId, { group }, now)
      if (peer.addresses.size >= this.#opts.maxAddressesPerPeer) {
        this.#remove(this.#victim(peer, now, true, undefined) as AddressEntry, 'address-limit', true)
      }
      e = this.#register(peer, {
        address: a.address,
        group,
        source: { group },
        firstSeen: now,
        lastSeen: now,
        lastSuccess: 0,
        lastAttempt: 0,
        attempts: 0,
      })
    } else if (e.peer.peerId !== peerId) {
      this.#rebind(e, peerId, now)
    }
    this.lastGood = now
    e.lastSuccess = now
    e.lastAttempt = now
    e.attempts = 0
    e.lastSeen = Math.max(e.lastSeen, now)
    e.peer.lastSeen = Math.max(e.peer.lastSeen, now)
    this.#changed(e.peer.peerId)
    if (e.tried) return 'tried'

    const bucket = this.triedTable.bucketFor(e.address, e.group)
    const pos = this.triedTable.positionFor(bucket, e.address)
    const incumbent = this.triedTable.get(bucket, pos)
    if (incumbent !== EMPTY && this.#opts.testBeforeEvict) {
      if (e.refs.length === 0) this.#placeNew(e, e.source.group, now)
      if (e.refs.length === 0 && !this.isPinned(e.peer)) {
        this.#remove(e, 'collision', false)
        return 'ignored'
      }
      if (this.#collisions.size < this.#opts.maxTriedCollisions && !this.#collisions.has(e.id)) {
        this.#collisions.add(e.id)
        this.#hooks.stateChanged()
        const old = this.entryById(incumbent)
        this.#emit('collision:queued', {
          peerId: e.peer.peerId,
          address: e.address,
          incumbent: { peerId: old.peer.peerId, address: old.address },
        })
      }
      return 'collision'
    }
    this.#makeTried(e, bucket, pos)
    return 'promoted'
  }

  /** Moves `address` to another peer after a verified connection proved it belongs to `peerId`. */
  #rebind(e: AddressEntry, peerId: PeerId, now: number): void {
    const old = e.peer
    const peer = this.#peers.get(peerId) ?? this.#createPeer(peerId, e.source, now)
    if (peer.addresses.size >= this.#opts.maxAddressesPerPeer) {
      this.#remove(this.#victim(peer, now, true, undefined) as AddressEntry, 'address-limit', true)
    }
    old.addresses.delete(e.address)
    this.#changed(old.peerId)
    e.peer = peer
    peer.addresses.set(e.address, e)
    this.#changed(peer.peerId)
    if (old.addresses.size === 0 && !this.isPinned(old)) this.#deletePeer(old)
  }

  /** Core's `MakeTried`: out of every new bucket, into its tried slot; an incumbent goes back to new. */
  #makeTried(e: AddressEntry, bucket: number, pos: number): void {
    this.#unplaceNew(e)
    const incumbent = this.triedTable.get(bucket, pos)
    if (incumbent !== EMPTY) {
      const old = this.entryById(incumbent)
      this.triedTable.clear(bucket, pos)
      old.tried = false
      const nb = this.newTable.bucketFor(old.group, old.source.group)
      const np = this.newTable.positionFor(nb, old.address)
      this.#clearNew(nb, np)
      this.newTable.set(nb, np, old.id)
      old.refs = [nb]
      this.#changed(old.peer.peerId)
      this.#emit('peer:demoted', { peerId: old.peer.peerId, address: old.address })
    }
    this.triedTable.set(bucket, pos, e.id)
    e.tried = true
    if (this.#collisions.delete(e.id)) this.#hooks.stateChanged()
    this.#changed(e.peer.peerId)
    this.#emit('peer:promoted', { peerId: e.peer.peerId, address: e.address })
  }

  #unplaceNew(e: AddressEntry): void {
    for (const b of e.refs) {
      const p = this.newTable.positionFor(b, e.address)
      if (this.newTable.get(b, p) === e.id) this.newTable.clear(b, p)
    }
    e.refs = []
  }

  #unplaceTried(e: AddressEntry): void {
    if (!e.tried) return
    const b = this.triedTable.bucketFor(e.address, e.group)
    const p = this.triedTable.positionFor(b, e.address)
    if (this.triedTable.get(b, p) === e.id) this.triedTable.clear(b, p)
    e.tried = false
  }

  // ---- collisions ----

  /** Core's `ResolveCollisions`. */
  resolveCollisions(now: number): void {
    for (const id of [...this.#collisions]) {
      const e = this.#entries[id]
      let erase = false
      if (e === undefined || e.tried) {
        erase = true
      } else {
        const bucket = this.triedTable.bucketFor(e.address, e.group)
        const pos = this.triedTable.positionFor(bucket, e.address)
        const incumbent = this.triedTable.get(bucket, pos)
        if (incumbent === EMPTY) {
          this.#makeTried(e, bucket, pos)
          erase = true
        } else {
          const old = this.entryById(incumbent)
          if (now - old.lastSuccess < this.#opts.replacementMs) {
            erase = true // the incumbent is alive: keep it
          } else if (now - old.lastAttempt < this.#opts.replacementMs) {
            // The incumbent was tried recently without success; give a dial a minute to finish.
            if (now - old.lastAttempt > MINUTE) {
              this.#makeTried(e, bucket, pos)
              erase = true
            }
          } else if (now - e.lastSuccess > this.#opts.testWindowMs) {
            // Nobody tested the incumbent in time; it is probably gone.
            this.#makeTried(e, bucket, pos)
            erase = true
          }
        }
      }
      if (erase && this.#collisions.delete(id)) this.#hooks.stateChanged()
    }
  }

  /** Core's `SelectTriedCollision`: a random pending collision's incumbent. */
  selectTriedCollision(): TriedCollision | undefined {
    if (this.#collisions.size === 0) return undefined
    const ids = [...this.#collisions]
    const id = ids[Math.floor(this.#random() * ids.length)] as number
    const e = this.entryById(id)
    const bucket = this.triedTable.bucketFor(e.address, e.group)
    const incumbent = this.triedTable.get(bucket, this.triedTable.positionFor(bucket, e.address))
    if (incumbent === EMPTY) return undefined
    const old = this.entryById(incumbent)
    return {
      peerId: old.peer.peerId,
      address: old.address,
      lastAttempt: old.lastAttempt,
      candidate: { peerId: e.peer.peerId, address: e.address },
    }
  }

  // ---- peers ----

  /** Applies a verified hello or operator update; false when the peer is unknown. */
  update(peerId: PeerId, update: PeerUpdate): boolean {
    const peer = this.#peers.get(peerId)
    if (peer === undefined) return false
    if (update.roles !== undefined) peer.roles = cleanRoles(update.roles)
    if (update.protocolVersion !== undefined) peer.protocolVersion = update.protocolVersion
    if (update.userAgent !== undefined) peer.userAgent = update.userAgent.slice(0, MAX_USER_AGENT)
    if (update.latencyMs !== undefined) {
      peer.latencyMs =
        peer.latencyMs === undefined ? update.latencyMs : 0.8 * peer.latencyMs + 0.2 * update.latencyMs
    }
    const pinning =
      (update.persistent === true && !peer.persistent) || (update.bootstrap === true && !peer.bootstrap)
    if (pinning && !this.isPinned(peer)) this.#checkPinLimit()
    this.#setFlags(peer, update.persistent, update.bootstrap)
    this.#changed(peerId)
    if (!this.isPinned(peer)) {
      for (const e of [...peer.addresses.values()]) {
        if (!e.tried && e.refs.length === 0) this.#remove(e, 'removed', true)
      }
      if (peer.addresses.size === 0) this.#deletePeer(peer)
    }
    return true
  }

  /** Sets the anchor flag of the peers in `peerIds` and clears it on every other peer. */
  setAnchors(peerIds: ReadonlySet<PeerId>): void {
    for (const peer of this.#peers.values()) {
      const anchor = peerIds.has(peer.peerId)
      if (peer.anchor !== anchor) {
        peer.anchor = anchor
        this.#changed(peer.peerId)
      }
    }
  }

  /** Deletes a peer and all its addresses. */
  removePeer(peerId: PeerId): boolean {
    const peer = this.#peers.get(peerId)
    if (peer === undefined) return false
    for (const e of [...peer.addresses.values()]) this.#remove(e, 'removed', true)
    this.#deletePeer(peer)
    return true
  }

  #checkPinLimit(): void {
    if (this.#pinned >= this.#opts.maxPinnedPeers) {
      throw new PeerStoreError('ERR_PINNED_LIMIT', `at most ${this.#opts.maxPinnedPeers} pinned peers`, {
        limit: this.#opts.maxPinnedPeers,
      })
    }
  }

  #setFlags(peer: PeerEntry, persistent: boolean | undefined, bootstrap: boolean | undefined): void {
    const was = this.isPinned(peer)
    if (persistent !== undefined) peer.persistent = persistent
    if (bootstrap !== undefined) peer.bootstrap = bootstrap
    const is = this.isPinned(peer)
    if (was !== is) this.#pinned += is ? 1 : -1
  }

  #createPeer(peerId: PeerId, source: AddressSource | undefined, now: number): PeerEntry {
    const peer: PeerEntry = {
      peerId,
      roles: [],
      protocolVersion: undefined,
      userAgent: undefined,
      firstSeen: now,
      lastSeen: 0,
      latencyMs: undefined,
      source,
      persistent: false,
      bootstrap: false,
      anchor: false,
      addresses: new Map(),
    }
    this.#peers.set(peerId, peer)
    this.#changed(peerId)
    return peer
  }

  #deletePeer(peer: PeerEntry): void {
    if (this.#peers.get(peer.peerId) !== peer) return
    if (this.isPinned(peer)) this.#pinned--
    this.#peers.delete(peer.peerId)
    this.#changed(peer.peerId)
    this.#emit('peer:removed', { peerId: peer.peerId })
  }

  #register(peer: PeerEntry, fields: AddressFields): AddressEntry {
    const id = this.#freeIds.pop() ?? this.#entries.length
    const e = createEntry(id, peer, fields)
    this.#entries[id] = e
    this.#byAddress.set(e.address, e)
    peer.addresses.set(e.address, e)
    return e
  }

  /** Takes an address out of the tables and the store; deletes its peer too unless `keepPeer` or pinned. */
  #remove(e: AddressEntry, reason: EvictionReason, keepPeer: boolean): void {
    if (this.#byAddress.get(e.address) !== e) return
    this.#unplaceNew(e)
    this.#unplaceTried(e)
    if (this.#collisions.delete(e.id)) this.#hooks.stateChanged()
    this.#byAddress.delete(e.address)
    e.peer.addresses.delete(e.address)
    this.#entries[e.id] = undefined
    this.#freeIds.push(e.id)
    this.#changed(e.peer.peerId)
    this.#emit('peer:evicted', { peerId: e.peer.peerId, address: e.address, reason })
    if (!keepPeer && e.peer.addresses.size === 0 && !this.isPinned(e.peer)) this.#deletePeer(e.peer)
  }

  // ---- restore (load and import) ----

  /**
   * Puts persisted or imported peers back: tried entries first (they keep their slot unless two collide),
   * then new entries at their stored buckets when `useBuckets` (same salt and geometry) and the slot checks
   * out, else re-bucketed from their source. Addresses that find no slot are dropped (unless pinned).
   * Returns the peers whose record must be rewritten and how many addresses were dropped.
   */
  restore(
    peers: readonly RestoredPeer[],
    useBuckets: boolean,
    now: number,
    merge: boolean,
  ): { changed: Set<PeerId>; dropped: number; addresses: number } {
    const changed = new Set<PeerId>()
    const pending: Array<[AddressEntry, RestoredAddress]> = []
    let dropped = 0
    let addresses = 0
    this.#muted = !merge
    this.#sink = changed
    try {
      for (const r of peers) {
        let peer = this.#peers.get(r.peerId)
        if (peer === undefined) peer = this.#restorePeer(r, merge, changed)
        else this.#mergePeer(peer, r, changed)
        for (const ra of r.addresses) {
          if (
            this.#byAddress.has(ra.address.address) ||
            peer.addresses.size >= this.#opts.maxAddressesPerPeer
          ) {
            const known = this.#byAddress.get(ra.address.address)
            if (known !== undefined && known.peer === peer) this.#mergeStats(known, ra)
            else dropped++
            changed.add(peer.peerId)
            continue
          }
          const e = this.#register(peer, {
            address: ra.address.address,
            group: this.#group(ra.address),
            source: ra.source,
            firstSeen: ra.firstSeen,
            lastSeen: ra.lastSeen,
            lastSuccess: ra.lastSuccess,
            lastAttempt: ra.lastAttempt,
            attempts: ra.attempts,
          })
          addresses++
          if (merge) changed.add(peer.peerId)
          if (ra.tried) {
            const b = this.triedTable.bucketFor(e.address, e.group)
            const p = this.triedTable.positionFor(b, e.address)
            if (this.triedTable.get(b, p) === EMPTY) {
              this.triedTable.set(b, p, e.id)
              e.tried = true
              if (merge) this.#emit('peer:promoted', { peerId: peer.peerId, address: e.address })
              continue
            }
            changed.add(peer.peerId)
          }
          pending.push([e, ra])
        }
      }
      for (const [e, ra] of pending) {
        if (useBuckets) {
          for (const b of ra.buckets) {
            if (b >= this.newTable.bucketCount || e.refs.includes(b)) continue
            if (e.refs.length >= this.#opts.newBucketsPerAddress) break
            const p = this.newTable.positionFor(b, e.address)
            if (this.newTable.get(b, p) !== EMPTY) continue
            this.newTable.set(b, p, e.id)
            e.refs.push(b)
          }
        }
        if (e.refs.length === 0) this.#placeNew(e, e.source.group, now)
        const exact =
          !ra.tried && e.refs.length === ra.buckets.length && e.refs.every((b) => ra.buckets.includes(b))
        if (!exact) changed.add(e.peer.peerId)
        if (e.refs.length === 0 && !this.isPinned(e.peer)) {
          this.#remove(e, 'collision', false)
          dropped++
          addresses--
        } else if (merge && e.refs.length > 0) {
          this.#emit('peer:added', { peerId: e.peer.peerId, address: e.address })
        }
      }
      for (const r of peers) {
        const peer = this.#peers.get(r.peerId)
        if (peer !== undefined && peer.addresses.size === 0 && !this.isPinned(peer)) {
          this.#deletePeer(peer)
          changed.add(r.peerId)
        }
      }
    } finally {
      this.#muted = false
      this.#sink = undefined
    }
    return { changed, dropped, addresses }
  }

  /** A peer record rebuilt as stored (rebuilding memory from disk is not a change, an import is). */
  #restorePeer(r: RestoredPeer, merge: boolean, changed: Set<PeerId>): PeerEntry {
    let pinned = r.persistent || r.bootstrap
    if (pinned && this.#pinned >= this.#opts.maxPinnedPeers) {
      pinned = false // over the limit: loaded unpinned, and the record is rewritten so
      changed.add(r.peerId)
    }
    const peer: PeerEntry = {
      peerId: r.peerId,
      roles: [...r.roles],
      protocolVersion: r.protocolVersion,
      userAgent: r.userAgent,
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
      latencyMs: r.latencyMs,
      source: r.source,
      persistent: pinned && r.persistent,
      bootstrap: pinned && r.bootstrap,
      anchor: r.anchor,
      addresses: new Map(),
    }
    if (pinned) this.#pinned++
    this.#peers.set(peer.peerId, peer)
    if (merge) changed.add(peer.peerId)
    return peer
  }

  #mergePeer(peer: PeerEntry, r: RestoredPeer, changed: Set<PeerId>): void {
    peer.roles = cleanRoles([...peer.roles, ...r.roles])
    peer.protocolVersion = peer.protocolVersion ?? r.protocolVersion
    peer.userAgent = peer.userAgent ?? r.userAgent
    peer.latencyMs = peer.latencyMs ?? r.latencyMs
    peer.firstSeen = Math.min(peer.firstSeen, r.firstSeen)
    peer.lastSeen = Math.max(peer.lastSeen, r.lastSeen)
    peer.source = peer.source ?? r.source
    peer.anchor = peer.anchor || r.anchor
    const pin = (r.persistent && !peer.persistent) || (r.bootstrap && !peer.bootstrap)
    if (pin && !this.isPinned(peer) && this.#pinned >= this.#opts.maxPinnedPeers) {
      changed.add(peer.peerId) // over the limit: loaded unpinned, and the record is rewritten so
      return
    }
    this.#setFlags(peer, peer.persistent || r.persistent, peer.bootstrap || r.bootstrap)
  }

  #mergeStats(e: AddressEntry, r: RestoredAddress): void {
    e.firstSeen = Math.min(e.firstSeen, r.firstSeen)
    e.lastSeen = Math.max(e.lastSeen, r.lastSeen)
    if (r.lastSuccess > e.lastSuccess) {
      e.lastSuccess = r.lastSuccess
      e.attempts = r.attempts
    }
    e.lastAttempt = Math.max(e.lastAttempt, r.lastAttempt)
  }

  /** Re-queues persisted collisions (addresses still in the new table). */
  restoreCollisions(addresses: readonly string[]): void {
    for (const a of addresses) {
      const e = this.#byAddress.get(a)
      if (e !== undefined && !e.tried && this.#collisions.size < this.#opts.maxTriedCollisions) {
        this.#collisions.add(e.id)
      }
    }
  }

  /** Forgets everything (the salt stays). */
  clear(): void {
    for (const peer of this.#peers.values()) this.#changed(peer.peerId)
    this.newTable.reset()
    this.triedTable.reset()
    this.#entries.length = 0
    this.#freeIds.length = 0
    this.#byAddress.clear()
    this.#peers.clear()
    if (this.#collisions.size > 0) this.#hooks.stateChanged()
    this.#collisions.clear()
    this.#pinned = 0
  }

  // ---- views ----

  /**
   * Random non-terrible placed addresses (Core's `GetAddr`): at most `max` and `maxPercent` % of the book.
   * Random probing of the entry slots, so the work is proportional to what is returned, not to the book:
   * peers asking for addresses cannot make the node walk 80,000 entries per request.
   */
  sample(max: number, maxPercent: number, now: number): AddressEntry[] {
    const placed = this.newTable.count + this.triedTable.count
    const limit = Math.min(max, Math.floor((placed * maxPercent) / 100))
    const out: AddressEntry[] = []
    if (limit <= 0) return out
    const slots = this.#entries.length
    const usable = (e: AddressEntry | undefined): e is AddressEntry =>
      e !== undefined && (e.tried || e.refs.length > 0) && !this.isTerrible(e, now)
    if (limit * 3 >= slots) {
      // Most of the book is wanted: a partial Fisher-Yates shuffle over every slot.
      const ids = Array.from({ length: slots }, (_, i) => i)
      for (let i = 0; i < slots && out.length < limit; i++) {
        const j = i + Math.floor(this.#random() * (slots - i))
        const id = ids[j] as number
        ids[j] = ids[i] as number
        const e = this.#entries[id]
        if (usable(e)) out.push(e)
      }
      return out
    }
    const probed = new Set<number>()
    for (let tries = 0; out.length < limit && tries < 4 * limit + 64; tries++) {
      const id = Math.floor(this.#random() * slots)
      if (probed.has(id)) continue
      probed.add(id)
      const e = this.#entries[id]
      if (usable(e)) out.push(e)
    }
    return out
  }

  /** The public view of an entry. */
  addressInfo(e: AddressEntry): AddressInfo {
    const triedBucket = e.tried ? [this.triedTable.bucketFor(e.address, e.group)] : []
    return {
      address: e.address,
      peerId: e.peer.peerId,
      group: e.group,
      table: e.tried ? 'tried' : e.refs.length > 0 ? 'new' : null,
      buckets: e.tried ? triedBucket : [...e.refs],
      source: { ...e.source },
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      lastSuccess: e.lastSuccess,
      lastAttempt: e.lastAttempt,
      attempts: e.attempts,
    }
  }

  /** The public view of a peer. */
  peerInfo(peer: PeerEntry): PeerInfo {
    const addresses = [...peer.addresses.values()].map((e) => this.addressInfo(e))
    const info: PeerInfo = {
      peerId: peer.peerId,
      addresses,
      roles: [...peer.roles],
      firstSeen: peer.firstSeen,
      lastSeen: peer.lastSeen,
      lastSuccess: Math.max(0, ...addresses.map((a) => a.lastSuccess)),
      lastAttempt: Math.max(0, ...addresses.map((a) => a.lastAttempt)),
      persistent: peer.persistent,
      bootstrap: peer.bootstrap,
      anchor: peer.anchor,
    }
    if (peer.protocolVersion !== undefined) info.protocolVersion = peer.protocolVersion
    if (peer.userAgent !== undefined) info.userAgent = peer.userAgent
    if (peer.latencyMs !== undefined) info.latencyMs = peer.latencyMs
    if (peer.source !== undefined) info.source = { ...peer.source }
    return info
  }

  #changed(peerId: PeerId): void {
    if (this.#sink !== undefined) this.#sink.add(peerId)
    else this.#hooks.peerChanged(peerId)
  }

  #emit: Emit = (name, ...args) => {
    if (!this.#muted) this.#emitEvent(name, ...args)
  }
}

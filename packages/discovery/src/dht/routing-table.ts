import { dhtSubnet, type PeerId, tryParseAddress } from '@chainwire/interface'
import { bucketIndex, compareDistance, NODE_ID_BITS } from './node-id'

/** A node in the routing table. */
export interface Contact {
  readonly peerId: PeerId
  readonly nodeId: Uint8Array
  /**
   * Addresses it proved (we dialed it there, or one is its connection's remote address), most recently proven
   * first. The only ones served to others. Empty for an inbound contact that has not proved a listen address.
   */
  addrs: string[]
  /**
   * Listen addresses it announced to us itself but has not proved: we may dial them (which proves them), but
   * never serve them nor count them.
   */
  claimed: string[]
  /** The subnet of the real remote address it was admitted through (the per-subnet limits count it). */
  readonly subnet: string
  /** Clock time it last answered us. */
  lastSeen: number
  /** Liveness checks failed since it last answered; only contacts with none are handed out. */
  failures: number
}

/** Options of {@link RoutingTable}. */
export interface RoutingTableOptions {
  /** Contacts per bucket (Kademlia's k). */
  k: number
  /** Contacts of one subnet (IPv4 /24) per bucket. */
  maxPerSubnetPerBucket: number
  /** Contacts of one subnet (IPv4 /24) in the whole table. */
  maxPerSubnetPerTable: number
  /** The subnet an address counts against. @default {@link addressSubnet} */
  subnetOf?: (address: string) => string | undefined
  /** Candidates kept per full bucket to replace contacts that stop answering. */
  replacementCacheSize: number
}

/** How a contact reached us, for {@link RoutingTable.add}. */
export interface AddContactOptions {
  /**
   * The real remote address of the connection it answered us on (as the transport reports it): its subnet is
   * what the per-subnet limits count, never an address the node or anyone else claims.
   * @default addrs[0] (an address we dialed it at)
   */
  remoteAddress?: string
  /** Listen addresses it announced itself and has not proved (kept to dial, never served). @default [] */
  claimed?: readonly string[]
}

/** What {@link RoutingTable.add} did. */
export type AddOutcome =
  /** A new contact took a free slot. */
  | { status: 'added' }
  /** The contact was there: marked alive and moved to the tail. */
  | { status: 'updated' }
  /** The bucket is full: the contact waits in the replacement cache; `probe` is the least recently seen. */
  | { status: 'cached'; probe: Contact }
  /** Refused: its subnet is at its limit, it is us, or it has no address (or its remote address does not parse). */
  | { status: 'rejected'; reason: 'subnet' | 'self' | 'address' }

interface Bucket {
  /** Least recently seen first. */
  contacts: Contact[]
  /** Most recently seen last. */
  replacements: Contact[]
  /** Clock time of the last lookup into this bucket. */
  touchedAt: number
}

/**
 * A Kademlia routing table: 256 buckets by common-prefix length with our node id, each holding at most k
 * contacts ordered by last contact, plus a small replacement cache. Contacts enter only after answering us
 * (the caller adds them then), a full bucket keeps its old contacts (they have proven to stay up) until a
 * liveness check fails, and per-subnet limits keep one network from filling a bucket or the table.
 */
export class RoutingTable {
  private readonly buckets: Bucket[] = []
  private readonly byPeer = new Map<PeerId, Contact>()
  private readonly subnetCounts = new Map<string, number>()

  constructor(
    readonly self: Uint8Array,
    private readonly options: RoutingTableOptions,
  ) {
    for (let i = 0; i < NODE_ID_BITS; i++) this.buckets.push({ contacts: [], replacements: [], touchedAt: 0 })
  }

  /** Contacts in the table (replacements not counted). */
  get size(): number {
    return this.byPeer.size
  }

  /** The contact of a peer, if in the table. */
  get(peerId: PeerId): Contact | undefined {
    return this.byPeer.get(peerId)
  }

  /**
   * Records that `peerId` (node id `nodeId`) just answered us. `addrs` are addresses it proved (we dialed it
   * there, or it is its connection's remote address); pass nothing else: they are served to others. The
   * subnet counted is that of `options.remoteAddress` (the connection's real remote end), else of `addrs[0]`.
   * A known contact keeps its subnet; newly proven addresses go first. See {@link AddOutcome}.
   */
  add(
    peerId: PeerId,
    nodeId: Uint8Array,
    addrs: readonly string[],
    now: number,
    options: AddContactOptions = {},
  ): AddOutcome {
    const index = bucketIndex(this.self, nodeId)
    if (index === undefined) return { status: 'rejected', reason: 'self' }
    const bucket = this.buckets[index] as Bucket
    const existing = this.byPeer.get(peerId)
    if (existing !== undefined) {
      existing.lastSeen = now
      existing.failures = 0
      if (addrs.length > 0) existing.addrs = mergeAddrs(addrs, existing.addrs)
      existing.claimed = unproven(options.claimed ?? existing.claimed, existing.addrs)
      const at = bucket.contacts.indexOf(existing)
      if (at >= 0) {
        bucket.contacts.splice(at, 1)
        bucket.contacts.push(existing)
      }
      return { status: 'updated' }
    }
    const proven = mergeAddrs(addrs, [])
    const claimed = unproven(options.claimed ?? [], proven)
    const via = options.remoteAddress ?? proven[0]
    const subnet = via === undefined ? undefined : (this.options.subnetOf ?? addressSubnet)(via)
    if (subnet === undefined || proven.length + claimed.length === 0) {
      return { status: 'rejected', reason: 'address' }
    }
    const contact: Contact = { peerId, nodeId, addrs: proven, claimed, subnet, lastSeen: now, failures: 0 }
    if (bucket.contacts.length < this.options.k) {
      if (!this.subnetAllows(bucket, subnet)) return { status: 'rejected', reason: 'subnet' }
      this.insert(bucket, contact)
      return { status: 'added' }
    }
    const others = bucket.replacements.filter((c) => c.peerId !== peerId)
    others.push(contact)
    while (others.length > this.options.replacementCacheSize) others.shift()
    bucket.replacements = others
    return { status: 'cached', probe: bucket.contacts[0] as Contact }
  }

  /**
   * Records a failed liveness check or request. A contact that fails is no longer handed out; if its bucket
   * has a replacement it is evicted for it at once. Returns the contact that took its place, if any.
   */
  markFailed(peerId: PeerId): Contact | undefined {
    const contact = this.byPeer.get(peerId)
    if (contact === undefined) return undefined
    contact.failures++
    const bucket = this.bucketOf(contact)
    if (bucket.replacements.length === 0) return undefined
    return this.remove(peerId)
  }

  /** Removes a contact and promotes the newest replacement its subnet limits allow; returns that one. */
  remove(peerId: PeerId): Contact | undefined {
    const contact = this.byPeer.get(peerId)
    if (contact === undefined) return undefined
    const bucket = this.bucketOf(contact)
    bucket.contacts.splice(bucket.contacts.indexOf(contact), 1)
    this.byPeer.delete(peerId)
    this.countSubnet(contact.subnet, -1)
    for (let i = bucket.replacements.length - 1; i >= 0; i--) {
      const r = bucket.replacements[i] as Contact
      if (this.byPeer.has(r.peerId) || !this.subnetAllows(bucket, r.subnet)) continue
      bucket.replacements.splice(i, 1)
      this.insert(bucket, r)
      return r
    }
    return undefined
  }

  /**
   * Up to `n` live contacts (no failed check since they last answered) closest to `target`, closest first;
   * with `provenOnly`, only contacts that proved an address (what may be served to others).
   */
  closest(target: Uint8Array, n: number, exclude?: ReadonlySet<PeerId>, provenOnly = false): Contact[] {
    const all: Contact[] = []
    for (const c of this.byPeer.values()) {
      if (c.failures !== 0 || exclude?.has(c.peerId) === true) continue
      if (!provenOnly || c.addrs.length > 0) all.push(c)
    }
    all.sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))
    return all.slice(0, n)
  }

  /** Every contact, live or not. */
  contacts(): Contact[] {
    return [...this.byPeer.values()]
  }

  /** The least recently seen contact of each non-empty bucket, for liveness checks. */
  leastRecentlySeen(): Contact[] {
    const out: Contact[] = []
    for (const b of this.buckets) if (b.contacts.length > 0) out.push(b.contacts[0] as Contact)
    return out
  }

  /** Records a lookup into the bucket of `target` (a refresh is not needed for a while). */
  touch(target: Uint8Array, now: number): void {
    const index = bucketIndex(this.self, target)
    if (index !== undefined) (this.buckets[index] as Bucket).touchedAt = now
  }

  /** Records every bucket as just refreshed (at start: the self-lookup does the join's work). */
  touchAll(now: number): void {
    for (const bucket of this.buckets) bucket.touchedAt = now
  }

  /**
   * Indexes of buckets due for a refresh: untouched for `maxAgeMs`, up to one past the deepest non-empty
   * bucket (deeper ones are empty in any network of realistic size).
   */
  staleBuckets(now: number, maxAgeMs: number): number[] {
    let deepest = -1
    for (let i = 0; i < NODE_ID_BITS; i++) if ((this.buckets[i] as Bucket).contacts.length > 0) deepest = i
    const out: number[] = []
    for (let i = 0; i <= Math.min(NODE_ID_BITS - 1, deepest + 1); i++) {
      if (now - (this.buckets[i] as Bucket).touchedAt >= maxAgeMs) out.push(i)
    }
    return out
  }

  /**
   * Table health: `fill`, the contacts over the room of every bucket up to the deepest non-empty one (k each;
   * deeper buckets are empty in any network of realistic size), and `staleShare`, the contacts that failed
   * their last query or check or have been silent for `silentMs` or more.
   */
  health(now: number, silentMs: number): { fill: number; staleShare: number } {
    let deepest = -1
    for (let i = 0; i < NODE_ID_BITS; i++) if ((this.buckets[i] as Bucket).contacts.length > 0) deepest = i
    let stale = 0
    for (const c of this.byPeer.values()) if (c.failures > 0 || now - c.lastSeen >= silentMs) stale++
    const room = (deepest + 1) * this.options.k
    return { fill: room === 0 ? 0 : this.size / room, staleShare: this.size === 0 ? 0 : stale / this.size }
  }

  /** Contacts that failed their last query or check (re-checked at every refresh). */
  failing(): Contact[] {
    const out: Contact[] = []
    for (const c of this.byPeer.values()) if (c.failures > 0) out.push(c)
    return out
  }

  /** Contacts per bucket index (only non-empty buckets). */
  bucketSizes(): Map<number, number> {
    const out = new Map<number, number>()
    for (const [i, b] of this.buckets.entries()) if (b.contacts.length > 0) out.set(i, b.contacts.length)
    return out
  }

  /** Replacements waiting in a bucket. */
  replacementsOf(index: number): readonly Contact[] {
    return this.buckets[index]?.replacements ?? []
  }

  private insert(bucket: Bucket, contact: Contact): void {
    bucket.contacts.push(contact)
    this.byPeer.set(contact.peerId, contact)
    this.countSubnet(contact.subnet, 1)
  }

  private subnetAllows(bucket: Bucket, subnet: string): boolean {
    if ((this.subnetCounts.get(subnet) ?? 0) >= this.options.maxPerSubnetPerTable) return false
    let inBucket = 0
    for (const c of bucket.contacts) if (c.subnet === subnet) inBucket++
    return inBucket < this.options.maxPerSubnetPerBucket
  }

  private countSubnet(subnet: string, delta: number): void {
    const n = (this.subnetCounts.get(subnet) ?? 0) + delta
    if (n <= 0) this.subnetCounts.delete(subnet)
    else this.subnetCounts.set(subnet, n)
  }

  private bucketOf(contact: Contact): Bucket {
    return this.buckets[bucketIndex(this.self, contact.nodeId) as number] as Bucket
  }
}

/**
 * The subnet a transport address counts against in the per-subnet limits: interface's `dhtSubnet` of the
 * parsed address (IPv4 /24, IPv6 /48, a DNS host, a `memory://` name); undefined for text that is no address.
 */
export function addressSubnet(address: string): string | undefined {
  const parsed = tryParseAddress(address)
  return parsed === undefined ? undefined : dhtSubnet(parsed)
}

/** `first` then `rest`, without repeats, at most 8. */
function mergeAddrs(first: readonly string[], rest: readonly string[]): string[] {
  const out: string[] = []
  for (const a of [...first, ...rest]) if (!out.includes(a) && out.length < 8) out.push(a)
  return out
}

/** The claimed addresses not proven, at most 8. */
function unproven(claimed: readonly string[], proven: readonly string[]): string[] {
  return mergeAddrs(
    claimed.filter((a) => !proven.includes(a)),
    [],
  )
}

import type { PeerId } from '@chainwire/interface'
import type { BucketGrid } from '../tables/bucket-grid'
import { EMPTY } from '../tables/bucket-grid'
import type { AddressBook } from './address-book'
import { type AddressEntry, selectionChance } from './entry'

/** What {@link selectAddresses} draws from and must avoid. */
export interface SelectionRequest {
  count: number
  /** Draw only from the new table (feelers). */
  newOnly: boolean
  /** Probability of drawing from tried when both tables have entries. */
  triedBias: number
  /** Peers not to return. */
  excludedPeers: ReadonlySet<PeerId>
  /** Groups already covered by current connections. */
  excludedGroups: ReadonlySet<string>
  /** Pass 3 below: fill up from covered groups when short. */
  allowGroupRepeats: boolean
  /** Hard filter: bans, discouragement, backoff, roles. */
  eligible: (e: AddressEntry) => boolean
  random: () => number
  now: number
}

/** Random draws per wanted address before falling back to a full scan. */
const DRAWS_PER_PICK = 64
/** Extra draws for tiny requests. */
const BASE_DRAWS = 256

/**
 * Picks up to `count` addresses, at most one per peer and one per network group, in three passes:
 *
 * 1. Core's `Select`: choose a table (tried with probability `triedBias`), a uniformly random non-empty
 *    bucket, a random entry in it, and accept it with Core's `GetChance` odds (raised x1.2 after each
 *    refusal). Uniform over buckets, so an attacker's packed buckets weigh no more than one honest bucket.
 * 2. If draws run out (most entries backed off, banned or in covered groups): every non-empty bucket in
 *    random order, one entry per bucket per round, still one per group.
 * 3. Only if still short, and only with `allowGroupRepeats`: the same, allowing groups that are already
 *    covered.
 */
export function selectAddresses(book: AddressBook, req: SelectionRequest): AddressEntry[] {
  const out: AddressEntry[] = []
  const peers = new Set(req.excludedPeers)
  const groups = new Set(req.excludedGroups)
  const tables: BucketGrid[] = req.newOnly ? [book.newTable] : [book.triedTable, book.newTable]
  const accept = (e: AddressEntry): void => {
    out.push(e)
    peers.add(e.peer.peerId)
    groups.add(e.group)
  }
  if (req.count <= 0 || tables.every((t) => t.count === 0)) return out

  let chanceFactor = 1
  const maxDraws = BASE_DRAWS + DRAWS_PER_PICK * req.count
  for (let draw = 0; draw < maxDraws && out.length < req.count; draw++) {
    const table = pickTable(book, req)
    const bucket = table.randomBucket(req.random)
    const id = table.randomInBucket(bucket, req.random)
    if (id === EMPTY) continue
    const e = book.entryById(id)
    if (peers.has(e.peer.peerId) || groups.has(e.group) || !req.eligible(e)) continue
    if (req.random() >= chanceFactor * selectionChance(e, req.now)) {
      chanceFactor *= 1.2
      continue
    }
    chanceFactor = 1
    accept(e)
  }
  if (out.length >= req.count) return out

  // Fallback: the eligible entries of every non-empty bucket, buckets in random order, one pick per bucket
  // per round so that densely packed buckets still weigh no more than sparse ones.
  const lists: AddressEntry[][] = []
  for (const t of tables) {
    for (const b of t.nonEmptyBuckets()) {
      const list: AddressEntry[] = []
      for (const id of t.idsInBucket(b)) {
        const e = book.entryById(id)
        if (req.eligible(e) && !peers.has(e.peer.peerId)) list.push(e)
      }
      if (list.length > 0) lists.push(shuffle(list, req.random))
    }
  }
  shuffle(lists, req.random)
  for (const strict of req.allowGroupRepeats ? [true, false] : [true]) {
    let progress = true
    while (progress && out.length < req.count) {
      progress = false
      for (const list of lists) {
        if (out.length >= req.count) break
        const i = list.findIndex((e) => !peers.has(e.peer.peerId) && !(strict && groups.has(e.group)))
        if (i < 0) continue
        const [e] = list.splice(i, 1) as [AddressEntry]
        accept(e)
        progress = true
      }
    }
  }
  return out
}

function pickTable(book: AddressBook, req: SelectionRequest): BucketGrid {
  if (req.newOnly || book.triedTable.count === 0) return book.newTable
  if (book.newTable.count === 0) return book.triedTable
  return req.random() < req.triedBias ? book.triedTable : book.newTable
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = xs[i] as T
    xs[i] = xs[j] as T
    xs[j] = t
  }
  return xs
}

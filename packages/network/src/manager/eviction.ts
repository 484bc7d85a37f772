/** What inbound eviction knows about one evictable inbound connection. */
export interface EvictionCandidate {
  /** The connection's id. */
  readonly id: number
  /** Clock time the connection was established. */
  readonly connectedAt: number
  /** Lowest ping round trip seen, in ms (`Infinity` when never measured). */
  readonly minPingMs: number
  /** Clock time the peer last delivered a useful block (0 when never). */
  readonly lastBlockAt: number
  /** Clock time the peer last delivered a useful transaction (0 when never). */
  readonly lastTxAt: number
  /** The peer's network group (see `netGroupOf`). */
  readonly netGroup: string
  /** The group passed through a per-node secret hash: which groups are protected cannot be predicted. */
  readonly keyedNetGroup: number
  /** True when the peer is discouraged: such peers are evicted before any other. */
  readonly preferEvict: boolean
}

/** How many candidates each protection rule shields from eviction. */
export interface EvictionProtection {
  /** Peers from this many distinct network groups (chosen by keyed hash). @default 4 */
  netGroups: number
  /** Peers with the lowest minimum ping. @default 8 */
  lowestPing: number
  /** Peers that most recently delivered a useful transaction. @default 4 */
  recentTransactions: number
  /** Peers that most recently delivered a useful block. @default 4 */
  recentBlocks: number
  /** Fraction of the remaining candidates protected by longest uptime. @default 0.5 */
  uptimeFraction: number
}

/** Defaults of {@link EvictionProtection}, those of Bitcoin Core's `AttemptToEvictConnection`. */
export const DEFAULT_EVICTION_PROTECTION: Readonly<EvictionProtection> = Object.freeze({
  netGroups: 4,
  lowestPing: 8,
  recentTransactions: 4,
  recentBlocks: 4,
  uptimeFraction: 0.5,
})

/**
 * Chooses the inbound connection to close to make room for a new one, or undefined when every candidate is
 * protected (then the newcomer is refused instead). Bitcoin Core's `AttemptToEvictConnection` is the model:
 * an attacker must beat honest peers on every axis at once to take over the inbound slots.
 *
 * 1. protect one peer from each of `netGroups` distinct groups, chosen by the keyed group hash;
 * 2. protect the `lowestPing` peers with the lowest minimum ping;
 * 3. protect the `recentTransactions` peers that most recently sent a useful transaction, then the
 *    `recentBlocks` that most recently sent a useful block (only peers that ever did);
 * 4. protect the longest-connected `uptimeFraction` of the rest;
 * 5. if a remaining peer is discouraged, consider only discouraged ones;
 * 6. take the network group with the most remaining connections (ties: the group whose newest member is
 *    newest) and evict its newest connection.
 */
export function selectEvictionCandidate(
  candidates: readonly EvictionCandidate[],
  protection: Partial<EvictionProtection> = {},
): number | undefined {
  const p = { ...DEFAULT_EVICTION_PROTECTION, ...protection }
  let pool = [...candidates]

  // 1. Distinct network groups, highest keyed hash first; within a group, the oldest connection.
  const byGroup = [...pool].sort(
    (a, b) => b.keyedNetGroup - a.keyedNetGroup || a.connectedAt - b.connectedAt || a.id - b.id,
  )
  const shielded = new Set<number>()
  const groups = new Set<string>()
  for (const c of byGroup) {
    if (groups.size >= p.netGroups) break
    if (groups.has(c.netGroup)) continue
    groups.add(c.netGroup)
    shielded.add(c.id)
  }
  pool = pool.filter((c) => !shielded.has(c.id))

  // 2. Lowest minimum ping (ties: the older connection).
  pool = protect(pool, p.lowestPing, (a, b) => a.minPingMs - b.minPingMs || a.connectedAt - b.connectedAt)
  // 3. Most recently useful, among peers that were useful at all.
  pool = protect(
    pool,
    p.recentTransactions,
    (a, b) => b.lastTxAt - a.lastTxAt,
    (c) => c.lastTxAt > 0,
  )
  pool = protect(
    pool,
    p.recentBlocks,
    (a, b) => b.lastBlockAt - a.lastBlockAt,
    (c) => c.lastBlockAt > 0,
  )
  // 4. Longest uptime for a fraction of the rest.
  pool = protect(pool, Math.floor(pool.length * p.uptimeFraction), (a, b) => a.connectedAt - b.connectedAt)
  if (pool.length === 0) return undefined

  // 5. Discouraged peers go first.
  if (pool.some((c) => c.preferEvict)) pool = pool.filter((c) => c.preferEvict)

  // 6. The most crowded group (ties: the one with the newest member), then its newest connection.
  const members = new Map<string, EvictionCandidate[]>()
  for (const c of pool) {
    const list = members.get(c.netGroup)
    if (list === undefined) members.set(c.netGroup, [c])
    else list.push(c)
  }
  let chosen: EvictionCandidate[] | undefined
  let chosenNewest = Number.NEGATIVE_INFINITY
  for (const list of members.values()) {
    const newest = Math.max(...list.map((c) => c.connectedAt))
    if (
      chosen === undefined ||
      list.length > chosen.length ||
      (list.length === chosen.length && newest > chosenNewest)
    ) {
      chosen = list
      chosenNewest = newest
    }
  }
  if (chosen === undefined) return undefined
  const victim = chosen.reduce((a, b) =>
    b.connectedAt > a.connectedAt || (b.connectedAt === a.connectedAt && b.id > a.id) ? b : a,
  )
  return victim.id
}

/** Removes the first `count` candidates of `pool` in `order` (among those passing `eligible`). */
function protect(
  pool: EvictionCandidate[],
  count: number,
  order: (a: EvictionCandidate, b: EvictionCandidate) => number,
  eligible: (c: EvictionCandidate) => boolean = () => true,
): EvictionCandidate[] {
  if (count <= 0) return pool
  const ranked = pool.filter(eligible).sort((a, b) => order(a, b) || a.id - b.id)
  const shielded = new Set(ranked.slice(0, count).map((c) => c.id))
  return pool.filter((c) => !shielded.has(c.id))
}

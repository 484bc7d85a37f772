import { setMaxListeners } from 'node:events'
import type { PeerId } from '@chainwire/interface'
import { AbortError, type Clock, deadline } from '@chainwire/interface'
import { compareDistance } from './node-id'
import type { QueryFailure } from './query-connections'

/** A node a lookup may ask. */
export interface LookupPeer {
  readonly peerId: PeerId
  readonly nodeId: Uint8Array
  /** Where to reach it, best first (a query tries them in turn until one answers). */
  readonly addrs: readonly string[]
}

/** Addresses a lookup remembers per candidate, merged over every reply that proposed it. */
export const MAX_CANDIDATE_ADDRS = 8

/**
 * Asks one node for the nodes it knows closest to `target`. Resolves with its (validated) answer; rejects
 * when it fails or `signal` aborts (the per-request deadline).
 */
export type LookupQuery = (peer: LookupPeer, target: Uint8Array, signal: AbortSignal) => Promise<LookupPeer[]>

/** Parameters of {@link iterativeLookup}. */
export interface LookupParams {
  /** How many closest nodes the lookup converges on. */
  k: number
  /** Requests in flight at once. */
  alpha: number
  /** Deadline of one request. */
  requestTimeoutMs: number
  /** Deadline of the whole lookup; when it passes, the lookup returns what it has. */
  lookupTimeoutMs: number
  /** Candidates remembered at most (the farthest unqueried ones are forgotten). */
  maxCandidates: number
  /**
   * Kademlia's stall rule: once `alpha` answers in a row brought no node closer than the closest already known,
   * every unasked node among the k closest is asked at once (at most `k` in flight) instead of `alpha` at a
   * time. The last round then costs one round trip instead of k / alpha of them.
   * @default true
   */
  widenOnStall?: boolean
  /**
   * Requests in flight at most once widened (a DHT passes how many query connections it may hold, so a wide
   * round does not queue behind its own bound). @default k
   */
  maxWidth?: number
  /**
   * Called once for each candidate among the k closest that waits for a free request slot, so the caller
   * can open its connection ahead of the query (a dial costs several round trips, the query one). Must not
   * block; `signal` aborts when the lookup ends. @default none
   */
  prepare?: (peer: LookupPeer, signal: AbortSignal) => void
}

/** What a lookup found. */
export interface LookupResult {
  /** The closest nodes that answered, closest first (at most k). */
  closest: LookupPeer[]
  /** Depth of the closest node that answered: 1 for a node from our own table. 0 when none answered. */
  hops: number
  /** Nodes that answered. */
  queried: number
  /** Requests that failed or timed out. */
  failed: number
  /** Clock time the lookup took. */
  durationMs: number
  /** Whether the lookup deadline cut it short. */
  timedOut: boolean
}

/** Where a DHT lookup's time went and why queries failed (the bench's breakdown). */
export interface LookupBreakdown {
  /** Queries sent over a connection we already had (one round trip each). */
  warm: number
  /** Queries that needed a dial (and its Noise handshake) first. */
  dials: number
  /** Queries sent as one datagram each way, with no connection (one round trip each). */
  datagrams: number
  /** Clock time spent dialing, summed over the queries (they overlap). */
  dialMs: number
  /** Clock time queries waited for a free query connection (`maxQueryConnections`), summed. */
  waitMs: number
  /** Clock time from request to answer, summed over the queries that got one. */
  requestMs: number
  /** Failed queries by cause. */
  failures: Record<QueryFailure, number>
}

/** A fresh {@link LookupBreakdown}. */
export function emptyBreakdown(): LookupBreakdown {
  return {
    warm: 0,
    dials: 0,
    datagrams: 0,
    dialMs: 0,
    waitMs: 0,
    requestMs: 0,
    failures: { timeout: 0, refused: 0, unreachable: 0, request: 0, 'bad-reply': 0, busy: 0 },
  }
}

/** What `KademliaDht#findNode` found: the lookup's result and where its time went. */
export interface DhtLookupResult extends LookupResult {
  breakdown: LookupBreakdown
}

type State = 'new' | 'inflight' | 'ok' | 'failed'
interface Candidate {
  peer: LookupPeer
  /** Addresses proposed for it so far (the first proposal first), at most {@link MAX_CANDIDATE_ADDRS}. */
  addrs: string[]
  hop: number
  state: State
  /** `prepare` was called for it. */
  prepared?: boolean
}

/**
 * Kademlia's iterative node lookup. Keeps `alpha` requests in flight and starts the next one as soon as any
 * finishes, so a slow node holds one slot until its own deadline and never the lookup; stops when the k
 * closest nodes not known to have failed have all answered (or nothing is left to ask, or the lookup
 * deadline passes). Nodes learned from answers are only candidates: the caller decides what enters its
 * routing table (only nodes that answered). A node proposed by several answers keeps every address proposed
 * (first proposal first), so an attacker answering first with a wrong address cannot hide an honest node:
 * the query tries the next one. With `widenOnStall`, a lookup that stops getting closer asks the rest of the
 * k closest at once (Kademlia's rule).
 */
export async function iterativeLookup(
  clock: Clock,
  selfId: PeerId,
  target: Uint8Array,
  seeds: readonly LookupPeer[],
  query: LookupQuery,
  params: LookupParams,
  signal?: AbortSignal,
): Promise<LookupResult> {
  const started = clock.now()
  const all = new Map<PeerId, Candidate>()
  const sorted: Candidate[] = []
  const consider = (peer: LookupPeer, hop: number): boolean => {
    if (peer.peerId === selfId) return false
    const known = all.get(peer.peerId)
    if (known !== undefined) {
      if (known.state === 'new') {
        for (const a of peer.addrs) {
          if (known.addrs.length >= MAX_CANDIDATE_ADDRS) break
          if (!known.addrs.includes(a)) known.addrs.push(a)
        }
      }
      return false
    }
    const c: Candidate = { peer, addrs: peer.addrs.slice(0, MAX_CANDIDATE_ADDRS), hop, state: 'new' }
    all.set(peer.peerId, c)
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (compareDistance(target, (sorted[mid] as Candidate).peer.nodeId, peer.nodeId) < 0) lo = mid + 1
      else hi = mid
    }
    sorted.splice(lo, 0, c)
    if (sorted.length > params.maxCandidates) {
      for (let i = sorted.length - 1; i >= 0 && sorted.length > params.maxCandidates; i--) {
        const far = sorted[i] as Candidate
        if (far.state === 'new') {
          sorted.splice(i, 1)
          all.delete(far.peer.peerId)
        }
      }
    }
    return lo === 0
  }
  for (const s of seeds) consider(s, 1)

  const whole = deadline(clock, params.lookupTimeoutMs, signal, 'DHT lookup')
  // Aborted when the lookup returns, so requests still in flight end with it: up to k of them (Kademlia's
  // stall rule), each listening through its deadline, its dial and its request.
  const ended = new AbortController()
  setMaxListeners(4 * params.k + 8, ended.signal)
  let inflight = 0
  let queried = 0
  let failed = 0
  let wake: (() => void) | undefined
  /** Answers in a row that brought no node closer than the closest known; `alpha` of them widen the lookup. */
  let stalled = 0
  let width = params.alpha
  const onAbort = (): void => {
    ended.abort(whole.signal.reason)
    wake?.()
  }
  whole.signal.addEventListener('abort', onAbort)

  const launch = (c: Candidate): void => {
    c.state = 'inflight'
    inflight++
    const req = deadline(clock, params.requestTimeoutMs, ended.signal, 'find_node')
    let p: Promise<LookupPeer[]>
    try {
      p = query({ peerId: c.peer.peerId, nodeId: c.peer.nodeId, addrs: c.addrs }, target, req.signal)
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(
      (nodes) => {
        if (ended.signal.aborted) return
        if (req.signal.aborted) {
          c.state = 'failed'
          failed++
        } else {
          c.state = 'ok'
          queried++
          let closer = false
          for (const n of nodes) if (consider(n, c.hop + 1)) closer = true
          stalled = closer ? 0 : stalled + 1
          if (params.widenOnStall !== false && stalled >= params.alpha) {
            width = Math.max(params.alpha, Math.min(params.k, params.maxWidth ?? params.k))
          }
        }
      },
      () => {
        if (ended.signal.aborted) return
        c.state = 'failed'
        failed++
      },
    ).finally(() => {
      req.clear()
      inflight--
      wake?.()
    })
  }

  const result = { timedOut: false }
  try {
    for (;;) {
      if (whole.signal.aborted) break
      let live = 0
      let done = true
      for (const c of sorted) {
        if (c.state === 'failed') continue
        if (live >= params.k) break
        live++
        if (c.state !== 'ok') done = false
        if (c.state !== 'new') continue
        if (inflight < width) launch(c)
        else if (params.prepare !== undefined && c.prepared !== true) {
          c.prepared = true
          params.prepare({ peerId: c.peer.peerId, nodeId: c.peer.nodeId, addrs: c.addrs }, ended.signal)
        }
      }
      if (done) break
      if (inflight === 0) break
      await new Promise<void>((resolve) => {
        wake = resolve
      })
      wake = undefined
    }
  } finally {
    const timedOut = whole.signal.aborted
    whole.signal.removeEventListener('abort', onAbort)
    whole.clear()
    ended.abort(new AbortError('DHT lookup finished'))
    result.timedOut = timedOut
  }
  if (signal?.aborted === true) throw new AbortError('DHT lookup aborted', { cause: signal.reason })
  const closest = sorted.filter((c) => c.state === 'ok').slice(0, params.k)
  return {
    closest: closest.map((c) => ({ peerId: c.peer.peerId, nodeId: c.peer.nodeId, addrs: c.addrs })),
    hops: closest[0]?.hop ?? 0,
    queried,
    failed,
    durationMs: clock.now() - started,
    timedOut: result.timedOut,
  }
}

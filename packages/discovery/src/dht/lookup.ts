import type { PeerId } from '@chainwire/interface'
import { AbortError, type Clock, deadline } from '@chainwire/interface'
import { compareDistance } from './node-id'

/** A node a lookup may ask. */
export interface LookupPeer {
  readonly peerId: PeerId
  readonly nodeId: Uint8Array
  readonly addrs: readonly string[]
}

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

type State = 'new' | 'inflight' | 'ok' | 'failed'
interface Candidate {
  peer: LookupPeer
  hop: number
  state: State
}

/**
 * Kademlia's iterative node lookup. Keeps `alpha` requests in flight and starts the next one as soon as any
 * finishes, so a slow node holds one slot until its own deadline and never the lookup; stops when the k
 * closest nodes not known to have failed have all answered (or nothing is left to ask, or the lookup
 * deadline passes). Nodes learned from answers are only candidates: the caller decides what enters its
 * routing table (only nodes that answered).
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
  const consider = (peer: LookupPeer, hop: number): void => {
    if (peer.peerId === selfId || all.has(peer.peerId)) return
    const c: Candidate = { peer, hop, state: 'new' }
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
  }
  for (const s of seeds) consider(s, 1)

  const whole = deadline(clock, params.lookupTimeoutMs, signal, 'DHT lookup')
  // Aborted when the lookup returns, so requests still in flight end with it.
  const ended = new AbortController()
  let inflight = 0
  let queried = 0
  let failed = 0
  let wake: (() => void) | undefined
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
      p = query(c.peer, target, req.signal)
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
          for (const n of nodes) consider(n, c.hop + 1)
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
        if (c.state === 'new' && inflight < params.alpha) launch(c)
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
    closest: closest.map((c) => c.peer),
    hops: closest[0]?.hop ?? 0,
    queried,
    failed,
    durationMs: clock.now() - started,
    timedOut: result.timedOut,
  }
}

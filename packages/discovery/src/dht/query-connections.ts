import type { Clock, PeerId, TimerHandle } from '@chainwire/interface'
import { AbortError, TimeoutError, tryParseAddress } from '@chainwire/interface'
import { connectedPeer, type DialKind, type DiscoveryNetwork, type DiscoveryPeer } from '../components'
import { DiscoveryError } from '../errors'

/** Why a query could not reach a node (the lookup breakdown and `discovery_dht_queries_total{result}`). */
export type QueryFailure =
  /** No answer (dial or request) before the request deadline. */
  | 'timeout'
  /** The network refused to dial: the address failed recently (backoff), or the gater refused it. */
  | 'refused'
  /** Every address failed (connection refused, handshake failed, another peer answered there). */
  | 'unreachable'
  /** Connected, but the request failed (the connection closed, or the peer answered with an error). */
  | 'request'
  /** The reply broke the protocol (wrong type, more than 16 nodes). */
  | 'bad-reply'
  /** Our own limits: every query connection in use until the deadline, or no free network slot. */
  | 'busy'

/** Options of {@link QueryConnections}. */
export interface QueryConnectionsOptions {
  /** Connections held at most (in use or idle). */
  max: number
  /** An idle connection is closed after this long unless used again. */
  idleMs: number
  /** The outbound slot kind of the connections. */
  dialKind: DialKind
  /**
   * Connections to keep rather than close when room is needed (the routing table's contacts: every lookup
   * starts with them); idle connections to other nodes go first. @default none preferred
   */
  prefer?: (peerId: PeerId) => boolean
}

/** How a query reached its node. */
export interface Reached {
  readonly peer: DiscoveryPeer
  /** The address a dial proved (undefined: a connection that was there, or appeared meanwhile, was used). */
  readonly dialed: string | undefined
  /** Clock time spent dialing (0 over an existing connection). */
  readonly dialMs: number
  /** Clock time spent waiting for a free query connection before dialing. */
  readonly waitMs: number
}

const MAX_WAITERS = 64

/**
 * The DHT's warm connections: a bounded set of connections it opened to ask nodes, kept open `idleMs` after
 * their last use so the next query to the same node (a later lookup's first hop, a liveness check, the node
 * verifying us back) costs one round trip instead of a dial and a Noise handshake. At most `max` are held;
 * when all are, the one idle longest is closed, or else a query waits for one (bounded by its deadline).
 * Connections opened by others (slot filling, inbound peers) are used as they are and never closed here.
 */
export class QueryConnections {
  /** Peers of the connections we hold, to their users; idle ones have a close timer. LRU order of last use. */
  private readonly held = new Map<PeerId, { users: number; idle: TimerHandle | undefined }>()
  private waiters: (() => void)[] = []
  private stopped = false
  /** Dials opened ahead of a query ({@link prefetch}), by peer: a query to that peer waits for it. */
  private readonly dialing = new Map<PeerId, Promise<void>>()
  /** Peers dialed ahead whose connection no query used yet (the first query counts it as dialed). */
  private readonly fresh = new Set<PeerId>()

  constructor(
    private readonly clock: Clock,
    private readonly network: DiscoveryNetwork,
    private readonly options: QueryConnectionsOptions,
  ) {}

  /** Connections held (in use or idle). */
  get size(): number {
    return this.held.size
  }

  /**
   * A connection to `peerId` for one query: the existing one, or a dial of each address in turn until one
   * proves `peerId` there. Call {@link release} when the query is done. Rejects with a {@link DiscoveryError}
   * whose `details.failure` is a {@link QueryFailure}.
   */
  async acquire(peerId: PeerId, addrs: readonly string[], signal: AbortSignal): Promise<Reached> {
    const dialingAhead = this.dialing.get(peerId)
    const waited0 = this.clock.now()
    if (dialingAhead !== undefined) await dialingAhead
    const existing = connectedPeer(this.network, peerId)
    if (existing !== undefined) {
      this.use(peerId)
      // a connection dialed ahead for this query counts as dialed (its cost overlapped other requests)
      const ahead = this.fresh.delete(peerId)
      const dialMs = ahead ? Math.max(1, this.clock.now() - waited0) : 0
      return { peer: existing, dialed: undefined, dialMs, waitMs: 0 }
    }
    if (addrs.length === 0) throw failure('unreachable', 'the node has no address')
    const waited = this.clock.now()
    await this.reserve(peerId, signal)
    const started = this.clock.now()
    let last: DiscoveryError | undefined
    try {
      for (const address of addrs) {
        if (signal.aborted) break
        try {
          const peer = await this.dialFreeingSlot(address, peerId, signal)
          if (peer.peerId !== peerId) {
            last = failure('unreachable', 'another peer answered at that address', { address })
            continue
          }
          // A connection that appeared meanwhile is handed back as it is: it proves no address of ours.
          const proved =
            peer.dialedAddress !== undefined && peer.dialedAddress === tryParseAddress(address)?.address
          return {
            peer,
            dialed: proved ? address : undefined,
            dialMs: Math.max(1, this.clock.now() - started),
            waitMs: started - waited,
          }
        } catch (err) {
          last = classifyDial(err, signal)
          if (last.details.failure === 'timeout') break
        }
      }
    } catch (err) {
      this.release(peerId)
      throw err
    }
    this.release(peerId)
    throw signal.aborted ? failure('timeout', 'no connection before the deadline') : (last as DiscoveryError)
  }

  /**
   * Holds a connection we opened outside {@link acquire} (an address dialed back to prove it) as an idle one,
   * so it is closed like the others.
   */
  adopt(peerId: PeerId): void {
    if (this.held.has(peerId) || this.stopped) return
    // over the bound: make room from an idle one, else close it like an idle one at once
    const idle = this.idlest(peerId)
    if (this.held.size >= this.options.max && idle !== undefined) this.drop(idle, true)
    this.held.set(peerId, { users: 1, idle: undefined })
    this.release(peerId)
  }

  /**
   * Opens a connection to `peerId` ahead of a query that will likely follow (a lookup candidate waiting for
   * a request slot), only if one may be held without waiting; the connection is then held idle. Failures are
   * left for the query to find out.
   */
  prefetch(peerId: PeerId, addrs: readonly string[], signal: AbortSignal): void {
    if (this.stopped || signal.aborted || addrs.length === 0 || this.held.has(peerId)) return
    if (connectedPeer(this.network, peerId) !== undefined) return
    if (this.held.size >= this.options.max) {
      const idle = this.idlest(peerId)
      if (idle === undefined) return
      this.drop(idle, true)
    }
    this.use(peerId)
    const task = (async () => {
      try {
        for (const address of addrs) {
          try {
            if ((await this.dialFreeingSlot(address, peerId, signal)).peerId === peerId) {
              this.fresh.add(peerId)
              return
            }
          } catch (err) {
            if (classifyDial(err, signal).details.failure === 'timeout') return
          }
        }
      } finally {
        this.dialing.delete(peerId)
        this.release(peerId)
      }
    })()
    this.dialing.set(peerId, task)
  }

  /** Ends one use of the connection to `peerId`; the last one starts its idle timer. */
  release(peerId: PeerId): void {
    const h = this.held.get(peerId)
    if (h === undefined) return
    h.users--
    if (h.users > 0) return
    if (this.stopped) {
      this.drop(peerId, false)
      return
    }
    h.idle = this.clock.setTimeout(() => this.drop(peerId, true), this.options.idleMs)
  }

  /** Closes every connection held, clears every timer, wakes every waiter and waits for dials ahead. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const peerId of [...this.held.keys()]) this.drop(peerId, true)
    for (const w of this.waiters.splice(0)) w()
    await Promise.allSettled([...this.dialing.values()])
  }

  /** The idle connection to close first: used longest ago, not `prefer`red if there is such one. */
  private idlest(except: PeerId): PeerId | undefined {
    let fallback: PeerId | undefined
    for (const [id, h] of this.held) {
      if (h.users > 0 || id === except) continue
      if (this.options.prefer?.(id) !== true) return id
      fallback ??= id
    }
    return fallback
  }

  /** Marks a use of `peerId`'s connection (most recently used last). */
  private use(peerId: PeerId): void {
    const h = this.held.get(peerId)
    if (h === undefined) {
      // only connections we open are held: an existing connection of someone else's is used as it is
      if (connectedPeer(this.network, peerId) !== undefined) return
      this.held.set(peerId, { users: 1, idle: undefined })
      return
    }
    this.clock.clearTimeout(h.idle)
    h.idle = undefined
    h.users++
    this.held.delete(peerId)
    this.held.set(peerId, h)
  }

  /**
   * Dials; when the network has no free slot of our kind (others share it: bootstrap dials, persistent
   * peers), closes our idle connection used longest ago and tries once more.
   */
  private async dialFreeingSlot(
    address: string,
    peerId: PeerId,
    signal: AbortSignal,
  ): Promise<DiscoveryPeer> {
    const dial = () => this.network.dial(address, { signal, kind: this.options.dialKind, peerId })
    try {
      return await dial()
    } catch (err) {
      const idle = this.idlest(peerId)
      if ((err as { code?: unknown }).code !== 'ERR_CONNECTION_LIMIT' || idle === undefined) throw err
      this.drop(idle, true)
      return await dial()
    }
  }

  /**
   * Waits until a new connection may be held (closing the connection idle longest, or waiting for a
   * release), then holds it for this query: checked and taken with no await in between, so queries started
   * together cannot all pass the bound.
   */
  private async reserve(peerId: PeerId, signal: AbortSignal): Promise<void> {
    while (!this.held.has(peerId) && this.held.size >= this.options.max) {
      if (this.stopped) throw new DiscoveryError('ERR_NOT_STARTED', 'the DHT stopped')
      const idle = this.idlest(peerId)
      if (idle !== undefined) {
        this.drop(idle, true)
        continue
      }
      if (this.waiters.length >= MAX_WAITERS)
        throw failure('busy', 'too many queries waiting for a connection')
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.waiters = this.waiters.filter((w) => w !== wake)
          reject(failure('busy', 'no query connection before the deadline'))
        }
        const wake = (): void => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
        if (signal.aborted) return onAbort()
        signal.addEventListener('abort', onAbort, { once: true })
        this.waiters.push(wake)
      })
    }
    this.use(peerId)
  }

  /** Forgets a held connection (closing it if asked and it is an outbound one of our kind); wakes a waiter. */
  private drop(peerId: PeerId, close: boolean): void {
    const h = this.held.get(peerId)
    if (h === undefined) return
    this.fresh.delete(peerId)
    this.clock.clearTimeout(h.idle)
    this.held.delete(peerId)
    this.waiters.shift()?.()
    if (!close) return
    const peer = connectedPeer(this.network, peerId)
    if (peer !== undefined && peer.direction === 'outbound' && peer.kind === this.options.dialKind) {
      this.network.disconnect(peerId, 'requested', 'DHT query connection idle').catch(() => undefined)
    }
  }
}

/** A {@link DiscoveryError} for a query that could not reach its node. */
export function failure(
  kind: QueryFailure,
  message: string,
  details: Record<string, unknown> = {},
): DiscoveryError {
  const code = kind === 'busy' ? 'ERR_BUSY' : kind === 'bad-reply' ? 'ERR_BAD_REPLY' : 'ERR_UNREACHABLE'
  return new DiscoveryError(code, message, { ...details, failure: kind })
}

/** The failure kind of an error a query ended with. */
export function failureOf(err: unknown, signal: AbortSignal): QueryFailure {
  if (DiscoveryError.isInstance(err)) {
    const kind = (err.details as { failure?: QueryFailure } | undefined)?.failure
    if (kind !== undefined) return kind
    if (err.code === 'ERR_BAD_REPLY') return 'bad-reply'
  }
  if (signal.aborted || TimeoutError.isInstance(err) || AbortError.isInstance(err)) return 'timeout'
  return 'request'
}

const REFUSED = new Set(['ERR_DIAL_BACKOFF', 'ERR_DIAL_DENIED', 'ERR_NO_TRANSPORT'])

function classifyDial(err: unknown, signal: AbortSignal): DiscoveryError {
  const code = (err as { code?: unknown } | undefined)?.code
  if (signal.aborted || code === 'ERR_DIAL_TIMEOUT') return failure('timeout', 'the dial timed out')
  if (code === 'ERR_CONNECTION_LIMIT') return failure('busy', 'no free network slot of our dial kind')
  if (typeof code === 'string' && REFUSED.has(code))
    return failure('refused', `the dial was refused (${code})`)
  return failure('unreachable', 'the dial failed', { cause: typeof code === 'string' ? code : 'error' })
}

import {
  AbortError,
  type Clock,
  deadline,
  type Logger,
  type Metrics,
  noopLogger,
  noopMetrics,
  type OptionSpec,
  option,
  type PeerId,
  systemClock,
  type TimerHandle,
} from '@chainwire/interface'
import type { Network, PeerInfo, RawConnection } from '@chainwire/network'
import type { MessageOf } from '@chainwire/protocol-codec'
import { NatError } from '../errors'
import { resolveNatOptions } from '../options'
import { withDirection } from '../relay/circuit-socket'
import type { PunchPort, PunchPortSource } from './punch-port'

/** Options of {@link HolePuncher}. */
export interface HolePuncherOptions {
  /** Attempts per upgrade before giving up and staying relayed. @default 3 */
  maxAttempts?: number
  /** Pause between attempts, in ms. @default 1_000 */
  retryDelayMs?: number
  /** How long the simultaneous connect may take (SYN retransmissions included). @default 5_000 */
  connectTimeoutMs?: number
  /** How long to wait for the peer's `connect` answer, or (as responder) for its `sync`. @default 10_000 */
  syncTimeoutMs?: number
  /** Upgrades (as initiator or responder) running at once at most; more are refused. @default 8 */
  maxConcurrent?: number
}

type Resolved = Required<HolePuncherOptions>

const spec: OptionSpec<Resolved> = {
  maxAttempts: option.integer(3, { min: 1, max: 10 }),
  retryDelayMs: option.integer(1_000, { min: 0 }),
  connectTimeoutMs: option.integer(5_000, { min: 1 }),
  syncTimeoutMs: option.integer(10_000, { min: 1 }),
  maxConcurrent: option.integer(8, { min: 1 }),
}

/** What the hole puncher uses from its node. */
export interface HolePuncherComponents {
  network: Pick<Network, 'handle' | 'send' | 'ping' | 'addConnection' | 'getPeer'>
  /** Where punch ports (and their mappings) come from. */
  ports: PunchPortSource
  /** Whether a connection to a peer is relayed (only those are upgraded). */
  isRelayed: (peer: PeerInfo) => boolean
  /** @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
  /** @default noopMetrics */
  metrics?: Metrics
}

/** Why a `hole_punch_sync` was ignored; counted in `holepunch_ignored_total`. */
export type IgnoredSync = 'not_relayed' | 'out_of_order' | 'replayed' | 'busy' | 'bad_address'

/** The result of a successful upgrade. */
export interface UpgradeResult {
  /** The peer over its new direct connection. */
  readonly peer: PeerInfo
  /** Which attempt succeeded (1 = the first). */
  readonly attempt: number
  /** Time from the start of the upgrade to the direct connection, in ms. */
  readonly timeToDirectMs: number
  /** The relayed round trip measured before the synchronised dial, in ms. */
  readonly rttMs: number
}

type Phase = 'awaiting-connect' | 'awaiting-sync' | 'dialing'

interface Attempt {
  readonly peerId: PeerId
  readonly role: 'initiator' | 'responder'
  phase: Phase
  port: PunchPort | undefined
  /** The peer's external addresses from its `connect`. */
  remote: string[] | undefined
  /** Initiator: resolves with the responder's addresses. */
  onConnect: ((addrs: string[]) => void) | undefined
  timer: TimerHandle | undefined
}

/**
 * TCP hole punching with DCUtR semantics over a relayed connection. The initiator (usually the peer that
 * accepted the relayed circuit) takes a punch port with a known mapping and sends `connect` with its
 * external address; the responder does the same and answers; the initiator measures the relayed round trip,
 * sends `sync` and dials half a round trip later, while the responder dials as soon as `sync` arrives: a TCP
 * simultaneous open through both NATs. Both ends then run Noise and hello over the direct connection (the
 * initiator as Noise initiator), which replaces the relayed one once it is up; on failure, at any point up to
 * then, the relayed connection stays and keeps working.
 * Attempts are bounded; sync messages out of order, replayed or from peers that are not relayed are ignored
 * and counted.
 */
export class HolePuncher {
  private readonly options: Resolved
  private readonly network: HolePuncherComponents['network']
  private readonly ports: PunchPortSource
  private readonly isRelayed: (peer: PeerInfo) => boolean
  private readonly clock: Clock
  private readonly log: Logger
  private readonly attempts = new Map<PeerId, Attempt>()
  private readonly punched = new Set<RawConnection>()
  private readonly metrics: {
    attempts: ReturnType<Metrics['counter']>
    outcomes: ReturnType<Metrics['counter']>
    ignored: ReturnType<Metrics['counter']>
    timeToDirect: ReturnType<Metrics['histogram']>
  }
  private unhandle: (() => void) | undefined

  constructor(components: HolePuncherComponents, options: HolePuncherOptions = {}) {
    this.options = resolveNatOptions(spec, options)
    this.network = components.network
    this.ports = components.ports
    this.isRelayed = components.isRelayed
    this.clock = components.clock ?? systemClock
    this.log = (components.logger ?? noopLogger).child({ component: 'hole-puncher' })
    const m = components.metrics ?? noopMetrics
    this.metrics = {
      attempts: m.counter({
        name: 'holepunch_attempts_total',
        help: 'hole punch attempts',
        labelNames: ['role'],
      }),
      outcomes: m.counter({
        name: 'holepunch_upgrades_total',
        help: 'upgrades from relayed to direct, by outcome (direct or fallback to the relay)',
        labelNames: ['outcome'],
      }),
      ignored: m.counter({
        name: 'holepunch_ignored_total',
        help: 'hole_punch_sync messages ignored',
        labelNames: ['reason'],
      }),
      timeToDirect: m.histogram({
        name: 'holepunch_time_to_direct_ms',
        help: 'time from upgrade start to a direct connection',
      }),
    }
  }

  start(): void {
    if (this.unhandle !== undefined) return
    // Never awaited by the network: an upgrade closes the very connection the message came on.
    this.unhandle = this.network.handle('hole_punch_sync', (message, peer) => {
      void this.onSync(message, peer)
    })
  }

  stop(): void {
    this.unhandle?.()
    this.unhandle = undefined
    for (const a of this.attempts.values()) this.finish(a)
    this.attempts.clear()
    for (const c of this.punched) c.close()
    this.punched.clear()
  }

  /**
   * Upgrades a relayed connection to a direct one. Call it on one side only: the peer that accepted the
   * circuit (DCUtR), as `NatTraversal` does; the other answers. Resolves with the direct connection;
   * rejects with `ERR_HOLE_PUNCH_FAILED` once every attempt failed (the relayed connection is left as it was).
   */
  async upgrade(peerId: PeerId, options: { signal?: AbortSignal } = {}): Promise<UpgradeResult> {
    const peer = this.network.getPeer(peerId)
    if (peer === undefined || !this.isRelayed(peer)) {
      throw new NatError('ERR_HOLE_PUNCH_FAILED', 'not connected to the peer over a relay', {
        peerId,
        reason: 'not_relayed',
      })
    }
    if (this.attempts.has(peerId) || this.attempts.size >= this.options.maxConcurrent) {
      throw new NatError('ERR_HOLE_PUNCH_FAILED', 'an upgrade is already running', { peerId, reason: 'busy' })
    }
    const started = this.clock.now()
    let last: unknown
    for (let n = 1; n <= this.options.maxAttempts; n++) {
      if (n > 1) await this.clock.sleep(this.options.retryDelayMs, options.signal)
      this.metrics.attempts.inc(1, { role: 'initiator' })
      try {
        const { peer: direct, rttMs } = await this.attemptAsInitiator(peerId, options.signal)
        const timeToDirectMs = this.clock.now() - started
        this.metrics.outcomes.inc(1, { outcome: 'direct' })
        this.metrics.timeToDirect.observe(timeToDirectMs)
        return { peer: direct, attempt: n, timeToDirectMs, rttMs }
      } catch (err) {
        last = err
        this.log.debug({ err, attempt: n, peerId }, 'hole punch attempt failed')
        if (AbortError.isInstance(err) || this.network.getPeer(peerId) === undefined) break
      }
    }
    this.metrics.outcomes.inc(1, { outcome: 'fallback' })
    throw new NatError(
      'ERR_HOLE_PUNCH_FAILED',
      `no direct connection to ${peerId} after ${this.options.maxAttempts} attempts; staying relayed`,
      { peerId, reason: 'attempts_exhausted' },
      { cause: last },
    )
  }

  private async attemptAsInitiator(
    peerId: PeerId,
    signal: AbortSignal | undefined,
  ): Promise<{ peer: PeerInfo; rttMs: number }> {
    const attempt: Attempt = {
      peerId,
      role: 'initiator',
      phase: 'awaiting-connect',
      port: undefined,
      remote: undefined,
      onConnect: undefined,
      timer: undefined,
    }
    this.attempts.set(peerId, attempt)
    try {
      attempt.port = await this.ports.acquire({ signal })
      const answered = new Promise<string[]>((resolve, reject) => {
        attempt.onConnect = resolve
        attempt.timer = this.clock.setTimeout(
          () =>
            reject(new NatError('ERR_HOLE_PUNCH_FAILED', 'no connect answer', { peerId, reason: 'timeout' })),
          this.options.syncTimeoutMs,
        )
      })
      await this.network.send(peerId, {
        type: 'hole_punch_sync',
        data: { phase: 'connect', addrs: [attempt.port.external] },
      })
      const remote = await answered
      this.clock.clearTimeout(attempt.timer)
      const rttMs = await this.network.ping(peerId, { signal })
      attempt.phase = 'dialing'
      await this.network.send(peerId, { type: 'hole_punch_sync', data: { phase: 'sync', addrs: [] } })
      await this.clock.sleep(rttMs / 2, signal)
      const conn = await this.punch(attempt.port, remote, signal)
      return { peer: await this.migrate(peerId, conn, 'outbound'), rttMs }
    } finally {
      this.finish(attempt)
    }
  }

  private async onSync(message: MessageOf<'hole_punch_sync'>, peer: PeerInfo): Promise<void> {
    const { phase, addrs } = message.data
    const attempt = this.attempts.get(peer.peerId)
    if (phase === 'connect') {
      if (
        attempt?.role === 'initiator' &&
        attempt.phase === 'awaiting-connect' &&
        attempt.onConnect !== undefined
      ) {
        if (!this.validAddrs(addrs)) return this.ignore('bad_address')
        const resolve = attempt.onConnect
        attempt.onConnect = undefined
        resolve(addrs)
        return
      }
      if (attempt !== undefined) return this.ignore('replayed')
      if (!this.isRelayed(peer)) return this.ignore('not_relayed')
      if (!this.validAddrs(addrs)) return this.ignore('bad_address')
      if (this.attempts.size >= this.options.maxConcurrent) return this.ignore('busy')
      await this.respond(peer.peerId, addrs)
      return
    }
    // sync: only meaningful to a responder that answered a connect and waits for it.
    if (attempt?.role !== 'responder' || attempt.phase !== 'awaiting-sync') return this.ignore('out_of_order')
    attempt.phase = 'dialing'
    this.clock.clearTimeout(attempt.timer)
    try {
      const conn = await this.punch(attempt.port as PunchPort, attempt.remote as string[], undefined)
      await this.migrate(peer.peerId, conn, 'inbound')
      this.metrics.outcomes.inc(1, { outcome: 'direct' })
    } catch (err) {
      this.log.debug({ err, peerId: peer.peerId }, 'hole punch (responder) failed')
    } finally {
      this.finish(attempt)
    }
  }

  private async respond(peerId: PeerId, remote: string[]): Promise<void> {
    const attempt: Attempt = {
      peerId,
      role: 'responder',
      phase: 'awaiting-sync',
      port: undefined,
      remote,
      onConnect: undefined,
      timer: undefined,
    }
    this.attempts.set(peerId, attempt)
    this.metrics.attempts.inc(1, { role: 'responder' })
    try {
      attempt.port = await this.ports.acquire({})
      await this.network.send(peerId, {
        type: 'hole_punch_sync',
        data: { phase: 'connect', addrs: [attempt.port.external] },
      })
      attempt.timer = this.clock.setTimeout(() => this.finish(attempt), this.options.syncTimeoutMs)
    } catch (err) {
      this.log.debug({ err, peerId }, 'cannot answer a hole punch')
      this.finish(attempt)
    }
  }

  /** The simultaneous open from the punch port, within `connectTimeoutMs`. */
  private async punch(
    port: PunchPort,
    remote: string[],
    signal: AbortSignal | undefined,
  ): Promise<RawConnection> {
    const timer = deadline(this.clock, this.options.connectTimeoutMs, signal, 'hole punch')
    try {
      const conn = await port.connect(remote, timer.signal)
      this.punched.add(conn)
      conn.stream.once('close', () => this.punched.delete(conn))
      return conn
    } catch (err) {
      if (NatError.isInstance(err)) throw err
      throw new NatError(
        'ERR_HOLE_PUNCH_FAILED',
        'the simultaneous open did not connect',
        { reason: 'no_connection' },
        { cause: err },
      )
    } finally {
      timer.clear()
    }
  }

  /**
   * Moves the peer to the direct connection: Noise and hello run over it while the relayed connection keeps
   * carrying traffic; once the handshake completes, the direct connection replaces the relayed one on both
   * ends (`replace`, no duplicate resolution, no disconnect in between). A handshake that fails leaves the
   * relayed connection as it was.
   */
  private migrate(peerId: PeerId, conn: RawConnection, direction: 'inbound' | 'outbound'): Promise<PeerInfo> {
    return this.network.addConnection(withDirection(conn, direction), {
      ...(direction === 'outbound' ? { peerId } : {}),
      replace: true,
    })
  }

  private finish(attempt: Attempt): void {
    this.clock.clearTimeout(attempt.timer)
    attempt.port?.release()
    attempt.port = undefined
    if (this.attempts.get(attempt.peerId) === attempt) this.attempts.delete(attempt.peerId)
  }

  private ignore(reason: IgnoredSync): void {
    this.metrics.ignored.inc(1, { reason })
  }

  private validAddrs(addrs: readonly string[]): boolean {
    return addrs.length > 0 && addrs.every((a) => this.ports.accepts(a))
  }
}

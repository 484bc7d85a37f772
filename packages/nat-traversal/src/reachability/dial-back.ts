import { randomInt } from 'node:crypto'
import {
  type Clock,
  deadline,
  LruMap,
  type Metrics,
  networkGroup,
  noopMetrics,
  type OptionSpec,
  option,
  type PeerId,
  systemClock,
  TokenBucket,
  tryParseAddress,
} from '@chainwire/interface'
import {
  createTcpTransport,
  type Identity,
  type Network,
  type PeerInfo,
  secureOutbound,
  type Transport,
} from '@chainwire/network'
import type { DialBackStatus, Message, MessageOf } from '@chainwire/protocol-codec'
import { resolveNatOptions } from '../options'

/** Options of {@link DialBackServer}. */
export interface DialBackServerOptions {
  /** Dial-backs running at once at most; more are answered `rate_limited`. @default 8 */
  maxConcurrent?: number
  /** Dial-back requests per peer per second (token bucket rate). @default 0.1 */
  ratePerPeer?: number
  /** Dial-back requests per peer in a burst. @default 3 */
  burstPerPeer?: number
  /** Peers whose request rate is tracked at most. @default 1_024 */
  maxTrackedPeers?: number
  /** Deadline of one dial-back (connect plus the Noise messages that prove the peer id). @default 5_000 */
  dialTimeoutMs?: number
}

const serverSpec: OptionSpec<Required<DialBackServerOptions>> = {
  maxConcurrent: option.integer(8, { min: 1 }),
  ratePerPeer: option.number(0.1, { min: 0 }),
  burstPerPeer: option.integer(3, { min: 1 }),
  maxTrackedPeers: option.integer(1_024, { min: 1 }),
  dialTimeoutMs: option.integer(5_000, { min: 1 }),
}

/** What the dial-back server uses from its node. */
export interface DialBackServerComponents {
  network: Pick<Network, 'handle' | 'networkId'>
  /** Our identity, for the Noise handshake of the dial-back (which stops once the peer proved its id). */
  identity: Identity
  /** How dial-backs connect. @default a TCP transport */
  transport?: Transport
  /** @default systemClock */
  clock?: Clock
  /** @default noopMetrics */
  metrics?: Metrics
}

/**
 * Serves reachability checks (AutoNAT v2 semantics): dials the requester back at an address it names and
 * answers whether the dial reached it. The dial runs the Noise handshake until the far end has proved the
 * requester's peer id, so a success means that address really reaches that peer (the nonce cannot be
 * forged by anyone else on the path). Only addresses on the IP the request came from are dialed: a dial to
 * any other host would let a peer aim our traffic at a third party, so such requests are `refused`
 * (the 30-100 kB "amplification payment" of AutoNAT v2 has no message in chainwire's catalog yet).
 * Requests are rate-limited per peer and in total.
 */
export class DialBackServer {
  private readonly options: Required<DialBackServerOptions>
  private readonly components: DialBackServerComponents
  private readonly clock: Clock
  private readonly transport: Transport
  private readonly buckets: LruMap<PeerId, TokenBucket>
  private readonly outcomes
  private running = 0
  private unhandle: (() => void) | undefined

  constructor(components: DialBackServerComponents, options: DialBackServerOptions = {}) {
    this.options = resolveNatOptions(serverSpec, options)
    this.components = components
    this.clock = components.clock ?? systemClock
    this.transport = components.transport ?? createTcpTransport()
    this.buckets = new LruMap(this.options.maxTrackedPeers)
    this.outcomes = (components.metrics ?? noopMetrics).counter({
      name: 'autonat_dial_backs_total',
      help: 'dial-back requests served, by status',
      labelNames: ['status'],
    })
  }

  start(): void {
    if (this.unhandle !== undefined) return
    this.unhandle = this.components.network.handle('dial_back_request', (message, peer) =>
      this.serve(message, peer),
    )
  }

  stop(): void {
    this.unhandle?.()
    this.unhandle = undefined
  }

  /** Answers one request. */
  async serve(message: MessageOf<'dial_back_request'>, peer: PeerInfo): Promise<Message> {
    const status = await this.dialBack(message, peer)
    this.outcomes.inc(1, { status: status.status })
    return { type: 'dial_back_response', data: status }
  }

  private async dialBack(
    message: MessageOf<'dial_back_request'>,
    peer: PeerInfo,
  ): Promise<{ status: DialBackStatus; addr?: string }> {
    let bucket = this.buckets.get(peer.peerId)
    if (bucket === undefined) {
      bucket = new TokenBucket(this.clock, {
        rate: this.options.ratePerPeer,
        burst: this.options.burstPerPeer,
      })
      this.buckets.set(peer.peerId, bucket)
    }
    if (!bucket.take() || this.running >= this.options.maxConcurrent) return { status: 'rate_limited' }
    const parsed = message.data.addrs.map((a) => tryParseAddress(a))
    if (parsed.some((p) => p === undefined || p.scheme !== 'tcp')) return { status: 'bad_request' }
    const target = parsed.find((p) => p?.host === peer.remoteHost)
    if (target === undefined) return { status: 'refused' }
    this.running++
    const timer = deadline(this.clock, this.options.dialTimeoutMs, undefined, 'dial-back')
    try {
      const raw = await this.transport.dial(target.address, { signal: timer.signal })
      try {
        await secureOutbound(raw, {
          identity: this.components.identity,
          networkId: this.components.network.networkId,
          clock: this.clock,
          handshakeTimeoutMs: this.options.dialTimeoutMs,
          expectedPeerId: peer.peerId,
          signal: timer.signal,
        })
      } finally {
        raw.close()
      }
      return { status: 'ok', addr: target.address }
    } catch {
      return { status: 'dial_failed' }
    } finally {
      timer.clear()
      this.running--
    }
  }
}

/** Options of {@link ReachabilityChecker}. */
export interface ReachabilityOptions {
  /** Peers asked per check at most. @default 6 */
  maxServers?: number
  /** Peers of one network group asked per check at most (one operator gets one vote). @default 1 */
  maxServersPerGroup?: number
  /** Agreeing answers needed to call an address reachable or unreachable (AutoNAT: more than 3). @default 4 */
  confirmations?: number
  /** Deadline of each request. @default 10_000 */
  timeoutMs?: number
}

const checkerSpec: OptionSpec<Required<ReachabilityOptions>> = {
  maxServers: option.integer(6, { min: 1, max: 32 }),
  maxServersPerGroup: option.integer(1, { min: 1 }),
  confirmations: option.integer(4, { min: 1 }),
  timeoutMs: option.integer(10_000, { min: 1 }),
}

/** The verdict on one address. */
export type ReachabilityStatus = 'reachable' | 'unreachable' | 'unknown'

/** The result of {@link ReachabilityChecker.check}. */
export interface ReachabilityResult {
  readonly address: string
  readonly status: ReachabilityStatus
  /** Answers by status (`ok` and `dial_failed` are the votes; the others do not count). */
  readonly answers: Readonly<Record<DialBackStatus | 'no_answer', number>>
}

/**
 * Asks connected peers to dial us back at an address (AutoNAT v2 semantics) and calls it reachable or
 * unreachable once `confirmations` peers from distinct network groups agree; `unknown` otherwise. Relayed
 * peers are never asked (their dial-back would test the relay's view).
 */
export class ReachabilityChecker {
  private readonly options: Required<ReachabilityOptions>
  private readonly network: Pick<Network, 'peers' | 'request'>
  private readonly isRelayed: (peer: PeerInfo) => boolean

  constructor(
    components: { network: Pick<Network, 'peers' | 'request'>; isRelayed?: (peer: PeerInfo) => boolean },
    options: ReachabilityOptions = {},
  ) {
    this.options = resolveNatOptions(checkerSpec, options)
    this.network = components.network
    this.isRelayed = components.isRelayed ?? (() => false)
  }

  async check(address: string, options: { signal?: AbortSignal } = {}): Promise<ReachabilityResult> {
    const perGroup = new Map<string, number>()
    const servers: PeerInfo[] = []
    for (const peer of this.network.peers()) {
      if (servers.length >= this.options.maxServers) break
      if (this.isRelayed(peer)) continue
      const group = networkGroup(peer.remoteHost) ?? peer.remoteHost
      const n = perGroup.get(group) ?? 0
      if (n >= this.options.maxServersPerGroup) continue
      perGroup.set(group, n + 1)
      servers.push(peer)
    }
    const answers: Record<DialBackStatus | 'no_answer', number> = {
      ok: 0,
      dial_failed: 0,
      refused: 0,
      bad_request: 0,
      rate_limited: 0,
      no_answer: 0,
    }
    await Promise.all(
      servers.map(async (peer) => {
        try {
          const answer = await this.network.request(
            peer.peerId,
            { type: 'dial_back_request', data: { addrs: [address], nonce: randomInt(2 ** 48 - 1) } },
            { timeoutMs: this.options.timeoutMs, signal: options.signal },
          )
          if (answer.type === 'dial_back_response') answers[answer.data.status]++
          else answers.no_answer++
        } catch {
          answers.no_answer++
        }
      }),
    )
    const status: ReachabilityStatus =
      answers.ok >= this.options.confirmations
        ? 'reachable'
        : answers.dial_failed >= this.options.confirmations
          ? 'unreachable'
          : 'unknown'
    return { address, status, answers }
  }
}

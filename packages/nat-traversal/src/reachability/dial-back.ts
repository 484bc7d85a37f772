import { randomInt } from 'node:crypto'
import {
  type Clock,
  deadline,
  formatHost,
  isRoutable,
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
import { type DialBackStatus, LIMITS, type Message, type MessageOf } from '@chainwire/protocol-codec'
import { NatError } from '../errors'
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
  /**
   * Fewest bytes of payment asked before dialing an address that is not on the requester's IP (each ask
   * draws from `minPaymentBytes` to `maxPaymentBytes`, as AutoNAT v2 does). @default 30_000
   */
  minPaymentBytes?: number
  /** Most bytes of payment asked. @default 100_000 */
  maxPaymentBytes?: number
}

const serverSpec: OptionSpec<Required<DialBackServerOptions>> = {
  maxConcurrent: option.integer(8, { min: 1 }),
  ratePerPeer: option.number(0.1, { min: 0 }),
  burstPerPeer: option.integer(3, { min: 1 }),
  maxTrackedPeers: option.integer(1_024, { min: 1 }),
  dialTimeoutMs: option.integer(5_000, { min: 1 }),
  minPaymentBytes: option.integer(30_000, { min: 1, max: LIMITS.maxDialBackPaymentBytes }),
  maxPaymentBytes: option.integer(100_000, { min: 1, max: LIMITS.maxDialBackPaymentBytes }),
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
 * forged by anyone else on the path). An address on the IP the request came from is dialed at once. Any other
 * address would let a peer aim our traffic at a third party, so, as in AutoNAT v2, the server first answers
 * `payment_required` with an amount drawn from 30-100 kB and dials only when the request comes again with that
 * many bytes of payment: an attacker pays more than the dial costs the victim. A non-routable address on
 * another IP (the server's own LAN) is `refused` unless the requester itself is on a non-routable address.
 * Requests are rate-limited per peer and in total.
 */
export class DialBackServer {
  private readonly options: Required<DialBackServerOptions>
  private readonly components: DialBackServerComponents
  private readonly clock: Clock
  private readonly transport: Transport
  private readonly buckets: LruMap<PeerId, TokenBucket>
  /** `peerId nonce` to the payment asked for that request. */
  private readonly asked: LruMap<string, number>
  private readonly outcomes
  private running = 0
  private unhandle: (() => void) | undefined

  constructor(components: DialBackServerComponents, options: DialBackServerOptions = {}) {
    this.options = resolveNatOptions(serverSpec, options)
    this.components = components
    this.clock = components.clock ?? systemClock
    this.transport = components.transport ?? createTcpTransport()
    this.buckets = new LruMap(this.options.maxTrackedPeers)
    this.asked = new LruMap(this.options.maxTrackedPeers)
    if (this.options.minPaymentBytes > this.options.maxPaymentBytes) {
      throw new NatError('ERR_INVALID_OPTIONS', 'minPaymentBytes is above maxPaymentBytes', {
        option: 'minPaymentBytes',
      })
    }
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
  ): Promise<{ status: DialBackStatus; addr?: string; paymentBytes?: number }> {
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
    let target = parsed.find((p) => p?.host === peer.remoteHost)
    if (target === undefined) {
      const requesterRoutable = tryParseAddress(`tcp://${formatHost(peer.remoteHost)}:1`)
      const other = parsed.find(
        (p) =>
          p !== undefined &&
          p.hostKind !== 'dns' &&
          (isRoutable(p) || (requesterRoutable !== undefined && !isRoutable(requesterRoutable))),
      )
      if (other === undefined) return { status: 'refused' }
      const key = `${peer.peerId} ${message.data.nonce}`
      const asked = this.asked.get(key)
      const paid = message.data.payment?.byteLength ?? 0
      if (asked === undefined || paid < asked) {
        const amount = asked ?? randomInt(this.options.minPaymentBytes, this.options.maxPaymentBytes + 1)
        this.asked.set(key, amount)
        return { status: 'payment_required', paymentBytes: amount }
      }
      this.asked.delete(key)
      target = other
    }
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
  /**
   * Most payment we send when a server asks for one (an address not on the IP it sees us at); a server
   * asking more gets no vote. @default 100_000
   */
  maxPaymentBytes?: number
}

const checkerSpec: OptionSpec<Required<ReachabilityOptions>> = {
  maxServers: option.integer(6, { min: 1, max: 32 }),
  maxServersPerGroup: option.integer(1, { min: 1 }),
  confirmations: option.integer(4, { min: 1 }),
  timeoutMs: option.integer(10_000, { min: 1 }),
  maxPaymentBytes: option.integer(100_000, { min: 0, max: LIMITS.maxDialBackPaymentBytes }),
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
      payment_required: 0,
      no_answer: 0,
    }
    await Promise.all(
      servers.map(async (peer) => {
        try {
          const nonce = randomInt(2 ** 48 - 1)
          const ask = (payment?: Uint8Array) =>
            this.network.request(
              peer.peerId,
              {
                type: 'dial_back_request',
                data: { addrs: [address], nonce, ...(payment === undefined ? {} : { payment }) },
              },
              { timeoutMs: this.options.timeoutMs, signal: options.signal },
            )
          let answer = await ask()
          // AutoNAT v2: an address the server does not see us at costs a payment first.
          const owed = answer.type === 'dial_back_response' ? answer.data.paymentBytes : undefined
          if (
            answer.type === 'dial_back_response' &&
            answer.data.status === 'payment_required' &&
            owed !== undefined &&
            owed <= this.options.maxPaymentBytes
          ) {
            answer = await ask(new Uint8Array(Math.max(1, owed)))
          }
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

import type { PeerId } from '@chainwire/interface'
import { type BlockHeader, LIMITS } from '@chainwire/protocol-codec'
import { equalBytes } from '../bytes'
import type { SyncContext } from '../context'
import type { SyncPeer } from '../peers'
import { HeadersPresync } from './presync'

/** Why a header session ended (for logs and tests). */
type SessionEnd = 'done' | 'aborted' | 'failed'

/** What a header session carries from one request to the next: small, whatever the peer sends. */
interface Session {
  locator: Uint8Array[]
  presync: HeadersPresync | undefined
}

/**
 * Header-first sync: asks peers that show more work than our header tip for headers after our locator
 * (2,000 per answer), checks that they link, follows the most-work chain through the ledger, and sends
 * chains below the minimum work through {@link HeadersPresync} so that nothing of them is stored before
 * they prove enough work. Several peers are asked at once (`maxHeaderSyncPeers`).
 */
export class HeaderSync {
  private readonly sessions = new Map<PeerId, AbortController>()
  /** Presync state of the sessions in presync, for memory accounting. */
  private readonly presyncs = new Map<PeerId, HeadersPresync>()

  constructor(private readonly ctx: SyncContext) {}

  /** Sessions running now. */
  get active(): number {
    return this.sessions.size
  }

  /** Presync states held now (one per peer in presync). */
  presyncStates(): IterableIterator<HeadersPresync> {
    return this.presyncs.values()
  }

  /** Starts sessions with peers that show more work than our best header, up to the limit. */
  fill(): void {
    const tipWork = this.ctx.chain.bestHeader().work
    for (const peer of this.ctx.peers.all()) {
      if (this.sessions.size >= this.ctx.options.maxHeaderSyncPeers) return
      if (peer.headerSession || peer.headersDone || peer.claimedWork <= tipWork) continue
      this.start(peer)
    }
  }

  /** Asks one peer for headers now (after it announced a block we do not know), if a slot is free. */
  poke(peer: SyncPeer): void {
    peer.headersDone = false
    if (!peer.headerSession && this.sessions.size < this.ctx.options.maxHeaderSyncPeers) this.start(peer)
  }

  /** Ends the session with a peer (it disconnected). */
  stop(peerId: PeerId): void {
    this.sessions.get(peerId)?.abort()
    this.sessions.delete(peerId)
    this.presyncs.delete(peerId)
  }

  /** Ends every session. */
  stopAll(): void {
    for (const c of this.sessions.values()) c.abort()
    this.sessions.clear()
    this.presyncs.clear()
  }

  private start(peer: SyncPeer): void {
    const controller = new AbortController()
    this.sessions.set(peer.peerId, controller)
    peer.headerSession = true
    void this.run(peer, controller.signal)
      .catch((err: unknown) => {
        this.ctx.logger.debug({ err, peerId: peer.peerId }, 'header session failed')
        return 'failed' as SessionEnd
      })
      .then((end) => {
        peer.headerSession = false
        if (end !== 'aborted') peer.headersDone = true
        if (this.sessions.get(peer.peerId) === controller) this.sessions.delete(peer.peerId)
        this.presyncs.delete(peer.peerId)
        this.ctx.wake()
      })
  }

  private async run(peer: SyncPeer, signal: AbortSignal): Promise<SessionEnd> {
    const session: Session = { locator: this.ctx.chain.locator(), presync: undefined }
    for (;;) {
      if (signal.aborted) return 'aborted'
      const end = await this.round(peer, session, signal)
      if (end !== undefined) return end
    }
  }

  /**
   * One `get_headers` and what its answer leads to: the end of the session, or undefined to go on with
   * `session.locator`. The answer lives only in this call, so nothing of it is held while the next request is
   * in flight (a flooding peer costs at most one batch while it is checked, and its presync state).
   */
  private async round(
    peer: SyncPeer,
    session: Session,
    signal: AbortSignal,
  ): Promise<SessionEnd | undefined> {
    const { chain, network, options, stats } = this.ctx
    let headers: BlockHeader[]
    try {
      const answer = await network.request(
        peer.peerId,
        { type: 'get_headers', data: { locator: session.locator } },
        { timeoutMs: options.headersTimeoutMs, signal },
      )
      if (answer.type !== 'headers') return 'failed'
      headers = answer.data.headers
    } catch (err) {
      // a timeout is reported by network itself; other failures (disconnect, busy) are not the peer's fault
      this.ctx.logger.debug({ err, peerId: peer.peerId }, 'get_headers failed')
      return signal.aborted ? 'aborted' : 'failed'
    }
    if (signal.aborted) return 'aborted'
    stats.headersReceived += headers.length
    const full = headers.length >= LIMITS.maxHeadersPerMessage
    const hashes = this.linkedHashes(peer, headers)
    if (hashes === undefined) return 'failed'

    const presync = session.presync
    if (presync !== undefined) {
      if (presync.phase === 'presync') stats.headersPresynced += headers.length
      const step = presync.process(headers, hashes, full)
      if (step.kind === 'continue') {
        session.locator = step.locator
        return undefined
      }
      if (step.kind === 'abort') {
        stats.presyncAborted++
        return 'done'
      }
      if (step.kind === 'invalid') {
        stats.presyncAborted++
        this.ctx.report(peer.peerId, 'invalid-message', step.detail)
        return 'failed'
      }
      if (step.headers.length > 0 && !(await this.store(peer, step.headers))) return 'failed'
      if (step.locator !== undefined) {
        session.locator = step.locator
        return undefined
      }
      this.presyncs.delete(peer.peerId)
      session.presync = undefined
      const last = step.headers[step.headers.length - 1]
      session.locator = last !== undefined ? chain.locator(chain.headerHash(last)) : chain.locator()
      return undefined
    }

    if (headers.length === 0) return 'done'
    let first = 0
    while (first < headers.length && chain.hasHeader(hashes[first] as Uint8Array)) first++
    if (first === headers.length) {
      const known = chain.headerPoint(hashes[first - 1] as Uint8Array)
      if (known !== undefined) peer.showed(known.work, known.height)
      if (!full) return 'done'
      session.locator = chain.locator(hashes[first - 1])
      return undefined
    }
    const parent = chain.headerPoint((headers[first] as BlockHeader).prevHash)
    if (parent === undefined) {
      peer.unconnecting++
      if (peer.unconnecting > options.maxUnconnectingHeaders) {
        this.ctx.report(peer.peerId, 'invalid-message', 'headers do not connect to our chain')
        return 'failed'
      }
      session.locator = chain.locator()
      return undefined
    }
    const fresh = headers.slice(first)
    const freshHashes = hashes.slice(first)
    let work = parent.work
    let prev: { hash: Uint8Array; height: number } = parent
    for (const [i, h] of fresh.entries()) {
      const hash = freshHashes[i] as Uint8Array
      const checked = chain.checkHeaderLink(h, prev, hash)
      if ('invalid' in checked) {
        this.ctx.report(peer.peerId, 'bad-block', `invalid header: ${checked.invalid}`)
        return 'failed'
      }
      work += checked.work
      prev = { hash, height: h.height }
    }
    const threshold = antiDosThreshold(chain.minimumChainWork, chain.tip().work)
    if (work <= threshold) {
      if (!full) return 'done' // a chain with less work than ours that ends here: nothing to store
      const started = new HeadersPresync(
        chain,
        parent,
        threshold + 1n,
        {
          commitmentPeriod: options.presyncCommitmentPeriod,
          redownloadBuffer: options.presyncRedownloadBuffer,
          maxHeaders: options.presyncMaxHeaders,
        },
        this.ctx.random,
      )
      session.presync = started
      this.presyncs.set(peer.peerId, started)
      stats.headersPresynced += fresh.length
      const step = started.process(fresh, freshHashes, full)
      if (step.kind === 'continue') {
        session.locator = step.locator
        return undefined
      }
      stats.presyncAborted++
      if (step.kind === 'invalid') this.ctx.report(peer.peerId, 'invalid-message', step.detail)
      return 'done'
    }
    if (!(await this.store(peer, fresh))) return 'failed'
    if (!full) return 'done'
    session.locator = chain.locator(hashes[hashes.length - 1])
    return undefined
  }

  /** The hashes of a batch, or undefined (peer reported) when the headers do not link to each other. */
  private linkedHashes(peer: SyncPeer, headers: readonly BlockHeader[]): Uint8Array[] | undefined {
    const hashes: Uint8Array[] = []
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i] as BlockHeader
      if (i > 0) {
        const prev = headers[i - 1] as BlockHeader
        if (h.height !== prev.height + 1 || !equalBytes(h.prevHash, hashes[i - 1] as Uint8Array)) {
          this.ctx.report(peer.peerId, 'invalid-message', 'headers do not link to each other')
          return undefined
        }
      }
      hashes.push(this.ctx.chain.headerHash(h))
    }
    return hashes
  }

  /**
   * Hands headers to the chain; false when one is refused (the peer reported when the refusal is its fault:
   * a header whose timestamp is a little ahead of our clock, or a fork beyond our bounds, is not).
   */
  private async store(peer: SyncPeer, headers: readonly BlockHeader[]): Promise<boolean> {
    const { chain, stats } = this.ctx
    const result = await chain.acceptHeaders(headers)
    stats.headersAccepted += result.accepted
    const lastAccepted = headers[result.accepted - 1]
    if (lastAccepted !== undefined) {
      const point = chain.headerPoint(chain.headerHash(lastAccepted))
      if (point !== undefined) peer.showed(point.work, point.height)
    }
    this.ctx.wake()
    if (result.invalid !== undefined) {
      if (result.invalid.penalty) {
        this.ctx.report(peer.peerId, 'bad-block', `invalid header: ${result.invalid.code}`)
      }
      return false
    }
    return true
  }
}

/** The work a header chain must exceed to be stored at once: the configured minimum or our tip's work. */
export function antiDosThreshold(minimumChainWork: bigint, tipWork: bigint): bigint {
  return minimumChainWork > tipWork ? minimumChainWork - 1n : tipWork
}

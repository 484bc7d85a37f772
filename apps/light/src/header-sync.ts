import { equalBytes, toHex } from '@chainwire/chain'
import { RequestError } from '@chainwire/network'
import { type BlockHeader, LIMITS, type Message } from '@chainwire/protocol-codec'
import type { LightContext } from './context'
import type { LightPeer } from './peers'

/** A `get_headers` in flight: to whom, with which locator. */
interface Asked {
  from: LightPeer
  locator: Uint8Array[]
  answer: Promise<Message>
}

/**
 * Header-first sync of a light client: asks each full node for the headers after our block locator (2,000
 * per answer), hands them to the header chain (proof of work, difficulty, time rules, most work), and keeps
 * what each peer served so the verified tip can be cross-checked between peers. A peer is banned for
 * headers that fail validation, answers that never connect, a chain with less work than its hello claimed,
 * a chain without the checkpoint, or a `get_headers` it leaves unanswered (a stall).
 */
export class LightHeaderSync {
  private readonly running = new Set<Promise<void>>()
  /** The peer downloading the bulk of the headers, while we are far behind. */
  private leader: { peer: LightPeer; done: Promise<void> } | undefined
  /** Turns of the rotation of header requests over peers. */
  private turn = 0

  constructor(private readonly ctx: LightContext) {}

  /** Starts (or queues another) header round with a peer. */
  poke(peer: LightPeer): void {
    if (peer.syncing) {
      peer.again = true
      return
    }
    peer.syncing = true
    const run = this.run(peer)
      .catch((err: unknown) => this.ctx.logger.debug({ err, peerId: peer.peerId }, 'header round failed'))
      .finally(() => {
        peer.syncing = false
        this.running.delete(run)
      })
    this.running.add(run)
  }

  /** Resolves when every round in flight has ended (after `stop()` aborted them). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }

  private async run(peer: LightPeer): Promise<void> {
    // Far behind, one peer downloads the bulk of the headers and the others wait, then only confirm what
    // it served (a few headers each): every header is hashed and checked once, not once per peer.
    // Meanwhile each of them confirms the leader's progress (one header per new tip), so the tip is verified
    // as it grows rather than at the end.
    while (this.leader !== undefined && this.leader.peer !== peer && this.far(peer)) {
      const leader = this.leader
      await Promise.race([leader.done, new Promise((resolve) => this.ctx.chain.once('tip', resolve))])
      if (this.leader === leader && !(await this.confirm(peer))) return
    }
    let release: (() => void) | undefined
    if (this.leader === undefined && this.far(peer)) {
      const done = new Promise<void>((resolve) => {
        release = resolve
      })
      this.leader = { peer, done }
    }
    try {
      do {
        peer.again = false
        if (!(await this.round(peer))) return
      } while (peer.again && !this.ctx.signal.aborted && this.ctx.peers.get(peer.peerId) === peer)
    } finally {
      if (release !== undefined) {
        this.leader = undefined
        release()
      }
    }
  }

  /**
   * Asks a peer for the one header after our tip: an answer that builds on it (or nothing, when the tip is
   * its best too) shows its chain contains our tip, which credits it. False when the peer stalled (banned)
   * or is gone.
   */
  private async confirm(peer: LightPeer): Promise<boolean> {
    const { chain, options } = this.ctx
    const tip = chain.tip()
    try {
      const res = await this.ctx.request(
        peer,
        { type: 'get_headers', data: { locator: [tip.hash], limit: 1 } },
        options.headersTimeoutMs,
      )
      if (res.type !== 'headers') return true
      const first = res.data.headers[0]
      if (first === undefined || equalBytes(first.prevHash, tip.hash)) {
        const known = peer.best === undefined ? -1 : (chain.heightOf(peer.best) ?? -1)
        if (tip.height > known) peer.best = tip.hash
        this.ctx.headersChanged()
      }
      return true
    } catch (err) {
      this.stalled(peer, err)
      return false
    }
  }

  /** A `get_headers` that timed out: the peer stalls header sync and is banned. */
  private stalled(peer: LightPeer, err: unknown): void {
    if (RequestError.isInstance(err) && err.code === 'ERR_REQUEST_TIMEOUT') {
      const ms = this.ctx.options.headersTimeoutMs
      this.ctx.ban(peer.peerId, 'stalled', `get_headers unanswered for ${ms} ms`)
    }
  }

  /** True while some peer claims more than one answer of headers beyond our best header. */
  behind(): boolean {
    return this.ctx.peers.all().some((p) => this.far(p))
  }

  /** A peer that claims more than one answer of headers beyond our best header. */
  private far(peer: LightPeer): boolean {
    return peer.claimedHeight > this.ctx.chain.tip().height + LIMITS.maxHeadersPerMessage
  }

  /**
   * One pass until the peer has nothing more; false when the peer was banned or is gone. While answers come
   * full, the request for the next one leaves as soon as an answer arrives (before it is validated), and
   * goes to the next peer in turn among those that claim the headers it asks for: the round trips and the
   * peers' serving overlap our validation, and each full node serves its share within its serving quota.
   * Whatever a helper peer serves is judged as the peer's own (bans, credit); a helper that fails or has
   * nothing is left out for the rest of the pass and the request goes back to `peer`.
   */
  private async round(peer: LightPeer): Promise<boolean> {
    const { chain, options } = this.ctx
    const ask = (from: LightPeer, locator: Uint8Array[]): Asked => {
      const answer = this.ctx.request(
        from,
        { type: 'get_headers', data: { locator, limit: LIMITS.maxHeadersPerMessage } },
        options.headersTimeoutMs,
      )
      answer.catch(() => {})
      return { from, locator, answer }
    }
    const skip = new Set<LightPeer>()
    let next: Asked | undefined
    for (;;) {
      if (this.ctx.signal.aborted || this.ctx.peers.get(peer.peerId) !== peer) return false
      const asked = next ?? ask(peer, chain.locator())
      next = undefined
      const from = asked.from
      const helper = from !== peer
      /** Ends a helper's part in this pass (the next request goes to `peer`), or the pass itself. */
      const drop = (ended: boolean): boolean | undefined => {
        if (!helper) return ended
        skip.add(from)
        return undefined
      }
      let headers: BlockHeader[]
      try {
        const res = await asked.answer
        if (res.type !== 'headers') {
          if (drop(true) === undefined) continue
          return true
        }
        headers = res.data.headers
      } catch (err) {
        this.stalled(from, err)
        if (drop(false) === undefined) continue
        return false
      }
      if (helper && this.ctx.peers.get(from.peerId) !== from) {
        skip.add(from)
        continue
      }
      if (headers.length === 0) {
        // Nothing after the first locator hash it knows: its best is on our chain, at most at our tip
        // (credited at the height it claimed or announced, never above).
        from.best = chain.headerHashAt(Math.min(from.claimedHeight, chain.tip().height))
        if (drop(false) === undefined) continue
        break
      }
      const first = headers[0] as BlockHeader
      if (!chain.hasHeader(first.prevHash)) {
        const banned = ++from.unconnecting > options.maxUnconnectingHeaders
        if (banned)
          this.ctx.ban(from.peerId, 'unconnecting-headers', 'headers that connect to nothing we know')
        if (drop(!banned) === undefined) continue
        return !banned
      }
      const cp = options.checkpoint
      if (cp !== undefined) {
        const at = headers.find((h) => h.height === cp.height)
        if (at !== undefined && toHex(chain.headerHash(at)) !== cp.hash) {
          this.ctx.ban(from.peerId, 'checkpoint-mismatch', `a chain without the checkpoint at ${cp.height}`)
          if (drop(false) === undefined) continue
          return false
        }
      }
      const last = headers[headers.length - 1] as BlockHeader
      if (headers.length === LIMITS.maxHeadersPerMessage) {
        // A full answer: ask for the next one while this one is validated. Its locator starts at this
        // answer's last header; if that header turns out invalid, the prefetched answer is dropped.
        const locator = [chain.headerHash(last), ...asked.locator].slice(0, LIMITS.maxLocatorHashes)
        next = ask(this.server(peer, last.height, skip), locator)
      }
      const result = await chain.acceptHeaders(headers)
      if (result.accepted > 0) {
        const accepted = headers[result.accepted - 1] as BlockHeader
        from.best =
          accepted === last && next !== undefined
            ? (next.locator[0] as Uint8Array)
            : chain.headerHash(accepted)
      }
      if (result.invalid !== undefined) {
        next = undefined
        if (result.invalid.penalty) {
          this.ctx.ban(
            from.peerId,
            'invalid-headers',
            `header ${result.invalid.index}: ${result.invalid.code}`,
          )
          if (drop(false) === undefined) continue
          return false
        }
        this.ctx.headersChanged()
        if (drop(true) === undefined) continue
        return true
      }
      this.ctx.headersChanged()
      if (headers.length < LIMITS.maxHeadersPerMessage) {
        if (drop(false) === undefined) continue
        break
      }
    }
    return this.checkClaim(peer)
  }

  /**
   * The peer the next request of `peer`'s pass goes to: in turn, `peer` and the connected peers (one per
   * network group first) that claim headers above `height` and have not failed this pass.
   */
  private server(peer: LightPeer, height: number, skip: ReadonlySet<LightPeer>): LightPeer {
    const able = this.ctx.peers
      .spread()
      .filter((p) => p === peer || (p.claimedHeight > height && !skip.has(p)))
    if (!able.includes(peer)) able.push(peer)
    return able[this.turn++ % able.length] as LightPeer
  }

  /**
   * A peer's hello claimed the work of its best chain; the chain it served must have at least that much
   * (a low-work fork presented as best is a lie: honest work only grows).
   */
  private checkClaim(peer: LightPeer): boolean {
    const best = peer.best === undefined ? undefined : this.ctx.chain.headerPoint(peer.best)
    if (best === undefined) return true
    if (best.work < peer.claimedWork) {
      const ours = this.ctx.chain.tip()
      const detail = equalBytes(best.hash, ours.hash) ? 'our tip' : `height ${best.height}`
      this.ctx.ban(
        peer.peerId,
        'low-work-chain',
        `served a chain ending at ${detail} with less work than claimed`,
      )
      return false
    }
    if (best.work > peer.claimedWork) peer.claimedWork = best.work
    if (best.height > peer.claimedHeight) peer.claimedHeight = best.height
    this.ctx.headersChanged()
    return true
  }
}

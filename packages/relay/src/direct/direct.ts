import type { PeerId } from '@chainwire/interface'
import { isPeerId, LruMap, shuffled, TokenBucket } from '@chainwire/interface'
import type { RelayData } from '@chainwire/protocol-codec'
import type { RelayContext } from '../context'
import { RelayError } from '../errors'
import { directMessageId, idKey } from '../message/id'
import type { DirectSendOptions, DirectSendResult } from '../types'

/** The seen-cache topic of direct messages (not a valid topic name, so it never clashes with one). */
export const DIRECT_TOPIC = '#direct'

/**
 * Direct relay to a peer we may not be connected to (the seed's `sendDirectRelayMessage`): a `relay`
 * envelope with origin, target, hop count, TTL and expiry, handed hop by hop toward the target: to the target
 * itself when connected, else through the neighbour it was last heard through (reverse path), else to the
 * connected peer closest to it by the DHT metric when that is closer than we are, else to `fanout` random
 * peers. Each envelope is delivered and forwarded at most once (its id is in the seen-cache for as long as it
 * can live), rate-limited per origin and per neighbour, and dropped at its hop limit or expiry.
 */
export class DirectRelay {
  private readonly ctx: RelayContext
  private readonly origins: LruMap<PeerId, TokenBucket>
  /** Where a peer was last heard through: origin of an envelope to the neighbour it came from. */
  private readonly routes: LruMap<PeerId, PeerId>

  constructor(ctx: RelayContext) {
    this.ctx = ctx
    this.origins = new LruMap(ctx.options.direct.maxOrigins)
    this.routes = new LruMap(ctx.options.direct.maxRoutes)
  }

  /** Entries in the origin and route tables (`status().tables`). */
  sizes(): { directOrigins: number; directRoutes: number } {
    return { directOrigins: this.origins.size, directRoutes: this.routes.size }
  }

  /** Sends `payload` toward `target`. */
  send(target: PeerId, payload: Uint8Array, options: DirectSendOptions = {}): DirectSendResult {
    if (!isPeerId(target) || target === this.ctx.self) {
      throw new RelayError('ERR_INVALID_TARGET', 'the target must be another peer id', { target })
    }
    const o = this.ctx.options
    const ttl = options.ttl ?? o.direct.ttl ?? o.maxRelayHops
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 16) {
      throw new RelayError('ERR_INVALID_OPTIONS', 'ttl must be an integer from 1 to 16', {
        option: 'ttl',
        value: ttl,
        problem: 'out of range',
      })
    }
    const expiresAt = this.ctx.clock.now() + o.messageExpiration
    const id = directMessageId(this.ctx.self, target, expiresAt, payload)
    this.ctx.seen.add(idKey(id), DIRECT_TOPIC, 'accepted', undefined)
    const envelope: RelayData = {
      origin: this.ctx.self,
      target,
      hops: 0,
      ttl,
      payload,
      expiresAt,
      ...(options.topic === undefined ? {} : { topic: options.topic }),
    }
    const via = this.route(target, [])
    const c = this.ctx.directCounters
    if (via.length === 0) {
      c.noRoute++
      this.ctx.metrics.direct.inc(1, { outcome: 'no_route' })
      return { id, status: 'no-route', via }
    }
    this.ctx.sendTo(via, { type: 'relay', data: envelope }, payload.byteLength + 200)
    c.sent++
    this.ctx.metrics.direct.inc(1, { outcome: 'sent' })
    return { id, status: via.includes(target) ? 'delivered-to-neighbour' : 'forwarded', via }
  }

  /** An envelope with a target arrived from `from`. */
  receive(env: RelayData & { target: string }, from: PeerId, size: number): void {
    const o = this.ctx.options
    const c = this.ctx.directCounters
    const now = this.ctx.clock.now()
    const count = (outcome: string): void => {
      this.ctx.metrics.direct.inc(1, { outcome })
    }
    if (env.hops >= env.ttl) {
      c.hopLimit++
      count('hop_limit')
      this.ctx.penalise(from, 'protocol-violation', `relay envelope at hop ${env.hops} of ttl ${env.ttl}`)
      return
    }
    if (env.hops === 0 && env.origin !== from) {
      this.ctx.penalise(
        from,
        'protocol-violation',
        'relay envelope at hop 0 from a peer that is not its origin',
      )
      return
    }
    if (env.expiresAt !== undefined) {
      if (env.expiresAt <= now) {
        c.expired++
        count('expired')
        return
      }
      if (env.expiresAt > now + o.messageExpiration + o.maxClockSkewMs) {
        this.ctx.penalise(from, 'protocol-violation', 'relay envelope expiring beyond the longest life')
        return
      }
    }
    const peer = this.ctx.peers.get(from)
    if (
      peer !== undefined &&
      !peer.envelopeBucket(this.ctx.clock, o.direct.peerRate, o.direct.peerBurst).take()
    ) {
      c.rateLimited++
      count('rate_limited')
      return
    }
    let bucket = this.origins.get(env.origin)
    if (bucket === undefined) {
      bucket = new TokenBucket(this.ctx.clock, { rate: o.direct.originRate, burst: o.direct.originBurst })
      this.origins.set(env.origin, bucket)
    }
    if (!bucket.take()) {
      c.rateLimited++
      count('rate_limited')
      return
    }
    const id = directMessageId(env.origin, env.target, env.expiresAt, env.payload)
    const key = idKey(id)
    const seen = this.ctx.seen.get(key)
    if (seen !== undefined) {
      this.ctx.seen.addSender(seen, from)
      c.duplicate++
      count('duplicate')
      return
    }
    const entry = this.ctx.seen.add(key, DIRECT_TOPIC, 'accepted', from)
    if (env.origin !== this.ctx.self) this.routes.set(env.origin, from)
    if (env.target === this.ctx.self) {
      c.delivered++
      count('delivered')
      this.ctx.emit('direct', {
        id,
        origin: env.origin,
        payload: env.payload,
        topic: env.topic,
        hops: env.hops,
        from,
      })
      return
    }
    const hops = env.hops + 1
    if (hops >= Math.min(env.ttl, o.maxRelayHops)) {
      c.hopLimit++
      count('hop_limit')
      return
    }
    const via = this.route(env.target, [from, env.origin, ...entry.senders])
    if (via.length === 0) {
      c.noRoute++
      count('no_route')
      return
    }
    this.ctx.sendTo(via, { type: 'relay', data: { ...env, hops } }, size)
    c.forwarded++
    count('forwarded')
  }

  /** A neighbour said it can reach `target` (peer exchange): remember the route. */
  learnRoute(target: PeerId, via: PeerId): void {
    if (target !== this.ctx.self && target !== via) this.routes.set(target, via)
  }

  /** The next hop(s) toward `target`, `exclude` left out. */
  private route(target: PeerId, exclude: readonly PeerId[]): PeerId[] {
    const peers = this.ctx.peers
    if (peers.has(target)) return [target]
    const back = this.routes.peek(target)
    if (back !== undefined && peers.has(back) && !exclude.includes(back)) return [back]
    const candidates = [...peers.all()]
      .map((p) => p.id)
      .filter((id) => !exclude.includes(id) && !this.ctx.isGraylisted(id))
    if (candidates.length === 0) return []
    const metric = this.ctx.routing
    if (metric !== undefined) {
      let best = candidates[0] as PeerId
      for (const id of candidates) if (metric.compare(target, id, best) < 0) best = id
      if (metric.compare(target, best, this.ctx.self) < 0) return [best]
    }
    return shuffled(candidates, this.ctx.random).slice(0, this.ctx.options.direct.fanout)
  }

  clear(): void {
    this.origins.clear()
    this.routes.clear()
  }
}

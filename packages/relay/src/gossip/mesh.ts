import type { PeerId } from '@chainwire/interface'
import { shuffled } from '@chainwire/interface'
import type { RelayContext } from '../context'

/** What the mesh upkeep needs from the gossip router (the router is the one implementation). */
export interface MeshRouter {
  readonly ctx: RelayContext
  readonly meshes: Map<string, Set<PeerId>>
  /** Heartbeats so far. */
  readonly tick: number
  inBackoff(topic: string, peer: PeerId): boolean
  graft(topic: string, peer: PeerId): void
  prune(topic: string, peer: PeerId, backoffMs: number, px: boolean): void
}

/**
 * The heartbeat's upkeep of one topic's mesh (gossipsub v1.1): drop peers that left the topic or whose
 * score went negative; graft up to D when below Dlo; prune down to D when above Dhi, keeping the Dscore best
 * scored and at least Dout outbound peers; graft outbound peers when fewer than Dout; and every
 * `opportunisticGraftTicks` heartbeats, graft peers better than the median when the mesh's median score is
 * poor. Work is O(peers of the topic).
 */
export function maintainMesh(router: MeshRouter, topic: string): void {
  const ctx = router.ctx
  const mesh = router.meshes.get(topic)
  if (mesh === undefined) return
  const g = ctx.options.gossip
  const scores = new Map<PeerId, number>()
  const scoreOf = (id: PeerId): number => {
    let s = scores.get(id)
    if (s === undefined) scores.set(id, (s = ctx.score.score(id)))
    return s
  }
  const backoff = g.pruneBackoffMs

  for (const id of [...mesh]) {
    const peer = ctx.peers.get(id)
    if (peer === undefined || !peer.topics.has(topic)) {
      mesh.delete(id)
      ctx.score.prune(id, topic)
      continue
    }
    if (scoreOf(id) < 0) router.prune(topic, id, backoff, false)
  }

  const topicPeers = ctx.topicPeers(topic)
  const candidates = (filter: (id: PeerId, outbound: boolean) => boolean): PeerId[] =>
    shuffled(
      topicPeers
        .filter(
          (p) =>
            !mesh.has(p.id) &&
            !router.inBackoff(topic, p.id) &&
            !ctx.isGraylisted(p.id) &&
            scoreOf(p.id) >= 0 &&
            filter(p.id, p.outbound),
        )
        .map((p) => p.id),
      ctx.random,
    )

  if (mesh.size < g.Dlo) {
    for (const id of candidates(() => true).slice(0, g.D - mesh.size)) router.graft(topic, id)
  }

  if (mesh.size > g.Dhi) {
    const sorted = [...mesh].sort((a, b) => scoreOf(b) - scoreOf(a))
    const keep = new Set(sorted.slice(0, g.Dscore))
    for (const id of shuffled(sorted.slice(g.Dscore), ctx.random)) {
      if (keep.size >= g.D) break
      keep.add(id)
    }
    // keep at least Dout outbound peers: swap outbound peers in for kept inbound ones (not the best scored)
    const isOutbound = (id: PeerId): boolean => ctx.peers.get(id)?.outbound === true
    let outbound = [...keep].filter(isOutbound).length
    if (outbound < g.Dout) {
      const spare = sorted.filter((id) => !keep.has(id) && isOutbound(id))
      const replaceable = [...keep].filter((id) => !isOutbound(id) && !sorted.slice(0, g.Dscore).includes(id))
      while (outbound < g.Dout && spare.length > 0 && replaceable.length > 0) {
        keep.delete(replaceable.pop() as PeerId)
        keep.add(spare.shift() as PeerId)
        outbound++
      }
    }
    for (const id of sorted) if (!keep.has(id)) router.prune(topic, id, backoff, true)
  }

  if (mesh.size >= g.Dlo) {
    const outbound = [...mesh].filter((id) => ctx.peers.get(id)?.outbound === true).length
    if (outbound < g.Dout) {
      for (const id of candidates((_id, out) => out).slice(0, g.Dout - outbound)) router.graft(topic, id)
    }
  }

  if (router.tick % g.opportunisticGraftTicks === 0 && mesh.size > 1) {
    const sorted = [...mesh].map(scoreOf).sort((a, b) => a - b)
    const median = sorted[Math.floor(sorted.length / 2)] as number
    if (median < ctx.options.score.opportunisticGraftThreshold) {
      const better = candidates((id) => scoreOf(id) > median).slice(0, g.opportunisticGraftPeers)
      for (const id of better) router.graft(topic, id)
    }
  }

  ctx.metrics.meshPeers.set(mesh.size, { topic })
}

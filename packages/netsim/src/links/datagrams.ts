import type { MemoryDatagram } from '@chainwire/network'
import { sample } from '../random/distribution'
import type { Random } from '../random/random'
import type { Scheduler } from '../scheduler/scheduler'
import type { LinkModel } from './model'
import { latencyNs } from './path'

/** What the datagram path reads of the simulated network: who is alive, what is cut, the link model. */
export interface DatagramWorld {
  readonly scheduler: Scheduler
  readonly model: LinkModel
  readonly random: Random
  /** The node of a memory endpoint and whether its incarnation runs; undefined for an unknown endpoint. */
  endpoint(id: number): { readonly node: number; readonly alive: boolean } | undefined
  isCut(a: number, b: number): boolean
  /** Traffic counting, as for connection chunks. */
  sent(node: number, bytes: number): void
  received(node: number, bytes: number): void
}

/**
 * Schedules one datagram on the simulated links: it arrives one link latency (plus jitter) later, or is lost
 * (the link's loss rate, a cut link, a dead sender or receiver). Unlike a connection's chunks it is never
 * retransmitted, queued behind the path's backlog or kept in order: the semantics of UDP. Datagrams between
 * endpoints the simulator does not know arrive at once.
 */
export function scheduleDatagram(world: DatagramWorld, d: MemoryDatagram): void {
  const from = world.endpoint(d.from.id)
  const to = world.endpoint(d.to.id)
  if (from === undefined || to === undefined) {
    d.deliver()
    return
  }
  if (!from.alive || world.isCut(from.node, to.node)) {
    d.drop()
    return
  }
  world.sent(from.node, d.byteLength)
  const p = world.model.params(from.node, to.node)
  if (p.loss > 0 && world.random.chance(p.loss)) {
    d.drop()
    return
  }
  let arrival = world.scheduler.nowNs() + latencyNs(p.latencyMs)
  if (p.jitter !== undefined) arrival += latencyNs(sample(p.jitter, world.random))
  world.scheduler.scheduleAtNs(
    arrival,
    () => {
      const receiver = world.endpoint(d.to.id)
      if (receiver?.alive !== true || world.isCut(from.node, to.node)) {
        d.drop()
        return
      }
      world.received(to.node, d.byteLength)
      d.deliver()
    },
    undefined,
    0,
  )
}

import { type Distribution, sample } from '../random/distribution'
import type { Random } from '../random/random'
import type { LinkSpec } from '../scenario/types'
import type { PathParams } from './path'

/** The per-pair parameters of a link in both directions, drawn once. */
export interface PairParams extends PathParams {
  /** Per-chunk extra delay, if any. */
  readonly jitter: Distribution | undefined
}

/**
 * Resolves the link between two nodes: the default {@link LinkSpec}, overridden per region pair, with the
 * latency drawn once per unordered pair from a stream derived from the pair itself, so it does not depend
 * on the order in which pairs first talk.
 */
export class LinkModel {
  private readonly defaults: LinkSpec
  private readonly regionLinks: ReadonlyMap<string, LinkSpec>
  private readonly regionOf: (node: number) => string
  private readonly random: Random
  private readonly pairs = new Map<number, PairParams>()
  private readonly stride: number
  /** Nodes the model covers (indexes 0 .. nodeCount - 1). */
  readonly nodeCount: number

  constructor(init: {
    defaults: LinkSpec
    regionLinks: ReadonlyMap<string, LinkSpec>
    regionOf: (node: number) => string
    nodeCount: number
    random: Random
  }) {
    this.defaults = init.defaults
    this.regionLinks = init.regionLinks
    this.regionOf = init.regionOf
    this.random = init.random
    this.nodeCount = init.nodeCount
    this.stride = init.nodeCount + 1
  }

  /** The spec that applies between nodes `a` and `b`. */
  specOf(a: number, b: number): LinkSpec {
    return this.regionLinks.get(`${this.regionOf(a)}\u0000${this.regionOf(b)}`) ?? this.defaults
  }

  /** The parameters between `a` and `b` (the same both ways). */
  params(a: number, b: number): PairParams {
    const lo = Math.min(a, b)
    const hi = Math.max(a, b)
    const key = lo * this.stride + hi
    let p = this.pairs.get(key)
    if (p === undefined) {
      const spec = this.specOf(lo, hi)
      const latencyMs =
        spec.latency.distribution === 'fixed'
          ? spec.latency.value
          : sample(spec.latency, this.random.fork(`${lo}-${hi}`))
      p = {
        latencyMs,
        bandwidth: spec.bandwidth,
        loss: spec.loss,
        bufferBytes: spec.bufferBytes,
        jitter: spec.jitter,
      }
      this.pairs.set(key, p)
    }
    return p
  }
}

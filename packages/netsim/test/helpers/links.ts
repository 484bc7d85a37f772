import { LinkModel, Random } from '../../src/index'
import type { LinkSpec } from '../../src/scenario/types'

/** A link: 50 ms fixed latency, unlimited bandwidth and buffer, no loss or jitter, unless overridden. */
export function linkSpec(overrides: Partial<LinkSpec> = {}): LinkSpec {
  return {
    latency: { distribution: 'fixed', value: 50 },
    jitter: undefined,
    bandwidth: Number.POSITIVE_INFINITY,
    loss: 0,
    bufferBytes: Number.POSITIVE_INFINITY,
    ...overrides,
  }
}

/** A link model in which every pair of `nodeCount` nodes has the same link (one region). */
export function uniformLinks(
  nodeCount: number,
  link: Partial<LinkSpec> = {},
  random = new Random(1),
): LinkModel {
  return new LinkModel({
    defaults: linkSpec(link),
    regionLinks: new Map(),
    regionOf: () => 'default',
    nodeCount,
    random,
  })
}

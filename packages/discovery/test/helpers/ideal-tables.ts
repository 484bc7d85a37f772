/**
 * The DHT's ideal: the package's `iterativeLookup` (k 20, alpha 3, <= 16 nodes per reply) over ideal k-bucket
 * tables (each node holds up to 20 random nodes of every bucket), answered in-process after a virtual round
 * trip on a manual clock. No connections, no churn: the algorithm and the table shape alone. The bench's
 * in-process rows, and the baseline the full-stack netsim tests compare their lookup times with.
 */
import { performance } from 'node:perf_hooks'
import { ManualClock, settle } from '@chainwire/interface/testing'
import { peerIdFromPublicKey } from '@chainwire/network'
import { compareDistance, iterativeLookup, type LookupPeer, nodeIdOf } from '../../src/index'

/** A query's round trip: a fixed 50 ms, or two one-way delays drawn like netsim's links (uniform 10-80 ms). */
export type RttModel = 'fixed 50 ms' | 'netsim links'

/** What {@link idealLookups} measured. */
export interface IdealFigures {
  /** Depth of the closest node found, per lookup. */
  hops: number[]
  /** Virtual time per lookup, in ms. */
  times: number[]
  /** Lookups whose first node was the true closest. */
  exact: number
  /** Wall time to build the tables. */
  buildMs: number
}

/** `lookups` lookups of random ids from random nodes of an ideal `n`-node DHT (see the file comment). */
export async function idealLookups(
  n: number,
  lookups: number,
  rtt: RttModel,
  random: () => number,
): Promise<IdealFigures> {
  const started = performance.now()
  const u = dhtUniverse(n, random, 20)
  const buildMs = performance.now() - started
  const clock = new ManualClock()
  const hops: number[] = []
  const times: number[] = []
  let exact = 0
  for (let l = 0; l < lookups; l++) {
    const from = Math.floor(random() * n)
    const me = u.nodes[from] as LookupPeer
    const target = new Uint8Array(32)
    for (let j = 0; j < 32; j++) target[j] = Math.floor(random() * 256)
    const result = await settle(
      clock,
      iterativeLookup(
        clock,
        me.peerId,
        target,
        u.closestOf(from, target, 20),
        async (peer, t, signal) => {
          await clock.sleep(rtt === 'fixed 50 ms' ? 50 : 20 + 70 * random() + 70 * random(), signal)
          return u.closestOf(u.index.get(peer.peerId) as number, t, 16)
        },
        { k: 20, alpha: 3, requestTimeoutMs: 1_000, lookupTimeoutMs: 30_000, maxCandidates: 100 },
      ),
      { stepMs: 25 },
    )
    const truth = u.nodes
      .filter((x) => x !== me)
      .reduce((best, x) => (compareDistance(target, x.nodeId, best.nodeId) < 0 ? x : best))
    if (result.closest[0]?.peerId === truth.peerId) exact++
    hops.push(result.hops)
    times.push(result.durationMs)
  }
  return { hops, times, exact, buildMs }
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return 0
}

/** First index in sorted `ids` not below `key`. */
function lowerBound(ids: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0
  let hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cmpBytes(ids[mid] as Uint8Array, key) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index in sorted `ids` above `key`. */
function upperBound(ids: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0
  let hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cmpBytes(ids[mid] as Uint8Array, key) <= 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The sorted-id range of nodes whose common prefix with `self` is exactly `b` bits. */
function bucketRange(ids: readonly Uint8Array[], self: Uint8Array, b: number): [number, number] {
  const lo = new Uint8Array(32)
  const hi = new Uint8Array(32).fill(255)
  for (let bit = 0; bit <= b; bit++) {
    const byte = bit >> 3
    const mask = 0x80 >> (bit & 7)
    let v = (self[byte] as number) & mask
    if (bit === b) v ^= mask
    lo[byte] = ((lo[byte] as number) & ~mask) | v
    hi[byte] = ((hi[byte] as number) & ~mask) | v
  }
  return [lowerBound(ids, lo), upperBound(ids, hi)]
}

function dhtUniverse(n: number, random: () => number, k: number) {
  const nodes: LookupPeer[] = []
  for (let i = 0; i < n; i++) {
    const key = new Uint8Array(32)
    for (let j = 0; j < 32; j++) key[j] = Math.floor(random() * 256)
    const peerId = peerIdFromPublicKey(key)
    nodes.push({ peerId, nodeId: nodeIdOf(peerId) as Uint8Array, addrs: [`memory://n${i}`] })
  }
  nodes.sort((a, b) => cmpBytes(a.nodeId, b.nodeId))
  const ids = nodes.map((x) => x.nodeId)
  const index = new Map(nodes.map((x, i) => [x.peerId, i]))
  const tables: Int32Array[] = nodes.map((node) => {
    const out: number[] = []
    for (let b = 0; b < 256; b++) {
      const [from, to] = bucketRange(ids, node.nodeId, b)
      const size = to - from
      if (size <= 0) continue
      if (size <= k) for (let i = from; i < to; i++) out.push(i)
      else {
        const picked = new Set<number>()
        while (picked.size < k) picked.add(from + Math.floor(random() * size))
        out.push(...picked)
      }
      if (b > Math.log2(n) + 12) break
    }
    return Int32Array.from(out)
  })
  const closestOf = (i: number, target: Uint8Array, m: number): LookupPeer[] =>
    Array.from(tables[i] as Int32Array, (j) => nodes[j] as LookupPeer)
      .sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))
      .slice(0, m)
  return { nodes, index, closestOf }
}

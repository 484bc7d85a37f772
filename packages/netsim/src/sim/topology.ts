import type { Random } from '../random/random'
import type { RegionSpec, Scenario } from '../scenario/types'

/** A directed edge: `from` dials `to` at start and keeps the connection (a persistent peer). */
export type Edge = readonly [from: number, to: number]

/**
 * The initial connections of a topology, each oriented so that dials are spread evenly (every node dials
 * about half its edges).
 */
export function buildEdges(topology: Scenario['topology'], n: number, random: Random): Edge[] {
  switch (topology.type) {
    case 'none':
      return []
    case 'explicit':
      return topology.edges.map(([a, b]) => [a, b] as const)
    case 'ring': {
      const edges: Edge[] = []
      if (n < 2) return edges
      for (let i = 0; i < n; i++) {
        for (let k = 1; k <= topology.neighbours; k++) {
          const j = (i + k) % n
          if (j !== i) edges.push([i, j])
        }
      }
      return dedupe(edges)
    }
    case 'full': {
      const edges: Edge[] = []
      for (let i = 0; i < n; i++) {
        for (let d = 1; d <= Math.floor((n - 1) / 2); d++) edges.push([i, (i + d) % n])
        if (n % 2 === 0 && i < n / 2) edges.push([i, i + n / 2])
      }
      return edges
    }
    case 'random':
      return randomRegular(n, topology.degree, random)
  }
}

function dedupe(edges: Edge[]): Edge[] {
  const seen = new Set<string>()
  return edges.filter(([a, b]) => {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * A random graph where every node has `degree` neighbours (one node one less when n * degree is odd): the
 * configuration model (shuffle d stubs per node, pair them up), repairing self-loops and repeated pairs by
 * swapping with random other pairs. Each edge is dialed by its endpoint that dials fewer so far.
 */
function randomRegular(n: number, degree: number, random: Random): Edge[] {
  if (n < 2 || degree === 0) return []
  const stubs: number[] = []
  for (let i = 0; i < n; i++) for (let k = 0; k < degree; k++) stubs.push(i)
  if (stubs.length % 2 === 1) stubs.pop()
  random.shuffle(stubs)
  const pairs: [number, number][] = []
  for (let i = 0; i < stubs.length; i += 2) pairs.push([stubs[i] as number, stubs[i + 1] as number])
  const key = (a: number, b: number): number => (a < b ? a * n + b : b * n + a)
  const count = new Map<number, number>()
  for (const [a, b] of pairs) count.set(key(a, b), (count.get(key(a, b)) ?? 0) + 1)
  const bad = (p: [number, number]): boolean => p[0] === p[1] || (count.get(key(p[0], p[1])) ?? 0) > 1
  for (let round = 0; round < 50; round++) {
    let fixed = true
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i] as [number, number]
      if (!bad(p)) continue
      fixed = false
      const j = random.int(pairs.length)
      const q = pairs[j] as [number, number]
      if (i === j) continue
      const a: [number, number] = [p[0], q[1]]
      const b: [number, number] = [q[0], p[1]]
      if (a[0] === a[1] || b[0] === b[1]) continue
      if (count.has(key(a[0], a[1])) || count.has(key(b[0], b[1]))) continue
      for (const [x, y] of [p, q]) {
        const k = key(x, y)
        const c = (count.get(k) ?? 0) - 1
        if (c <= 0) count.delete(k)
        else count.set(k, c)
      }
      count.set(key(a[0], a[1]), 1)
      count.set(key(b[0], b[1]), 1)
      pairs[i] = a
      pairs[j] = b
    }
    if (fixed) break
  }
  const unique = new Set<number>()
  const out = new Array<number>(n).fill(0)
  const edges: Edge[] = []
  for (const [a, b] of pairs) {
    if (a === b || unique.has(key(a, b))) continue
    unique.add(key(a, b))
    const aDials =
      (out[a] as number) < (out[b] as number) || ((out[a] as number) === (out[b] as number) && a < b)
    const e: Edge = aDials ? [a, b] : [b, a]
    out[e[0]] = (out[e[0]] as number) + 1
    edges.push(e)
  }
  return edges
}

/** Places nodes in regions by weight (largest remainder), in contiguous blocks: `n0..` fill the first region. */
export function assignRegions(regions: readonly RegionSpec[], n: number): string[] {
  const total = regions.reduce((s, r) => s + r.weight, 0)
  const exact = regions.map((r) => (r.weight / total) * n)
  const counts = exact.map(Math.floor)
  let left = n - counts.reduce((s, c) => s + c, 0)
  const order = exact
    .map((x, i) => ({ i, frac: x - Math.floor(x) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i)
  for (const { i } of order) {
    if (left === 0) break
    counts[i] = (counts[i] as number) + 1
    left--
  }
  const out: string[] = []
  regions.forEach((r, i) => {
    for (let k = 0; k < (counts[i] as number); k++) out.push(r.name)
  })
  return out
}

/**
 * The synthetic IP of node `i`: `10.a.b.c` with `a` cycling fastest over 250 values, so consecutive nodes
 * sit in distinct /16 network groups (per-group inbound limits bite only as they would on the internet).
 */
export function nodeHost(i: number): string {
  return `10.${(i % 250) + 1}.${Math.floor(i / 250) % 250}.${Math.floor(i / 62_500) + 1}`
}

/**
 * The young generation a simulation of `nodeCount` nodes wants: the V8 semi-space size, in MB, to give
 * Node as `--max-semi-space-size` (on the command line or in `NODE_OPTIONS`; V8 reads it when the process
 * starts, so it cannot be set from inside a run).
 *
 * Why it scales with the network: the network fires about the same events per node per virtual second at
 * every size, so an object that lives a fixed span of virtual time (a chunk in flight for one latency, a
 * request's deadline until its answer, the promise a send waits on) lives through N times more events, and
 * so through N times more allocation, in a network of N nodes. With V8's default 16 MB semi-space, a
 * network of thousands of nodes scavenges every few thousand events: such objects survive two scavenges,
 * are copied twice, are promoted to the old generation and die there, where only mark-compact reclaims
 * them. That was the superlinear cost in the profiles. {@link SEMI_SPACE_KB_PER_NODE} per node, rounded up
 * to a power of two (V8 rounds it so anyway), keeps the virtual time between two scavenges about what the
 * default gives a network of 500 nodes.
 *
 * Returns 0 (keep V8's default) when that is no more than the default 16 MB (up to 512 nodes), and at most
 * {@link MAX_SEMI_SPACE_MB} (the young generation then holds about 26 KB of RSS per node at 10,000 nodes).
 */
export function semiSpaceMbFor(nodeCount: number): number {
  const wanted = Math.ceil((nodeCount * SEMI_SPACE_KB_PER_NODE) / 1_024)
  if (!(wanted > DEFAULT_SEMI_SPACE_MB)) return 0
  return Math.min(MAX_SEMI_SPACE_MB, 2 ** Math.ceil(Math.log2(wanted)))
}

/** Semi-space per node of {@link semiSpaceMbFor}, in KB. */
export const SEMI_SPACE_KB_PER_NODE = 32

/** The largest semi-space {@link semiSpaceMbFor} asks for, in MB. */
export const MAX_SEMI_SPACE_MB = 128

/** V8's default largest semi-space on 64-bit platforms, in MB. */
const DEFAULT_SEMI_SPACE_MB = 16

/**
 * A line of advice when a process about to simulate `nodeCount` nodes runs with V8's default young
 * generation although {@link semiSpaceMbFor} asks for more; undefined when it needs none or the flag is
 * given (in `execArgv` or `nodeOptions`, the value of `NODE_OPTIONS`).
 */
export function youngGenerationHint(
  nodeCount: number,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string | undefined {
  const mb = semiSpaceMbFor(nodeCount)
  if (mb === 0) return undefined
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) =>
    /^--max[-_]semi[-_]space[-_]size(=|$)/.test(a),
  )
  if (given) return undefined
  return `hint: ${nodeCount.toLocaleString('en-US')} nodes run faster with a larger young generation: NODE_OPTIONS=--max-semi-space-size=${mb}`
}

/*
 * Difficulty retargeting: LWMA (zawy12's linearly weighted moving average), recomputed for every block.
 * The next target is the average target of the last N blocks scaled by their solve times, each weighted by
 * its recency (weights 1..N). Chosen over Bitcoin's 2016-block retarget because chainwire's networks are
 * small: a devnet or testnet whose hash rate halves or doubles when one laptop joins or leaves must
 * respond within a few blocks, not a fortnight, and LWMA does so without the oscillation of a simple
 * moving average. Solve times are clamped to [-6T, 6T] so one forged timestamp moves the target little.
 *
 * The window is kept incrementally per block (sum of targets, weighted and plain sums of solve times), so
 * finding a child's expected bits costs O(1): add the new block, drop the one N back.
 */

import { bitsFromTarget } from './compact'

/** The LWMA state of the window of blocks ending at one block (the genesis block has an empty window). */
export interface DifficultyWindow {
  /** Blocks in the window, at most N. */
  readonly count: number
  /** Sum of their targets. */
  readonly sumTarget: bigint
  /** Sum of solve time x weight (weight 1 for the oldest, `count` for the newest). */
  readonly weighted: number
  /** Sum of their solve times. */
  readonly plain: number
}

/** The window of the genesis block. */
export const EMPTY_WINDOW: DifficultyWindow = Object.freeze({
  count: 0,
  sumTarget: 0n,
  weighted: 0,
  plain: 0,
})

/** The retarget parameters of a network. */
export interface DifficultyParams {
  /** Target block time T in ms. */
  targetBlockTimeMs: number
  /** LWMA window N, in blocks. */
  difficultyWindow: number
  /** The easiest target allowed. */
  powLimit: bigint
}

/** A block's solve time for LWMA: its timestamp minus its parent's, clamped to [-6T, 6T]. */
export function solveTime(timestamp: number, parentTimestamp: number, targetBlockTimeMs: number): number {
  const limit = 6 * targetBlockTimeMs
  return Math.min(limit, Math.max(-limit, timestamp - parentTimestamp))
}

/** One block entering (and, with a full window, the oldest leaving) the window. */
export interface WindowStep {
  solveTime: number
  target: bigint
}

/**
 * The window ending at a new block, from the window ending at its parent: `added` is the new block,
 * `dropped` the block N back (required once the parent's window holds N blocks).
 */
export function advanceWindow(
  parent: DifficultyWindow,
  n: number,
  added: WindowStep,
  dropped: WindowStep | undefined,
): DifficultyWindow {
  const out: MutableWindow = { count: 0, sumTarget: 0n, weighted: 0, plain: 0 }
  advanceWindowInto(out, parent, n, added.solveTime, added.target, dropped?.solveTime ?? 0, dropped?.target)
  return out
}

/** A difficulty window that its owner advances in place (the header-only chain's tip window). */
export interface MutableWindow {
  count: number
  sumTarget: bigint
  weighted: number
  plain: number
}

/** A new window of no blocks, for advancing in place. */
export function emptyWindow(): MutableWindow {
  return { count: 0, sumTarget: 0n, weighted: 0, plain: 0 }
}

/**
 * {@link advanceWindow} writing into `out`, which may be `parent` itself (no window or step objects): the
 * block entering has `solveTime` and `target`, the block leaving (once the parent's window is full)
 * `droppedSolveTime` and `droppedTarget`.
 */
export function advanceWindowInto(
  out: MutableWindow,
  parent: DifficultyWindow,
  n: number,
  solveTime: number,
  target: bigint,
  droppedSolveTime: number,
  droppedTarget: bigint | undefined,
): void {
  if (parent.count < n) {
    const count = parent.count + 1
    out.weighted = parent.weighted + count * solveTime
    out.plain = parent.plain + solveTime
    out.sumTarget = parent.sumTarget + target
    out.count = count
    return
  }
  if (droppedTarget === undefined) throw new RangeError('a full difficulty window needs the block it drops')
  // `weighted` first: it reads the parent's `plain`, which `out` may be.
  out.weighted = parent.weighted - parent.plain + n * solveTime
  out.plain = parent.plain - droppedSolveTime + solveTime
  out.sumTarget = parent.sumTarget - droppedTarget + target
  out.count = n
}

/**
 * The target of the child of the block whose window this is: average target x weighted solve time / k,
 * with k = count (count + 1) T / 2 the weighted sum when every block took T. The weighted sum is floored at
 * k / 10 (difficulty rises at most 10x per block); the result is capped at `powLimit`. `undefined` for the
 * empty window: the genesis block's child keeps the genesis bits.
 */
export function nextTarget(window: DifficultyWindow, params: DifficultyParams): bigint | undefined {
  const { count } = window
  if (count === 0) return undefined
  const k = (count * (count + 1) * params.targetBlockTimeMs) / 2
  const weighted = Math.max(window.weighted, Math.ceil(k / 10))
  const next = (window.sumTarget * BigInt(weighted)) / denominator(count, k)
  if (next > params.powLimit) return params.powLimit
  return next < 1n ? 1n : next
}

/** Integers below this are exact as numbers. */
const EXACT = 2 ** 53
/** 2^24: targets below it have at most 3 bytes (their compact form is left to the exact path). */
const TWO_24 = 16_777_216
/** 256^i for i = 0..32, as numbers (exact: powers of two). */
const POWERS_OF_256: readonly number[] = Array.from({ length: 33 }, (_, i) => 2 ** (8 * i))
/** How close (as a fraction of one mantissa step) a floating-point quotient may come to a step. */
const MARGIN = 1e-6

/**
 * The compact bits a child of the window's block must carry: `bitsFromTarget(nextTarget(window, params))`,
 * `undefined` for the empty window. Compact bits keep only a target's top 24 bits, so the quotient is first
 * taken in floating point (three roundings: relative error below 2^-51, under 10^-8 of a mantissa step):
 * when it is more than 10^-6 of a step from the next step, and clear of 2^24 and of the cap, its bits are
 * the exact quotient's; otherwise (about one window in a million, or sums past 2^53) the big-number
 * division answers.
 */
export function nextBits(window: DifficultyWindow, params: DifficultyParams): number | undefined {
  const { count } = window
  if (count === 0) return undefined
  const k = (count * (count + 1) * params.targetBlockTimeMs) / 2
  const weighted = Math.max(window.weighted, Math.ceil(k / 10))
  const d = count * k
  if (Number.isSafeInteger(d) && Number.isSafeInteger(weighted) && weighted < EXACT) {
    const bits = approximateBits((Number(window.sumTarget) * weighted) / d, params.powLimit)
    if (bits !== undefined) return bits
  }
  return bitsFromTarget(nextTarget(window, params) as bigint)
}

/** The compact bits of a quotient known to relative 2^-51, or undefined when that does not decide them. */
function approximateBits(x: number, powLimit: bigint): number | undefined {
  const cap = powLimitNumber(powLimit)
  if (x > cap * (1 + 1e-9)) return bitsFromTarget(powLimit)
  if (x >= cap * (1 - 1e-9) || x < TWO_24) return undefined
  // `size` bytes: x < 256^size (binary search over the powers of 256, as numbers: exact).
  let size = 4
  let hi = 32
  while (size < hi) {
    const mid = (size + hi) >>> 1
    if (x < (POWERS_OF_256[mid] as number)) hi = mid
    else size = mid + 1
  }
  let unit = POWERS_OF_256[size - 3] as number
  // GetCompact's sign-bit rule: a mantissa of 2^23 or more takes one more byte.
  if (x >= 8_388_608 * unit) {
    unit *= 256
    size++
  }
  const f = x / unit
  const mantissa = Math.floor(f)
  if (f - mantissa < MARGIN || f - mantissa > 1 - MARGIN) return undefined
  return ((size << 24) | mantissa) >>> 0
}

let lastPowLimit = -1n
let lastPowLimitNumber = 0

function powLimitNumber(powLimit: bigint): number {
  if (powLimit !== lastPowLimit) {
    lastPowLimit = powLimit
    lastPowLimitNumber = Number(powLimit)
  }
  return lastPowLimitNumber
}

// count x k as a bigint for the last (count, k) asked: a full window asks the same one for every block.
let lastCount = -1
let lastK = -1
let lastDenominator = 1n

function denominator(count: number, k: number): bigint {
  if (count !== lastCount || k !== lastK) {
    lastDenominator = BigInt(count) * BigInt(k)
    lastCount = count
    lastK = k
  }
  return lastDenominator
}

/** The median of the timestamps of a block and up to 10 ancestors (median-time-past, as Bitcoin). */
export function medianTimePast(timestamps: readonly number[]): number {
  return medianInPlace(timestamps.slice(), timestamps.length)
}

/**
 * The median of the first `n` values of `a`, sorting them in place (insertion sort of at most 11 numbers:
 * no comparator calls, no copy). For callers that gather median-time-past's timestamps into a scratch array.
 */
export function medianInPlace(a: number[] | Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const v = a[i] as number
    let j = i - 1
    while (j >= 0 && (a[j] as number) > v) {
      a[j + 1] = a[j] as number
      j--
    }
    a[j + 1] = v
  }
  return a[Math.floor(n / 2)] as number
}

/** How many timestamps median-time-past looks at. */
export const MEDIAN_TIME_SPAN = 11

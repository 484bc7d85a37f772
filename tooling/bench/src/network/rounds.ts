import type { BenchResult, SuiteContext } from '../types'

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** One async measurement: resolves with a figure where higher is better (bytes/s, handshakes/s). */
export type Measure = () => Promise<number>

/** Medians of every measured case, and per-round ratios. */
export class Rounds {
  readonly samples = new Map<string, number[]>()

  /**
   * The async counterpart of `compare()` in measure.ts: runs every case once per round, `rounds` times, in
   * an order rotated each round so no case always follows the same one, and keeps every sample. Cases
   * alternate round by round, so machine noise hits all of them alike.
   */
  static async run(
    cases: Readonly<Record<string, Measure>>,
    rounds: number,
    r: Rounds = new Rounds(),
  ): Promise<Rounds> {
    const names = Object.keys(cases)
    for (const n of names) r.samples.set(n, [])
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + round) % names.length] as string
        const value = await (cases[name] as Measure)()
        ;(r.samples.get(name) as number[]).push(value)
      }
    }
    return r
  }

  /** Adds a sample of a derived figure (call it once per round, like the cases, to keep rounds aligned). */
  record(name: string, value: number): void {
    let xs = this.samples.get(name)
    if (xs === undefined) this.samples.set(name, (xs = []))
    xs.push(value)
  }

  /** The median of a case. */
  median(name: string): number {
    return median(this.of(name))
  }

  /**
   * The median over rounds of `candidate / baseline` measured in the same round: robust to the machine
   * getting slower or faster during the run.
   */
  ratio(candidate: string, baseline: string): number {
    const a = this.of(candidate)
    const b = this.of(baseline)
    return median(a.map((x, i) => x / (b[i] as number)))
  }

  private of(name: string): number[] {
    const xs = this.samples.get(name)
    if (xs === undefined || xs.length === 0) throw new Error(`no samples of ${name}`)
    return xs
  }
}

/**
 * Runs `part` `runs` times (each run reporting into a collector) and reports each of its figures once: the
 * median over the runs of its value, baseline value and ratio, the metric marked with the run count. With
 * one run the figures pass through as they are.
 */
export async function medianOfRuns(
  ctx: SuiteContext,
  runs: number,
  part: (ctx: SuiteContext) => Promise<void>,
): Promise<void> {
  if (runs <= 1) {
    await part(ctx)
    return
  }
  const rows = new Map<string, BenchResult[]>()
  for (let run = 0; run < runs; run++) {
    await part({
      args: ctx.args,
      report: (result) => {
        const key = `${result.case}\u0000${result.metric}\u0000${result.baseline ?? ''}`
        const list = rows.get(key)
        if (list === undefined) rows.set(key, [result])
        else list.push(result)
      },
    })
  }
  const pick = (list: BenchResult[], field: 'baselineValue' | 'ratio'): number | undefined => {
    const xs = list.map((r) => r[field]).filter((x): x is number => x !== undefined)
    return xs.length === 0 ? undefined : median(xs)
  }
  for (const list of rows.values()) {
    const first = list[0] as BenchResult
    const baselineValue = pick(list, 'baselineValue')
    const ratio = pick(list, 'ratio')
    ctx.report({
      ...first,
      metric: `${first.metric}, median of ${list.length} runs`,
      value: median(list.map((r) => r.value)),
      ...(baselineValue === undefined ? {} : { baselineValue }),
      ...(ratio === undefined ? {} : { ratio }),
    })
  }
}

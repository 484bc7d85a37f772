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

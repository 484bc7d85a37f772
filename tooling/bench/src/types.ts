/**
 * One benchmark figure, printed as one JSON line with `--json` (DESIGN.md §7). `ratio` is oriented so that
 * > 1 means better than the baseline (faster, smaller, fewer duplicates).
 */
export interface BenchResult {
  suite: string
  case: string
  metric: string
  value: number
  unit: string
  baseline?: string
  baselineValue?: number
  ratio?: number
}

/** What a suite receives: the arguments after its name, and a way to report a figure as soon as it exists. */
export interface SuiteContext {
  args: readonly string[]
  report(result: BenchResult): void
}

/** A benchmark suite: `pnpm bench <name>` runs it. */
export interface Suite {
  name: string
  description: string
  run(ctx: SuiteContext): Promise<void>
}

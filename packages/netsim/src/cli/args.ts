/** A parsed command line. */
export type Command =
  | {
      readonly command: 'run'
      readonly file: string
      readonly seed: number | string | undefined
      readonly out: string
      readonly quiet: boolean
    }
  | { readonly command: 'validate'; readonly file: string }
  | { readonly command: 'help' }

/** Usage text. */
export const USAGE = `usage:
  chainwire-netsim run <scenario.yaml|json> [--seed <n>] [--out <dir>] [--quiet]
  chainwire-netsim validate <scenario.yaml|json>

  run       simulates the scenario in virtual time and writes <dir>/report.json and <dir>/report.svg
            --seed   seed of the run (an integer, or any text); default: the scenario's seed
            --out    output directory; default: report
            --quiet  print nothing but errors
  validate  checks the scenario file and prints what it describes`

/** Thrown for a command line that does not parse; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** A seed from the command line: digits become a number, anything else stays text. */
export function parseSeed(text: string): number | string {
  return /^\d{1,15}$/.test(text) ? Number(text) : text
}

/** Parses `argv` (without node and the script). */
export function parseArgs(argv: readonly string[]): Command {
  const args = [...argv]
  const command = args.shift()
  if (command === undefined || command === 'help' || command === '--help' || command === '-h')
    return { command: 'help' }
  if (command !== 'run' && command !== 'validate') throw new UsageError(`unknown command: ${command}`)
  let file: string | undefined
  let seed: number | string | undefined
  let out = 'report'
  let quiet = false
  while (args.length > 0) {
    const arg = args.shift() as string
    const value = (): string => {
      const v = args.shift()
      if (v === undefined) throw new UsageError(`${arg} needs a value`)
      return v
    }
    if (arg === '--seed' && command === 'run') seed = parseSeed(value())
    else if (arg.startsWith('--seed=') && command === 'run') seed = parseSeed(arg.slice(7))
    else if (arg === '--out' && command === 'run') out = value()
    else if (arg.startsWith('--out=') && command === 'run') out = arg.slice(6)
    else if (arg === '--quiet' && command === 'run') quiet = true
    else if (arg.startsWith('-')) throw new UsageError(`unknown option: ${arg}`)
    else if (file === undefined) file = arg
    else throw new UsageError(`unexpected argument: ${arg}`)
  }
  if (file === undefined) throw new UsageError(`${command} needs a scenario file`)
  return command === 'run' ? { command, file, seed, out, quiet } : { command, file }
}

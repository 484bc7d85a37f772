import { parseArgs as parseCommandLine } from 'node:util'
import type { CipherName } from '../scenario/types'

/** A parsed command line. */
export type Command =
  | {
      readonly command: 'run'
      readonly file: string
      readonly seed: number | string | undefined
      readonly out: string
      readonly quiet: boolean
      /** Overrides the scenario's `cipher`; undefined keeps it. */
      readonly cipher: CipherName | undefined
    }
  | { readonly command: 'validate'; readonly file: string }
  | { readonly command: 'help' }
  | { readonly command: 'version' }

/** Exit code of a successful command. */
export const EXIT_OK = 0
/** Exit code of an invalid scenario, an unreadable file or a failed run (the error code is printed). */
export const EXIT_FAILED = 1
/** Exit code of a command line that does not parse (the usage is printed). */
export const EXIT_USAGE = 2

/** Usage text. */
export const USAGE = `usage:
  chainwire-netsim run <scenario.yaml|json> [--seed <n>] [--out <dir>] [--cipher <name>] [--quiet]
  chainwire-netsim validate <scenario.yaml|json>
  chainwire-netsim --version
  chainwire-netsim --help

  run       simulates the scenario in virtual time and writes <dir>/report.json and <dir>/report.svg
            --seed    seed of the run (an integer, or any text); default: the scenario's seed
            --out     output directory; default: report
            --cipher  Noise transport cipher of the nodes: chacha20-poly1305 (real) or null (cheaper
                      scale runs, same report); default: the scenario's cipher
            --quiet   print nothing but errors
  validate  checks the scenario file and prints what it describes

exit codes:
  0  success
  1  invalid scenario, unreadable file or failed run (the error code is printed)
  2  bad command line (this usage is printed)`

/** Thrown for a command line that does not parse; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** A seed from the command line: digits become a number, anything else stays text. */
export function parseSeed(text: string): number | string {
  return /^\d{1,15}$/.test(text) ? Number(text) : text
}

const CIPHERS: readonly CipherName[] = ['chacha20-poly1305', 'null']

const OPTIONS = {
  seed: { type: 'string' },
  out: { type: 'string' },
  cipher: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const

/** Options each command accepts (`help` and `version` go with any). */
const ALLOWED: Record<'run' | 'validate', readonly string[]> = {
  run: ['seed', 'out', 'cipher', 'quiet'],
  validate: [],
}

/** Parses `argv` (without node and the script) with `node:util`'s `parseArgs`; throws {@link UsageError}. */
export function parseArgs(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parseCommandLine<{ options: typeof OPTIONS; allowPositionals: true }>>
  try {
    parsed = parseCommandLine({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals } = parsed
  if (values.version === true) return { command: 'version' }
  const [command, file, ...rest] = positionals
  if (values.help === true || command === undefined || command === 'help') return { command: 'help' }
  if (command !== 'run' && command !== 'validate') throw new UsageError(`unknown command: ${command}`)
  for (const name of Object.keys(values)) {
    if (!ALLOWED[command].includes(name)) throw new UsageError(`${command} takes no --${name}`)
  }
  if (file === undefined) throw new UsageError(`${command} needs a scenario file`)
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`)
  if (command === 'validate') return { command, file }
  const cipher = values.cipher
  if (cipher !== undefined && !CIPHERS.includes(cipher as CipherName)) {
    throw new UsageError(`--cipher must be one of ${CIPHERS.join(', ')}`)
  }
  return {
    command,
    file,
    seed: values.seed === undefined ? undefined : parseSeed(values.seed),
    out: values.out ?? 'report',
    quiet: values.quiet === true,
    cipher: cipher as CipherName | undefined,
  }
}

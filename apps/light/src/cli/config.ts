import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { devnet as devnetChain, type Network } from '@chainwire/chain'
import { LightClientError } from '../errors'
import { networkFromJson } from '../node/chain-params'
import { readDevnet } from '../node/devnet'
import type { Checkpoint, LightClientOptions } from '../options'

/** Everything a command needs, resolved from flags, `CHAINWIRE_LIGHT_*` variables, the config file and defaults. */
export interface CliConfig {
  readonly command: string | undefined
  readonly args: readonly string[]
  readonly help: boolean
  readonly version: boolean
  readonly json: boolean
  readonly dataDir: string
  readonly chain: Network
  /** Where the chain and bootstrap came from, for the banner. */
  readonly source: string
  readonly options: Partial<LightClientOptions>
  readonly timeoutMs: number
  readonly fromHeight: number
}

/** The flags, each also `CHAINWIRE_LIGHT_<NAME>` (upper case, `-` as `_`) and a config-file key (camelCase). */
export const FLAGS = {
  config: { type: 'string', doc: 'JSON config file (default: <data-dir>/light.json when it exists)' },
  'data-dir': {
    type: 'string',
    doc: 'where headers, filter headers, bans and the identity live (.chainwire-light)',
  },
  devnet: {
    type: 'string',
    doc: "a devnet folder: its devnet.json gives the chain and the nodes' addresses",
  },
  chain: {
    type: 'string',
    doc: "JSON file of the chain's createNetwork parameters (default: chain's devnet)",
  },
  'network-id': { type: 'string', doc: "P2P network id (default: the devnet's, or the chain id)" },
  bootstrap: {
    type: 'string',
    multiple: true,
    doc: 'a full node to connect to (tcp://host:port); repeat or comma-separate',
  },
  'min-agreeing-groups': {
    type: 'string',
    doc: 'network groups that must agree on the tip (2; 1 for a local devnet)',
  },
  checkpoint: { type: 'string', doc: 'height:hash of a block the chain must contain' },
  listen: { type: 'string', multiple: true, doc: 'addresses to listen on (none)' },
  timeout: { type: 'string', doc: 'verify-tx: how long to wait for the block, in ms (60000)' },
  from: { type: 'string', doc: 'watch: first height to scan (0)' },
  json: { type: 'boolean', doc: 'one JSON object per line instead of text' },
  help: { type: 'boolean', short: 'h', doc: 'this help' },
  version: { type: 'boolean', short: 'v', doc: 'the version' },
} as const

type FlagName = keyof typeof FLAGS
type Raw = Partial<Record<FlagName, string | string[] | boolean>>

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
}

function fromEnv(env: NodeJS.ProcessEnv): Raw {
  const out: Raw = {}
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, (typeof FLAGS)[FlagName]][]) {
    const v = env[`CHAINWIRE_LIGHT_${name.toUpperCase().replace(/-/g, '_')}`]
    if (v === undefined || v === '') continue
    if (spec.type === 'boolean') out[name] = v === '1' || v === 'true'
    else out[name] = 'multiple' in spec ? v.split(',') : v
  }
  return out
}

function fromFile(path: string): Raw & { options?: Record<string, unknown>; chainParams?: unknown } {
  let json: Record<string, unknown>
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch (err) {
    throw new LightClientError('ERR_CONFIG', `config file ${path} is not readable JSON`, { cause: err })
  }
  const out: Raw & { options?: Record<string, unknown>; chainParams?: unknown } = {}
  for (const name of Object.keys(FLAGS) as FlagName[]) {
    const v = json[camel(name)]
    if (v === undefined) continue
    if (name === 'chain' && typeof v === 'object') out.chainParams = v
    else out[name] = typeof v === 'number' ? String(v) : (v as string | string[] | boolean)
  }
  if (typeof json.options === 'object' && json.options !== null)
    out.options = json.options as Record<string, unknown>
  return out
}

function integer(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 0)
    throw new LightClientError('ERR_CONFIG', `--${name} must be a non-negative integer`)
  return n
}

function checkpointOf(v: string | undefined): Checkpoint | undefined {
  if (v === undefined) return undefined
  const m = /^(\d+):([0-9a-f]{64})$/.exec(v)
  if (m === null) throw new LightClientError('ERR_CONFIG', '--checkpoint must be height:hash (64 hex)')
  return { height: Number(m[1]), hash: m[2] as string }
}

const list = (v: string | string[] | boolean | undefined): string[] =>
  v === undefined || typeof v === 'boolean'
    ? []
    : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).filter((x) => x !== '')
const str = (v: string | string[] | boolean | undefined): string | undefined =>
  typeof v === 'string' ? v : Array.isArray(v) ? v[v.length - 1] : undefined

/** Parses the command line: flags beat `CHAINWIRE_LIGHT_*` variables, which beat the config file. */
export async function resolveConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<CliConfig> {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(FLAGS).map(([k, v]) => [
          k,
          {
            type: v.type,
            ...('multiple' in v ? { multiple: true } : {}),
            ...('short' in v ? { short: v.short } : {}),
          },
        ]),
      ),
    })
  } catch (err) {
    throw new LightClientError('ERR_CONFIG', (err as Error).message)
  }
  const flags = parsed.values as Raw
  const envRaw = fromEnv(env)
  const dataDir = str(flags['data-dir']) ?? str(envRaw['data-dir']) ?? '.chainwire-light'
  const configPath = str(flags.config) ?? str(envRaw.config) ?? join(dataDir, 'light.json')
  const explicit = flags.config !== undefined || envRaw.config !== undefined
  const file = explicit || existsSync(configPath) ? fromFile(configPath) : {}
  const pick = (name: FlagName) => flags[name] ?? envRaw[name] ?? file[name]
  const [command, ...args] = parsed.positionals
  const base = {
    command,
    args,
    help: pick('help') === true,
    version: pick('version') === true,
    json: pick('json') === true,
  }
  const min = integer(str(pick('min-agreeing-groups')), 'min-agreeing-groups')
  const options: Partial<LightClientOptions> = {
    ...(file.options as Partial<LightClientOptions> | undefined),
    ...(min !== undefined ? { minAgreeingGroups: min } : {}),
    ...(pick('checkpoint') !== undefined ? { checkpoint: checkpointOf(str(pick('checkpoint'))) } : {}),
    ...(pick('listen') !== undefined ? { listen: list(pick('listen')) } : {}),
  }
  let chain: Network = devnetChain
  let source = 'the chain devnet parameters'
  let bootstrap = list(pick('bootstrap'))
  let networkId = str(pick('network-id'))
  const devnetDir = str(pick('devnet'))
  if (base.help || base.version) {
    // nothing to load
  } else if (devnetDir !== undefined) {
    const d = await readDevnet(devnetDir)
    chain = d.chain
    source = `devnet ${devnetDir} (${d.nodes.length} nodes)`
    if (bootstrap.length === 0) bootstrap = [...d.bootstrap]
    networkId ??= d.networkId
    // Every node of a local devnet is in one network group: agreement between groups cannot happen there.
    if (min === undefined && options.minAgreeingGroups === undefined) options.minAgreeingGroups = 1
  } else if (file.chainParams !== undefined || pick('chain') !== undefined) {
    const params =
      file.chainParams ??
      (() => {
        const p = str(pick('chain')) as string
        try {
          return JSON.parse(readFileSync(p, 'utf8')) as unknown
        } catch (err) {
          throw new LightClientError('ERR_CONFIG', `chain file ${p} is not readable JSON`, { cause: err })
        }
      })()
    chain = networkFromJson(params)
    source = `chain ${chain.id}`
  }
  options.bootstrap = bootstrap
  if (networkId !== undefined) options.networkId = networkId
  return {
    ...base,
    dataDir,
    chain,
    source,
    options,
    timeoutMs: integer(str(pick('timeout')), 'timeout') ?? 60_000,
    fromHeight: integer(str(pick('from')), 'from') ?? 0,
  }
}

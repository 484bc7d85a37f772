import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultsOf, type OptionField, type OptionSpec, resolveOptions } from '@chainwire/interface'
import { resolveChainParams } from '../devnet/chain-params'
import { NodeError } from '../errors'
import { CONFIG_SPEC, type NodeConfig } from './schema'

/** The configuration file inside a data dir. */
export const CONFIG_FILE = 'config.json'
/** Prefix of the environment variables that set configuration fields. */
export const ENV_PREFIX = 'CHAINWIRE_'

/** A partial configuration from one source (file, environment, flags). */
export type ConfigLayer = Record<string, unknown>

/** Every leaf field of the spec: its dotted path and its default. */
export function configFields(
  spec: OptionSpec<unknown> = CONFIG_SPEC as OptionSpec<unknown>,
  prefix = '',
): { path: string; field: OptionField<unknown> }[] {
  const out: { path: string; field: OptionField<unknown> }[] = []
  for (const [key, field] of Object.entries(spec as Record<string, OptionField<unknown>>)) {
    if (field.nested !== undefined)
      out.push(...configFields(field.nested as OptionSpec<unknown>, `${prefix}${key}.`))
    else out.push({ path: prefix + key, field })
  }
  return out
}

/** `mining.intervalMs` → `CHAINWIRE_MINING_INTERVAL_MS`. */
export function envName(path: string): string {
  return (
    ENV_PREFIX +
    path
      .replace(/\./g, '_')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toUpperCase()
  )
}

/**
 * Reads a text value (an environment variable, `--set path=value`) as the type of the field's default: lists
 * are comma-separated, booleans `true`/`false`, numbers decimal, objects JSON. A text that does not read is
 * kept as text, so the resolver names the field in its error.
 */
export function parseFieldText(field: OptionField<unknown>, text: string): unknown {
  const d = field.default
  if (Array.isArray(d))
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
  if (typeof d === 'boolean')
    return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text
  if (typeof d === 'number') return /^-?[0-9]+(\.[0-9]+)?$/.test(text.trim()) ? Number(text) : text
  if (d === null || typeof d === 'object') {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

/** Sets `value` at a dotted path of a layer. */
export function setPath(layer: ConfigLayer, path: string, value: unknown): void {
  const keys = path.split('.')
  let at = layer
  for (const key of keys.slice(0, -1)) {
    const next = at[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[key] = {}
    at = at[key] as ConfigLayer
  }
  at[keys[keys.length - 1] as string] = value
}

/** The configuration the `CHAINWIRE_*` variables of `env` set. */
export function envLayer(env: NodeJS.ProcessEnv): ConfigLayer {
  const layer: ConfigLayer = {}
  for (const { path, field } of configFields()) {
    const text = env[envName(path)]
    if (text !== undefined) setPath(layer, path, parseFieldText(field, text))
  }
  return layer
}

/** `--set path=value` assignments as a layer; an unknown path is a usage error naming it. */
export function assignmentLayer(assignments: readonly string[]): ConfigLayer {
  const fields = new Map(configFields().map((f) => [f.path, f.field]))
  const layer: ConfigLayer = {}
  for (const a of assignments) {
    const eq = a.indexOf('=')
    const path = eq < 0 ? a : a.slice(0, eq)
    const field = fields.get(path)
    if (eq < 0 || field === undefined)
      throw new NodeError('ERR_INVALID_CONFIG', `--set ${a}: unknown field ${path}`, { option: path })
    setPath(layer, path, parseFieldText(field, a.slice(eq + 1)))
  }
  return layer
}

/** The data dir's `config.json`, or an empty layer when there is none. */
export function fileLayer(dataDir: string): ConfigLayer {
  const file = join(dataDir, CONFIG_FILE)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new NodeError('ERR_CONFIG_FILE', `cannot read ${file}`, { file }, { cause: err })
  }
  try {
    const doc = JSON.parse(text) as unknown
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object')
    return doc as ConfigLayer
  } catch (err) {
    throw new NodeError('ERR_CONFIG_FILE', `${file} is not a JSON object`, { file }, { cause: err })
  }
}

/** Merges layers, later ones winning field by field (arrays are replaced, not concatenated). */
export function mergeLayers(...layers: ConfigLayer[]): ConfigLayer {
  const out: ConfigLayer = {}
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const prev = out[key]
      const isObj = (v: unknown): v is ConfigLayer => typeof v === 'object' && v !== null && !Array.isArray(v)
      out[key] = key !== 'chain' && isObj(prev) && isObj(value) ? mergeLayers(prev, value) : value
    }
  }
  return out
}

/** Resolves merged layers against the spec; a bad field throws `ERR_INVALID_CONFIG` naming it. */
export function resolveConfig(...layers: ConfigLayer[]): NodeConfig {
  const error = (message: string, details: { option: string; value?: unknown; problem: string }) =>
    new NodeError('ERR_INVALID_CONFIG', `config: ${message.replace(/^option /, '')}`, details)
  const config = resolveOptions(CONFIG_SPEC, mergeLayers(...layers), { error })
  if (config.chain !== null) config.chain = resolveOptionsChain(config.chain, error)
  return config
}

type ErrorFactory = (message: string, details: { option: string; value?: unknown; problem: string }) => Error

function resolveOptionsChain(chain: unknown, error: ErrorFactory) {
  try {
    return resolveChainParams(chain, 'chain.')
  } catch (err) {
    const d = (err as { details?: { option: string; problem: string; value?: unknown } }).details
    if (d !== undefined) throw error(`option ${d.option} ${d.problem}`, d)
    throw err
  }
}

/** The configuration of a node: the data dir's file, then the environment, then flags. */
export function loadConfig(dataDir: string, env: NodeJS.ProcessEnv, flags: ConfigLayer = {}): NodeConfig {
  return resolveConfig(fileLayer(dataDir), envLayer(env), flags)
}

/** Every default, for `chainwire-node config --defaults` and the README. */
export function defaultConfig(): NodeConfig {
  return defaultsOf(CONFIG_SPEC)
}

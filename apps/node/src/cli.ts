/**
 * `chainwire-node`: the command line of chainwire's reference full node. Commands: init, start, devnet,
 * status, peers, config, wallet new|balance|send. `--help` and `--version` work on every command; exit codes
 * are in `errors.ts` (`EXIT`) and the README.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import {
  assignmentLayer,
  CONFIG_FILE,
  type ConfigLayer,
  loadConfig,
  mergeLayers,
  setPath,
} from './config/load'
import {
  DATA_DIR_FILES,
  DataDir,
  defaultDataDir,
  readCookie,
  readOrCreateSecret,
  readPorts,
} from './data-dir'
import { Devnet } from './devnet/run'
import { EXIT, exitCodeOf, NodeError } from './errors'
import { createNodeLogger } from './logger'
import { chainNetworkOf } from './node'
import { runNode, stopOnSignals } from './runner'
import { apiCall, faucetSecret, sendTransfer, walletKey } from './wallet'

/** The version printed by `--version`. */
export const VERSION = '0.1.0'

type Spec = NonNullable<Parameters<typeof parseArgs>[0]>['options']
const COMMON: Spec = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  'data-dir': { type: 'string', short: 'd' },
}
const NODE_FLAGS: Spec = {
  ...COMMON,
  listen: { type: 'string', multiple: true },
  announce: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  peer: { type: 'string', multiple: true },
  'dns-seed': { type: 'string', multiple: true },
  api: { type: 'string' },
  'no-api': { type: 'boolean' },
  roles: { type: 'string' },
  mine: { type: 'boolean' },
  mdns: { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  set: { type: 'string', multiple: true },
}
const API_FLAGS: Spec = { ...COMMON, api: { type: 'string' }, json: { type: 'boolean' } }

const HELP: Record<string, string> = {
  main: `chainwire-node ${VERSION}: chainwire's reference full node

usage: chainwire-node <command> [options]

commands:
  init      create a data dir (identity key, config.json)
  start     run a node
  devnet    run a local devnet of node processes (what \`pnpm start\` runs)
  status    print a running node's status
  peers     list a running node's peers with their scores
  config    print the effective configuration
  wallet    new | balance [key] | send --to <key> --amount <n>

every command takes --help and --version; the data dir is --data-dir, else $CHAINWIRE_DATA_DIR, else ~/.chainwire
exit codes: 0 ok, 1 failure, 2 bad usage or configuration, 3 data dir locked, 4 data dir of another format or
network, 5 node API unreachable`,
  init: `usage: chainwire-node init [--data-dir D] [node options]
creates the data dir, its identity key (mode 0600) and a config.json holding the options given`,
  start: `usage: chainwire-node start [--data-dir D] [options]
  --listen <addr>       P2P listen address, repeatable (tcp://0.0.0.0:9333, ws://0.0.0.0:9334/)
  --announce <addr>     address announced to peers, repeatable
  --bootstrap <addr>    bootstrap node, repeatable
  --peer <addr>         persistent peer, repeatable
  --dns-seed <host>     DNS seed, repeatable
  --api <host:port>     API bind address (127.0.0.1:9380); --no-api turns the API off
  --roles <list>        full,bootstrap,validator,relay
  --mine                mine blocks
  --mdns <auto|on|off>  mDNS on the LAN (auto: devnets only)
  --log-level <level>   fatal error warn info debug trace silent
  --log-format <fmt>    auto json pretty
  --set <path=value>    any configuration field (mining.intervalMs=2000), repeatable
configuration: <data dir>/config.json, then CHAINWIRE_* variables (CHAINWIRE_MINING_ENABLED=true), then flags`,
  devnet: `usage: chainwire-node devnet [--dir D] [--nodes N] [--miners M] [--block-time ms] [--log-level L]
runs N node processes on loopback (default 4: a bootstrap node, a miner, a validator, a full node), each with
its data dir under D (default .devnet), writes D/devnet.json and stops them all on Ctrl-C`,
  status: `usage: chainwire-node status [--data-dir D | --api URL] [--json]`,
  peers: `usage: chainwire-node peers [--data-dir D | --api URL] [--json]`,
  config: `usage: chainwire-node config [--data-dir D] [node options]
prints the effective configuration (file, environment and flags merged) as JSON`,
  wallet: `usage:
  chainwire-node wallet new [--data-dir D]                       create (or show) the data dir's wallet key
  chainwire-node wallet balance [key] [--faucet] [--api URL]     balance of a key (default: the wallet's)
  chainwire-node wallet send --to <key> --amount <n> [--fee <n>] [--faucet] [--api URL]
--faucet uses the devnet faucet's published key instead of the wallet's`,
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code, or never for start/devnet. */
export async function main(
  argv: readonly string[],
  out = (s: string) => process.stdout.write(`${s}\n`),
): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(HELP.main as string)
    return command === undefined ? EXIT.usage : EXIT.ok
  }
  if (command === '--version' || command === '-v') {
    out(VERSION)
    return EXIT.ok
  }
  const run = COMMANDS[command]
  if (run === undefined) {
    out(`unknown command ${command}\n\n${HELP.main}`)
    return EXIT.usage
  }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...rest],
      options: run.flags,
      allowPositionals: run.positionals,
      strict: true,
    })
  } catch (err) {
    out(`${(err as Error).message}\n\n${HELP[command]}`)
    return EXIT.usage
  }
  const values = parsed.values as Record<string, unknown>
  if (values.help === true) {
    out(HELP[command] as string)
    return EXIT.ok
  }
  if (values.version === true) {
    out(VERSION)
    return EXIT.ok
  }
  return run.handler(values, parsed.positionals, out)
}

type Handler = (
  values: Record<string, unknown>,
  positionals: string[],
  out: (s: string) => void,
) => Promise<number>
const COMMANDS: Record<string, { flags: Spec; positionals: boolean; handler: Handler }> = {
  init: { flags: NODE_FLAGS, positionals: false, handler: init },
  start: { flags: NODE_FLAGS, positionals: false, handler: start },
  config: { flags: NODE_FLAGS, positionals: false, handler: showConfig },
  devnet: {
    flags: {
      ...COMMON,
      dir: { type: 'string' },
      nodes: { type: 'string' },
      miners: { type: 'string' },
      'block-time': { type: 'string' },
      'log-level': { type: 'string' },
    },
    positionals: false,
    handler: devnet,
  },
  status: { flags: API_FLAGS, positionals: false, handler: status },
  peers: { flags: API_FLAGS, positionals: false, handler: peers },
  wallet: {
    flags: {
      ...API_FLAGS,
      faucet: { type: 'boolean' },
      to: { type: 'string' },
      amount: { type: 'string' },
      fee: { type: 'string' },
    },
    positionals: true,
    handler: wallet,
  },
}

function dataDirOf(values: Record<string, unknown>): string {
  return resolve((values['data-dir'] as string | undefined) ?? defaultDataDir())
}

/** The configuration layer the flags of `start`, `init` and `config` set. */
export function flagLayer(values: Record<string, unknown>): ConfigLayer {
  const layer: ConfigLayer = {}
  const lists: [string, string][] = [
    ['listen', 'listen'],
    ['announce', 'announce'],
    ['bootstrap', 'bootstrap'],
    ['peer', 'persistentPeers'],
    ['dns-seed', 'dnsSeeds'],
  ]
  for (const [flag, path] of lists) if (values[flag] !== undefined) setPath(layer, path, values[flag])
  if (values.api !== undefined) setPath(layer, 'api.listen', values.api)
  if (values['no-api'] === true) setPath(layer, 'api.enabled', false)
  if (values.roles !== undefined)
    setPath(
      layer,
      'roles',
      String(values.roles)
        .split(',')
        .filter((r) => r !== ''),
    )
  if (values.mine === true) setPath(layer, 'mining.enabled', true)
  if (values.mdns !== undefined) setPath(layer, 'mdns', values.mdns)
  if (values['log-level'] !== undefined) setPath(layer, 'log.level', values['log-level'])
  if (values['log-format'] !== undefined) setPath(layer, 'log.format', values['log-format'])
  return mergeLayers(layer, assignmentLayer((values.set as string[] | undefined) ?? []))
}

async function init(
  values: Record<string, unknown>,
  _p: string[],
  out: (s: string) => void,
): Promise<number> {
  const dir = dataDirOf(values)
  const flags = flagLayer(values)
  const config = loadConfig(dir, process.env, flags)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (Object.keys(flags).length > 0)
    writeFileSync(join(dir, CONFIG_FILE), `${JSON.stringify(flags, null, 2)}\n`)
  const data = DataDir.open(dir, chainNetworkOf(config).id)
  try {
    const identity = await data.identity()
    readOrCreateSecret(data.file('wallet'))
    out(JSON.stringify({ dataDir: dir, peerId: identity.peerId, networkId: chainNetworkOf(config).id }))
  } finally {
    data.close()
  }
  return EXIT.ok
}

async function start(values: Record<string, unknown>): Promise<number> {
  const dir = dataDirOf(values)
  const config = loadConfig(dir, process.env, flagLayer(values))
  const logger = createNodeLogger(config.log)
  const running = await runNode(config, dir, logger)
  stopOnSignals(running.stop, logger)
  return new Promise<number>(() => {}) // runs until a signal
}

async function showConfig(
  values: Record<string, unknown>,
  _p: string[],
  out: (s: string) => void,
): Promise<number> {
  out(JSON.stringify(loadConfig(dataDirOf(values), process.env, flagLayer(values)), null, 2))
  return EXIT.ok
}

function positiveInt(text: unknown, name: string, dflt: number): number {
  if (text === undefined) return dflt
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new NodeError('ERR_USAGE', `--${name} must be a positive integer`)
  return n
}

async function devnet(
  values: Record<string, unknown>,
  _p: string[],
  out: (s: string) => void,
): Promise<number> {
  const dir = resolve((values.dir as string | undefined) ?? '.devnet')
  const net = await Devnet.start({
    dir,
    nodes: positiveInt(values.nodes, 'nodes', 4),
    miners: Number(values.miners ?? 1),
    blockTimeMs: positiveInt(values['block-time'], 'block-time', 2_000),
    logLevel: (values['log-level'] as string | undefined) ?? 'info',
    say: out,
  })
  const first = net.nodes()[0]
  out(`devnet ${net.chain.id}: ${net.nodes().length} nodes, ${join(dir, 'devnet.json')}`)
  out(`dashboard: ${first?.api ?? '(no API)'}/`)
  out('Ctrl-C stops every node')
  let signalled = false
  const stop = () => {
    if (signalled) process.exit(130)
    signalled = true
    out('stopping the devnet…')
    net.stop().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return new Promise<number>(() => {})
}

function apiOf(values: Record<string, unknown>): string {
  if (values.api !== undefined) return String(values.api)
  const dir = dataDirOf(values)
  const ports = readPorts(dir)
  if (ports?.api === undefined)
    throw new NodeError('ERR_API', `no running node in ${dir} (no ${DATA_DIR_FILES.ports})`)
  return ports.api
}

async function status(
  values: Record<string, unknown>,
  _p: string[],
  out: (s: string) => void,
): Promise<number> {
  const s = await apiCall(apiOf(values), '/api/status')
  if (values.json === true) out(JSON.stringify(s))
  else {
    for (const [k, v] of Object.entries(s))
      out(`${k.padEnd(14)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
  }
  return EXIT.ok
}

async function peers(
  values: Record<string, unknown>,
  _p: string[],
  out: (s: string) => void,
): Promise<number> {
  const list = (await apiCall(apiOf(values), '/api/peers')) as unknown as Record<string, unknown>[]
  if (values.json === true) out(JSON.stringify(list))
  else {
    out(`${'peer'.padEnd(56)} ${'dir'.padEnd(8)} ${'kind'.padEnd(12)} ${'latency'.padEnd(9)} score`)
    for (const p of list) {
      const latency = p.latencyMs === null ? '-' : `${Number(p.latencyMs).toFixed(1)}ms`
      out(
        `${String(p.peerId).padEnd(56)} ${String(p.direction).padEnd(8)} ${String(p.kind).padEnd(12)} ${latency.padEnd(9)} ${Number(p.score).toFixed(2)} ${p.state}`,
      )
    }
  }
  return EXIT.ok
}

async function wallet(
  values: Record<string, unknown>,
  positionals: string[],
  out: (s: string) => void,
): Promise<number> {
  const [sub, arg] = positionals
  const secret = () =>
    values.faucet === true
      ? faucetSecret()
      : readOrCreateSecret(join(dataDirOf(values), DATA_DIR_FILES.wallet))
  if (sub === 'new') {
    mkdirSync(dataDirOf(values), { recursive: true, mode: 0o700 })
    out(JSON.stringify({ publicKey: walletKey(secret()).publicKey }))
    return EXIT.ok
  }
  if (sub === 'balance') {
    const key = arg ?? walletKey(secret()).publicKey
    out(JSON.stringify(await apiCall(apiOf(values), `/api/accounts/${key}`)))
    return EXIT.ok
  }
  if (sub === 'send') {
    if (typeof values.to !== 'string' || !/^[0-9a-f]{64}$/.test(values.to))
      throw new NodeError('ERR_USAGE', '--to must be a 32-byte public key in hex')
    if (typeof values.amount !== 'string' || !/^[0-9]{1,20}$/.test(values.amount))
      throw new NodeError('ERR_USAGE', '--amount must be a whole number')
    const fee = (values.fee as string | undefined) ?? '1000'
    if (!/^[0-9]{1,20}$/.test(fee)) throw new NodeError('ERR_USAGE', '--fee must be a whole number')
    const base = apiOf(values)
    const s = await apiCall(base, '/api/status')
    out(
      JSON.stringify(
        await sendTransfer(base, secret(), String(s.networkId), {
          to: values.to,
          amount: BigInt(values.amount),
          fee: BigInt(fee),
        }),
      ),
    )
    return EXIT.ok
  }
  throw new NodeError('ERR_USAGE', `wallet ${sub ?? ''}: expected new, balance or send`)
}

/** Reads the admin token of the node in a data dir (for scripts and tests). */
export { readCookie }

const isMain =
  process.argv[1] !== undefined && /cli\.(ts|js|cjs|mjs)$|chainwire-node(\.mjs)?$/.test(process.argv[1])
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`chainwire-node: ${(err as Error).message ?? String(err)}\n`)
      process.exit(exitCodeOf(err))
    },
  )
}

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fromHex, toHex } from '@chainwire/chain'
import type { LightClient } from '../client'
import { LightClientError } from '../errors'
import { createNodeLightClient } from '../node/node-client'
import { type CliConfig, FLAGS, resolveConfig } from './config'
import { Output, toJson, writeStatusFile } from './output'

/** The package version, from its package.json (the CLI runs from `dist/` or from `src/`). */
export function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    const p = new URL(rel, import.meta.url)
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === '@chainwire/light') return pkg.version ?? '0.0.0'
    }
  }
  return '0.0.0'
}

export const HELP = `chainwire-light: a header-only light client over chainwire's P2P protocol

Usage: chainwire-light <command> [flags]

Commands:
  start                    sync headers from full nodes and follow the tip (progress bar on a terminal)
  status                   what the client in --data-dir knows (read from its status file)
  verify-tx <tx> <block>   prove that transaction <tx> is in block <block> (hashes in hex)
  watch <publicKey>        print every transaction paying or paid by <publicKey> (hex), found by compact filters

Flags (also CHAINWIRE_LIGHT_<FLAG> variables and camelCase keys of the config file; flags win, then
variables, then the file):
${Object.entries(FLAGS)
  .map(([k, v]) => `  --${k}${'short' in v ? `, -${v.short}` : ''}`.padEnd(28) + v.doc)
  .join('\n')}

With a devnet running (pnpm start), \`pnpm light\` runs: chainwire-light start --devnet .devnet
`

/** Runs one command; resolves with the exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: CliConfig
  try {
    config = await resolveConfig(argv, env)
  } catch (err) {
    process.stderr.write(`chainwire-light: ${(err as Error).message}\n`)
    // Bad flags or config are usage errors; a missing devnet or unreadable file is a failure to run.
    return LightClientError.isInstance(err) && err.code === 'ERR_CONFIG' ? 2 : 1
  }
  if (config.version) {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  if (config.help || config.command === undefined) {
    process.stdout.write(HELP)
    return config.help ? 0 : 2
  }
  const out = new Output(config.json)
  try {
    switch (config.command) {
      case 'start':
        return await start(config, out)
      case 'status':
        return status(config, out)
      case 'verify-tx':
        return await verifyTx(config, out)
      case 'watch':
        return await watch(config, out)
      default:
        process.stderr.write(`chainwire-light: unknown command ${config.command}\n${HELP}`)
        return 2
    }
  } catch (err) {
    const code = LightClientError.isInstance(err) ? err.code : 'ERR'
    if (config.json)
      process.stdout.write(`${toJson({ event: 'error', code, message: (err as Error).message })}\n`)
    process.stderr.write(`chainwire-light: ${(err as Error).message}\n`)
    return 1
  }
}

/** Starts the client of a command; `stop()` on SIGINT/SIGTERM ends `done`. */
async function open(config: CliConfig, out: Output): Promise<{ client: LightClient; done: Promise<void> }> {
  const client = await createNodeLightClient({
    dataDir: config.dataDir,
    chain: config.chain,
    ...config.options,
  })
  await client.start()
  let stopped: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    stopped = resolve
  })
  const stop = () => {
    void client.stop().finally(stopped)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const tip = client.bestHeader()
  out.event(
    'started',
    {
      peerId: client.network.peerId,
      dataDir: config.dataDir,
      height: tip.height,
      bootstrap: client.options.bootstrap,
    },
    `chainwire-light ${version()} on ${config.source}: peer ${client.network.peerId}, ${tip.height} headers stored, ${client.options.bootstrap.length} bootstrap nodes`,
  )
  return { client, done }
}

async function start(config: CliConfig, out: Output): Promise<number> {
  const { client, done } = await open(config, out)
  const save = () =>
    writeStatusFile(config.dataDir, { pid: process.pid, updatedAt: Date.now(), ...client.status() })
  save()
  client.on('progress', (p) => {
    out.progress(p)
    save()
  })
  client.on('header', (t) => {
    if (client.progress().target <= t.height) out.progress(client.progress())
  })
  client.on('tip', (t) => {
    out.event('tip', { height: t.height, hash: t.hash, work: t.work }, `tip ${t.height} ${toHex(t.hash)}`)
    save()
  })
  client.on('reorg', (e) =>
    out.event('reorg', { depth: e.depth, fork: e.fork.height }, `reorg depth ${e.depth} at ${e.fork.height}`),
  )
  client.on('finalized', (e) => out.event('finalized', e, `final ${e.height} ${toHex(e.hash)}`))
  client.on('peer:banned', (e) =>
    out.event('banned', { ...e }, `banned ${e.peerId}: ${e.reason} (${e.detail})`),
  )
  client.network.on('peer:connected', ({ peer }) =>
    out.event(
      'peer',
      { peerId: peer.peerId, address: peer.dialedAddress ?? peer.remoteAddress },
      `connected ${peer.dialedAddress ?? peer.remoteAddress}`,
    ),
  )
  await done
  return 0
}

function status(config: CliConfig, out: Output): number {
  const path = join(config.dataDir, 'status.json')
  if (!existsSync(path)) {
    process.stderr.write(`chainwire-light: no status in ${config.dataDir}: run chainwire-light start first\n`)
    return 1
  }
  const s = JSON.parse(readFileSync(path, 'utf8')) as {
    pid: number
    best: { height: number; hash: string }
    verified: { height: number; hash: string }
    final: { height: number }
    filterHeaders: number
    watched: string[]
    peers: unknown[]
    banned: number
  }
  let running = false
  try {
    process.kill(s.pid, 0)
    running = true
  } catch {
    running = false
  }
  out.event(
    'status',
    { running, ...s },
    [
      `${running ? 'running' : 'not running'} (pid ${s.pid})`,
      `best header  ${s.best.height} ${s.best.hash}`,
      `verified tip ${s.verified.height} ${s.verified.hash}`,
      `final        ${s.final.height}`,
      `filters      ${s.filterHeaders}`,
      `peers        ${s.peers.length}, banned ${s.banned}`,
      `watching     ${s.watched.length === 0 ? 'nothing' : s.watched.join(', ')}`,
    ].join('\n'),
  )
  return 0
}

function hexArg(v: string | undefined, what: string, length: number): Uint8Array {
  if (v === undefined || !new RegExp(`^[0-9a-fA-F]{${length * 2}}$`).test(v)) {
    throw new LightClientError('ERR_CONFIG', `${what} must be ${length * 2} hex characters`)
  }
  return fromHex(v.toLowerCase())
}

async function verifyTx(config: CliConfig, out: Output): Promise<number> {
  const tx = hexArg(config.args[0], '<tx>', 32)
  const block = hexArg(config.args[1], '<block>', 32)
  const { client } = await open(config, out)
  try {
    const deadline = Date.now() + config.timeoutMs
    for (;;) {
      const height = client.chain.heightOf(block)
      if (height !== undefined && client.tip().height >= height) break
      if (Date.now() > deadline)
        throw new LightClientError(
          'ERR_NOT_IN_BEST_CHAIN',
          'the block did not reach the verified chain in time',
        )
      await new Promise((r) => setTimeout(r, 100))
    }
    const v = await client.verifyTransaction(tx, block)
    out.event(
      'verified',
      { ...v, proof: undefined },
      `transaction ${toHex(tx)} is in block ${v.height} (${toHex(block)}), position ${v.index}: ${v.confirmations} confirmations${v.final ? ', final' : ''}`,
    )
    return 0
  } finally {
    await client.stop()
  }
}

async function watch(config: CliConfig, out: Output): Promise<number> {
  const key = hexArg(config.args[0], '<publicKey>', 32)
  const { client, done } = await open(config, out)
  const stream = client.watch(key, { fromHeight: config.fromHeight })
  void done.then(() => stream.return())
  for await (const t of stream) {
    out.event(
      'transaction',
      {
        txHash: t.txHash,
        blockHash: t.blockHash,
        height: t.height,
        direction: t.direction,
        amount: t.tx.amount,
        fee: t.tx.fee,
        from: t.tx.from,
        to: t.tx.to,
        index: t.proof.index,
      },
      `${t.direction === 'in' ? 'received' : t.direction === 'out' ? 'sent' : 'self'} ${t.tx.amount} in block ${t.height}: tx ${toHex(t.txHash)} (proven)`,
    )
  }
  await done
  return 0
}

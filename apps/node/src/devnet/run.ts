/**
 * `chainwire-node devnet`: a local network of real node processes on loopback, each with its own LevelDB data
 * dir under one folder, one mining and one validating. Writes `devnet.json` (see `read.ts`) once every node
 * listens and rewrites it when a node exits; stops every process it started on SIGINT / SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DEVNET_VALIDATORS } from '@chainwire/chain'
import { readPorts, writeFileAtomic } from '../data-dir'
import { NodeError } from '../errors'
import { type ChainParamsJson, resolveChainParams, toHex } from './chain-params'
import { DEVNET_FILE, type DevnetFile, type DevnetNode } from './read'

/** Options of a devnet. */
export interface DevnetOptions {
  /** The folder holding `devnet.json`, `chain.json` and one data dir per node. */
  dir: string
  /** Node processes. @default 4 */
  nodes?: number
  /** Mining nodes. @default 1 */
  miners?: number
  /** Target time between blocks (and the miners' pace), ms. @default 2_000 */
  blockTimeMs?: number
  /** Log level of the nodes. @default 'info' */
  logLevel?: string
  /** How to run a node: the command and arguments before `start`. @default this process's node and CLI script */
  command?: { file: string; args: string[] }
  /** Progress lines (stdout by default). */
  say?: (line: string) => void
}

interface Member {
  name: string
  dataDir: string
  roles: string[]
  child: ChildProcess
  info: DevnetNode | undefined
  /** The arguments of `start` the member runs with (kept for restarts). */
  args: string[]
}

/** A node added to a running devnet. */
export interface AddNodeOptions {
  /** Mines blocks. @default false */
  mining?: boolean
  /** Extra arguments of `start` (e.g. `--set limits.maxOutbound=2`). @default [] */
  extraArgs?: string[]
}

/** The devnet chain: fast blocks at the easiest difficulty, the first devnet validator key finalising. */
export function devnetChainParams(blockTimeMs: number): ChainParamsJson {
  return resolveChainParams({
    id: 'chainwire-devnet-local',
    targetBlockTimeMs: blockTimeMs,
    genesisBits: 0x207fffff,
    validators: {
      epoch: 0,
      validators: [{ publicKey: toHex(DEVNET_VALIDATORS[0] as Uint8Array), power: 1 }],
    },
  })
}

/** Inbound connections a devnet node admits from one IP (loopback): nodes, light clients and tools. */
export const DEVNET_INBOUND_PER_IP = 64

/** A running devnet. */
export class Devnet {
  private readonly members: Member[] = []
  private stopped = false
  readonly dir: string
  readonly chain: ChainParamsJson

  private constructor(
    private readonly options: DevnetOptions,
    chain: ChainParamsJson,
  ) {
    this.dir = resolve(options.dir)
    this.chain = chain
  }

  /** Starts the nodes one after the other (the first is everyone's bootstrap node) and writes `devnet.json`. */
  static async start(options: DevnetOptions): Promise<Devnet> {
    const dir = resolve(options.dir)
    mkdirSync(dir, { recursive: true })
    const chainFile = join(dir, 'chain.json')
    // the chain is kept across runs, so data dirs stay valid
    const chain = existsSync(chainFile)
      ? resolveChainParams(JSON.parse(readFileSync(chainFile, 'utf8')))
      : devnetChainParams(options.blockTimeMs ?? 2_000)
    writeFileAtomic(chainFile, `${JSON.stringify(chain, null, 2)}\n`)
    const devnet = new Devnet(options, chain)
    try {
      const count = options.nodes ?? 4
      const miners = Math.min(options.miners ?? 1, count)
      for (let i = 0; i < count; i++) {
        const roles = ['full']
        if (i === 0) roles.push('bootstrap')
        const mining = count === 1 ? true : i >= 1 && i <= miners
        const validator = i === Math.min(miners + 1, count - 1)
        if (validator) roles.push('validator')
        const bootstrap =
          i === 0 ? [] : (devnet.members[0]?.info?.p2p.filter((a) => a.startsWith('tcp://')) ?? [])
        await devnet.startMember(`node-${i}`, roles, mining, validator, bootstrap)
      }
      devnet.write()
    } catch (err) {
      await devnet.stop()
      throw err
    }
    return devnet
  }

  /** The nodes as written to `devnet.json`. */
  nodes(): DevnetNode[] {
    return this.members.flatMap((m) => (m.info === undefined ? [] : [m.info]))
  }

  /** Starts one more node (bootstrapping from node-0) and rewrites `devnet.json`; resolves once it listens. */
  async add(options: AddNodeOptions = {}): Promise<DevnetNode> {
    const name = `node-${this.members.length}`
    const bootstrap = this.members[0]?.info?.p2p.filter((a) => a.startsWith('tcp://')) ?? []
    const roles = ['full']
    const info = await this.startMember(
      name,
      roles,
      options.mining ?? false,
      false,
      bootstrap,
      options.extraArgs,
    )
    this.write()
    return info
  }

  /** Whether a node's process is running (started and not exited). */
  running(name: string): boolean {
    const m = this.member(name)
    return m.child.exitCode === null && m.child.signalCode === null
  }

  /** Sends `signal` to a node's process and resolves once it has exited. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const m = this.member(name)
    if (m.child.exitCode !== null || m.child.signalCode !== null) return
    const exited = new Promise<void>((done) => m.child.once('exit', () => done()))
    m.child.kill(signal)
    await exited
  }

  /** Starts a stopped node again from its data dir with the same arguments; resolves once it listens. */
  async restart(name: string): Promise<DevnetNode> {
    const m = this.member(name)
    if (m.child.exitCode === null && m.child.signalCode === null)
      throw new NodeError('ERR_DEVNET', `${name} is still running`)
    m.child = this.spawnNode(m.dataDir, m.args)
    this.watch(m)
    m.info = await waitForPorts(m)
    this.write()
    return m.info
  }

  private member(name: string): Member {
    const m = this.members.find((x) => x.name === name)
    if (m === undefined) throw new NodeError('ERR_DEVNET', `no devnet node ${name}`)
    return m
  }

  /** Stops every node (SIGTERM, then SIGKILL after `graceMs`) and rewrites `devnet.json` without them. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await Promise.all(
      this.members.map(
        (m) =>
          new Promise<void>((done) => {
            if (m.child.exitCode !== null || m.child.signalCode !== null) return done()
            const kill = setTimeout(() => m.child.kill('SIGKILL'), graceMs)
            m.child.once('exit', () => {
              clearTimeout(kill)
              done()
            })
            m.child.kill('SIGTERM')
          }),
      ),
    )
    for (const m of this.members) m.info = undefined
    this.write()
  }

  private say(line: string): void {
    ;(this.options.say ?? ((l: string) => process.stdout.write(`${l}\n`)))(line)
  }

  private write(): void {
    const file: DevnetFile = { version: 1, networkId: this.chain.id, chain: this.chain, nodes: this.nodes() }
    writeFileAtomic(join(this.dir, DEVNET_FILE), `${JSON.stringify(file, null, 2)}\n`)
  }

  private async startMember(
    name: string,
    roles: string[],
    mining: boolean,
    validator: boolean,
    bootstrap: string[],
    extraArgs: string[] = [],
  ): Promise<DevnetNode> {
    const dataDir = join(this.dir, name)
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const args = [
      'start',
      '--data-dir',
      dataDir,
      '--listen',
      'tcp://127.0.0.1:0',
      '--listen',
      'ws://127.0.0.1:0/',
      '--api',
      '127.0.0.1:0',
      '--roles',
      roles.join(','),
      '--mdns',
      'off',
      '--log-level',
      this.options.logLevel ?? 'info',
      '--log-format',
      'json',
      '--set',
      `chain=${JSON.stringify(this.chain)}`,
    ]
    // every node of a devnet (and every light client or tool next to it) connects from 127.0.0.1: the default
    // 8 per IP would refuse the ninth node at node-0, its bootstrap node, for good
    for (const limit of ['maxInboundPerIp', 'maxInboundPerNetGroup', 'inboundBurstPerIp'])
      args.push('--set', `limits.${limit}=${DEVNET_INBOUND_PER_IP}`)
    for (const b of bootstrap) args.push('--bootstrap', b)
    if (mining) args.push('--mine', '--set', `mining.intervalMs=${this.chain.targetBlockTimeMs ?? 2_000}`)
    if (validator) args.push('--set', 'validator.key=devnet:0')
    args.push(...extraArgs)
    const member: Member = {
      name,
      dataDir,
      roles: [...roles, ...(mining ? ['miner'] : [])],
      child: this.spawnNode(dataDir, args),
      info: undefined,
      args,
    }
    this.members.push(member)
    this.watch(member)
    member.info = await waitForPorts(member)
    this.say(`${name} ${member.roles.join('+')} ${member.info.api}  ${member.info.p2p[0]}`)
    return member.info
  }

  private spawnNode(dataDir: string, args: string[]): ChildProcess {
    const command = this.options.command ?? {
      file: process.execPath,
      args: [...process.execArgv, process.argv[1] as string],
    }
    const log = openSync(join(dataDir, 'node.log'), 'a')
    const child = spawn(command.file, [...command.args, ...args], {
      stdio: ['ignore', log, log],
      env: process.env,
    })
    closeSync(log)
    return child
  }

  private watch(member: Member): void {
    const child = member.child
    child.on('exit', (code, signal) => {
      if (!this.stopped && member.child === child) {
        this.say(`${member.name} exited (${signal ?? code}); see ${join(member.dataDir, 'node.log')}`)
        member.info = undefined
        this.write()
      }
    })
  }
}

/** Waits for a node process to write its ports file. */
async function waitForPorts(m: Member, timeoutMs = 60_000): Promise<DevnetNode> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (m.child.exitCode !== null || m.child.signalCode !== null)
      throw new NodeError(
        'ERR_DEVNET',
        `${m.name} exited before listening; see ${join(m.dataDir, 'node.log')}`,
      )
    const ports = readPorts(m.dataDir)
    if (ports !== undefined && ports.pid === m.child.pid && ports.api !== undefined) {
      return {
        name: m.name,
        peerId: ports.peerId,
        dataDir: m.dataDir,
        p2p: ports.p2p,
        api: ports.api,
        pid: ports.pid,
        roles: m.roles,
      }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new NodeError('ERR_DEVNET', `${m.name} did not listen within ${timeoutMs} ms`)
}

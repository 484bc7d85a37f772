import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect } from 'vitest'

/**
 * The NAT lab: real network namespaces joined by veth links, two home routers doing iptables MASQUERADE with
 * a stateful firewall that drops unsolicited inbound, a private host behind each, and an "internet"
 * namespace whose bridge carries three public networks (three operators, three network groups):
 *
 * ```
 *   hostA 10.0.1.2 ── natA (LAN 10.0.1.1, WAN 198.51.100.10) ─┐
 *                                                             ├─ inet br0: 198.51.100.1 (+ .2), 203.0.113.1, 192.0.2.1
 *   hostB 10.0.2.2 ── natB (LAN 10.0.2.1, WAN 198.51.100.20) ─┘
 * ```
 *
 * Only documentation ranges (RFC 5737) and private ranges are used, inside namespaces this file creates and
 * removes; nothing is routed out. Every name carries a per-run prefix, so two runs never collide.
 */

/** The kinds of NAT a router can do. */
export type NatKind =
  /** MASQUERADE: keeps the source port when it can (endpoint-independent mapping in practice). */
  | 'cone'
  /** MASQUERADE --random-fully: a random port per connection (symmetric, endpoint-dependent mapping). */
  | 'symmetric'

export const LAB = {
  inet: '198.51.100.1',
  inetAlternate: '198.51.100.2',
  inet2: '203.0.113.1',
  inet3: '192.0.2.1',
  wanA: '198.51.100.10',
  wanB: '198.51.100.20',
  hostA: '10.0.1.2',
  hostB: '10.0.2.2',
  gatewayA: '10.0.1.1',
  gatewayB: '10.0.2.1',
} as const

const packageDir = fileURLToPath(new URL('../..', import.meta.url))
const agentPath = fileURLToPath(new URL('./agent.ts', import.meta.url))

/** Fails loudly (never skips) when the lab cannot run. */
export function assertLabCanRun(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the NAT lab needs root (network namespaces and iptables): run `pnpm test:lab` as root')
  }
  for (const tool of ['ip', 'iptables']) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' })
    } catch {
      throw new Error(`the NAT lab needs ${tool}: apt-get install -y iproute2 iptables`)
    }
  }
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** A running lab; `destroy()` removes everything it made. */
export class NatLab {
  readonly prefix: string
  readonly ns: { inet: string; natA: string; natB: string; hostA: string; hostB: string }
  private readonly agents = new Set<Agent>()
  private readonly created: string[] = []
  private readonly onExit = (): void => this.removeNamespaces()

  private constructor(prefix: string) {
    this.prefix = prefix
    this.ns = {
      inet: `${prefix}-inet`,
      natA: `${prefix}-natA`,
      natB: `${prefix}-natB`,
      hostA: `${prefix}-hostA`,
      hostB: `${prefix}-hostB`,
    }
  }

  /** Builds the lab with the given NAT on each router; on any failure removes what it made and throws. */
  static create(nat: { a: NatKind; b: NatKind }): NatLab {
    assertLabCanRun()
    const lab = new NatLab(`cw${randomBytes(3).toString('hex')}`)
    process.once('exit', lab.onExit)
    try {
      lab.build(nat)
    } catch (err) {
      lab.removeNamespaces()
      throw err
    }
    return lab
  }

  private build(nat: { a: NatKind; b: NatKind }): void {
    const p = this.prefix
    for (const ns of Object.values(this.ns)) {
      run('ip', ['netns', 'add', ns])
      this.created.push(ns)
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
    }
    const { inet } = this.ns
    run('ip', ['-n', inet, 'link', 'add', 'br0', 'type', 'bridge'])
    run('ip', ['-n', inet, 'link', 'set', 'br0', 'up'])
    for (const a of [`${LAB.inet}/24`, `${LAB.inetAlternate}/24`, `${LAB.inet2}/24`, `${LAB.inet3}/24`]) {
      run('ip', ['-n', inet, 'addr', 'add', a, 'dev', 'br0'])
    }
    const sides = [
      {
        x: 'A',
        nat: this.ns.natA,
        host: this.ns.hostA,
        wan: LAB.wanA,
        lan: LAB.gatewayA,
        ip: LAB.hostA,
        kind: nat.a,
      },
      {
        x: 'B',
        nat: this.ns.natB,
        host: this.ns.hostB,
        wan: LAB.wanB,
        lan: LAB.gatewayB,
        ip: LAB.hostB,
        kind: nat.b,
      },
    ]
    for (const s of sides) {
      // Interface names are at most 15 characters: the 8-character prefix plus a short suffix.
      const wan = `${p}w${s.x}`
      const wanBr = `${p}b${s.x}`
      const lan = `${p}l${s.x}`
      const lanHost = `${p}h${s.x}`
      run('ip', ['link', 'add', wan, 'netns', s.nat, 'type', 'veth', 'peer', 'name', wanBr, 'netns', inet])
      run('ip', ['-n', inet, 'link', 'set', wanBr, 'master', 'br0'])
      run('ip', ['-n', inet, 'link', 'set', wanBr, 'up'])
      run('ip', ['-n', s.nat, 'addr', 'add', `${s.wan}/24`, 'dev', wan])
      run('ip', ['-n', s.nat, 'link', 'set', wan, 'up'])
      run('ip', ['-n', s.nat, 'route', 'add', 'default', 'via', LAB.inet])
      run('ip', [
        'link',
        'add',
        lan,
        'netns',
        s.nat,
        'type',
        'veth',
        'peer',
        'name',
        lanHost,
        'netns',
        s.host,
      ])
      run('ip', ['-n', s.nat, 'addr', 'add', `${s.lan}/24`, 'dev', lan])
      run('ip', ['-n', s.nat, 'link', 'set', lan, 'up'])
      run('ip', ['-n', s.host, 'addr', 'add', `${s.ip}/24`, 'dev', lanHost])
      run('ip', ['-n', s.host, 'link', 'set', lanHost, 'up'])
      run('ip', ['-n', s.host, 'route', 'add', 'default', 'via', s.lan])
      const ipt = (...args: string[]): void => run('ip', ['netns', 'exec', s.nat, 'iptables', ...args])
      run('ip', ['netns', 'exec', s.nat, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
      ipt(
        '-t',
        'nat',
        '-A',
        'POSTROUTING',
        '-o',
        wan,
        '-j',
        'MASQUERADE',
        ...(s.kind === 'symmetric' ? ['--random-fully'] : []),
      )
      // A home router: forward what the LAN started (and DNAT'ed port mappings), drop unsolicited inbound.
      ipt(
        '-A',
        'FORWARD',
        '-i',
        wan,
        '-m',
        'conntrack',
        '--ctstate',
        'ESTABLISHED,RELATED,DNAT',
        '-j',
        'ACCEPT',
      )
      ipt('-A', 'FORWARD', '-i', wan, '-j', 'DROP')
      ipt('-A', 'INPUT', '-i', wan, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT')
      ipt('-A', 'INPUT', '-i', wan, '-p', 'icmp', '-j', 'ACCEPT')
      ipt('-A', 'INPUT', '-i', wan, '-j', 'DROP')
    }
  }

  /** Changes a router's NAT (the MASQUERADE rule) in place; existing connections keep their mappings. */
  setNat(side: 'A' | 'B', kind: NatKind): void {
    const ns = side === 'A' ? this.ns.natA : this.ns.natB
    const rule = [
      '-o',
      `${this.prefix}w${side}`,
      '-j',
      'MASQUERADE',
      ...(kind === 'symmetric' ? ['--random-fully'] : []),
    ]
    run('ip', ['netns', 'exec', ns, 'iptables', '-t', 'nat', '-R', 'POSTROUTING', '1', ...rule])
  }

  /** Starts an agent process (test/lab/agent.ts) inside a namespace. */
  agent(ns: string, name: string): Agent {
    const agent = new Agent(ns, name)
    this.agents.add(agent)
    return agent
  }

  /** Runs a command inside a namespace and returns its stdout. */
  exec(ns: string, cmd: string, args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' })
  }

  /** Stops every agent and removes every namespace (and with them their links and iptables rules). */
  async destroy(): Promise<void> {
    await Promise.allSettled([...this.agents].map((a) => a.stop()))
    this.agents.clear()
    this.removeNamespaces()
    process.removeListener('exit', this.onExit)
  }

  private removeNamespaces(): void {
    for (const ns of this.created.splice(0)) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL')
          } catch {}
        }
      } catch {}
      try {
        run('ip', ['netns', 'del', ns])
      } catch {}
    }
  }

  /** Names of this run's namespaces that still exist (for the cleanup assertion). */
  leftovers(): string[] {
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    return list
      .split('\n')
      .map((l) => l.split(' ')[0] as string)
      .filter((n) => n.startsWith(`${this.prefix}-`))
  }
}

/** The result of an agent call that failed. */
export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** A node process inside a namespace, driven by JSON lines over stdin/stdout. */
export class Agent {
  readonly ns: string
  readonly name: string
  private readonly child: ChildProcess
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly exited: Promise<void>
  private stderr = ''

  constructor(ns: string, name: string) {
    this.ns = ns
    this.name = name
    this.child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--import', 'tsx', '--conditions=@chainwire/source', agentPath],
      { cwd: packageDir, stdio: ['pipe', 'pipe', 'pipe'] },
    )
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4_000)
    })
    const lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream })
    lines.on('line', (line) => {
      let msg: { id: number; ok: boolean; result?: unknown; error?: { code: string; message: string } }
      try {
        msg = JSON.parse(line)
      } catch {
        return
      }
      const p = this.pending.get(msg.id)
      if (p === undefined) return
      this.pending.delete(msg.id)
      if (msg.ok) p.resolve(msg.result)
      else p.reject(new AgentError(msg.error?.code ?? 'ERR', `${this.name}: ${msg.error?.message}`))
    })
    this.exited = new Promise((resolve) =>
      this.child.once('exit', () => {
        for (const p of this.pending.values()) p.reject(new Error(`${this.name} exited: ${this.stderr}`))
        this.pending.clear()
        resolve()
      }),
    )
  }

  /** Calls an action of the agent and resolves with its result. */
  call<T = unknown>(action: string, args: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: ${action} got no answer in ${timeoutMs} ms; stderr: ${this.stderr}`))
      }, timeoutMs)
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as T)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      this.child.stdin?.write(`${JSON.stringify({ id, action, args })}\n`)
    })
  }

  /** Asks the agent to stop its services and exit; kills it if it does not within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    this.child.stdin?.end()
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
    await this.exited
    clearTimeout(killer)
  }
}

/**
 * Builds a lab in `beforeAll` and runs `setup` in it (removing the lab if that fails), and removes it in
 * `afterAll`, asserting that none of its namespaces is left. Returns the lab.
 */
export function useLab(
  nat: { a: NatKind; b: NatKind },
  setup: (lab: NatLab) => Promise<void>,
  timeoutMs = 90_000,
): () => NatLab {
  let lab: NatLab | undefined
  beforeAll(async () => {
    lab = NatLab.create(nat)
    try {
      await setup(lab)
    } catch (err) {
      await lab.destroy()
      throw err
    }
  }, timeoutMs)
  afterAll(async () => {
    if (lab === undefined) return
    await lab.destroy()
    expect(lab.leftovers()).toEqual([])
  })
  return () => lab as NatLab
}

/** A relay on the internet side: a node with the relay capability, circuits on port 7001, STUN on 3478. */
export async function startRelay(lab: NatLab): Promise<{ agent: Agent; address: string; peerId: string }> {
  const agent = lab.agent(lab.ns.inet, 'relay')
  const r = await agent.call<{ peerId: string; listen: string[] }>('network.start', {
    listen: [`tcp://${LAB.inet}:7000`],
    capabilities: ['relay'],
  })
  await agent.call('relay.serve', { circuitListen: `tcp://${LAB.inet}:7001` })
  await agent.call('stun.serve', { host: LAB.inet, port: 3478 })
  return { agent, address: r.listen[0] as string, peerId: r.peerId }
}

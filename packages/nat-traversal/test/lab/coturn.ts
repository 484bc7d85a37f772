import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { StunClient } from '../../src/stun/client'

/** Credentials the lab's coturn accepts (long-term mechanism). */
export const TURN_USER = { username: 'chainwire', credential: 'lab-secret', realm: 'lab.chainwire.test' }

/** A free TCP+UDP port on 127.0.0.1 (the OS picks; coturn needs a fixed one on its command line). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

/** Fails loudly (never skips) when coturn is not installed. */
export function assertCoturn(): void {
  for (const tool of ['turnserver', 'turnutils_stunclient']) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' })
    } catch {
      throw new Error(`the interop tests need Debian's coturn (${tool}): apt-get install -y coturn`)
    }
  }
}

/** Debian's coturn on loopback: STUN and TURN (long-term credentials, TCP relays allowed to loopback peers). */
export class Coturn {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    readonly log: () => string,
  ) {}

  static async start(): Promise<Coturn> {
    assertCoturn()
    const port = await freePort()
    let log = ''
    const child = spawn(
      'turnserver',
      [
        '-n',
        '--listening-ip=127.0.0.1',
        `--listening-port=${port}`,
        '--relay-ip=127.0.0.1',
        '--allow-loopback-peers',
        '--no-tls',
        '--no-dtls',
        '--no-cli',
        '--lt-cred-mech',
        `--user=${TURN_USER.username}:${TURN_USER.credential}`,
        `--realm=${TURN_USER.realm}`,
        '--min-port=49152',
        '--max-port=65535',
        '--log-file=stdout',
        '--simple-log',
        '--no-multicast-peers',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-20_000)
    })
    child.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-20_000)
    })
    const coturn = new Coturn(port, child, () => log)
    // Ready once it answers a Binding request.
    const client = new StunClient({}, { rtoMs: 100, maxRequests: 3, timeoutMs: 500 })
    for (let i = 0; i < 40; i++) {
      try {
        await client.bindingUdp({ host: '127.0.0.1', port })
        return coturn
      } catch {
        if (child.exitCode !== null) break
      }
    }
    await coturn.stop()
    throw new Error(`coturn did not start: ${log}`)
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = new Promise((r) => this.child.once('exit', r))
    this.child.kill('SIGTERM')
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 3_000)
    await exited
    clearTimeout(killer)
  }
}

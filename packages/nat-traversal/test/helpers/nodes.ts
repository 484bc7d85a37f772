import { connect, createServer, type Socket } from 'node:net'
import { createIdentity, createNetwork, type Network, type NetworkOptions } from '@chainwire/network'

export const NETWORK_ID = 'chainwire-nat-test'

const started: Network[] = []
const cleanups: (() => Promise<void> | void)[] = []

/** A started network on loopback TCP, stopped by {@link stopAll}. */
export async function tcpNode(options: NetworkOptions = {}, identity = createIdentity()): Promise<Network> {
  const n = createNetwork({ identity }, { networkId: NETWORK_ID, listen: ['tcp://127.0.0.1:0'], ...options })
  started.push(n)
  await n.start()
  return n
}

/** Registers something to undo in {@link stopAll}. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

export async function stopAll(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn()
  await Promise.all(started.splice(0).map((n) => n.stop()))
}

/** Polls until `check` is true (real time, for loopback tests). */
export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * A TCP proxy standing on the path between circuit ends and the relay: records every byte it forwards, and
 * can alter bytes (`tamper`) or send a connection somewhere else (`redirect`) — what a malicious relay could
 * do with the streams it carries.
 */
export async function pathProxy(
  to: () => { host: string; port: number },
  behaviour: {
    tamper?: (chunk: Buffer, offset: number) => Buffer
    redirect?: (index: number) => { host: string; port: number; skip: number } | undefined
  } = {},
): Promise<{ address: string; seen: Buffer[]; close: () => Promise<void> }> {
  const seen: Buffer[] = []
  const sockets = new Set<Socket>()
  let index = 0
  const server = createServer((inbound) => {
    const redirect = behaviour.redirect?.(index++)
    const dest = redirect ?? to()
    const out = connect(dest.port, dest.host)
    let skip = redirect?.skip ?? 0
    let offset = 0
    for (const s of [inbound, out]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        inbound.destroy()
        out.destroy()
      })
    }
    inbound.on('data', (chunk: Buffer) => {
      seen.push(chunk)
      let c = chunk
      if (skip > 0) {
        const n = Math.min(skip, c.length)
        skip -= n
        c = c.subarray(n)
      }
      if (behaviour.tamper !== undefined) c = behaviour.tamper(c, offset)
      offset += chunk.length
      if (c.length > 0) out.write(c)
    })
    out.on('data', (chunk: Buffer) => {
      seen.push(chunk)
      inbound.write(chunk)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    address: `tcp://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

import { createServer, type Server, Socket } from 'node:net'
import { AbortError } from '@chainwire/interface'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createTcpTransport,
  type Listener,
  parseAddress,
  type RawConnection,
  TransportError,
} from '../src/transport/index'
import { readAll, readBytes, transportCompliance, whenClosed } from './transport-compliance'

/** A port on `host` that was free a moment ago (listened on, then closed). */
async function freePort(host: string): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function ipv6LoopbackWorks(): Promise<boolean> {
  const server = createServer()
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '::1', resolve)
    })
    return true
  } catch {
    return false
  } finally {
    server.close()
  }
}

const invalid = [
  'tcp://127.0.0.1',
  'tcp://127.0.0.1:65536',
  'tcp://127.0.0.1:-1',
  'tcp://256.1.1.1:4000',
  'tcp://1.2.3:4000',
  'tcp://::1:4000',
  'tcp://[::1:4000',
  'tcp://[::g]:4000',
  'tcp://127.0.0.1:4000/path',
  'tcp://user@127.0.0.1:4000',
  'tcp://127.0.0.1:4000?x=1',
  'tcp:/127.0.0.1:4000',
  'tcp://:4000',
  'not an address',
]

transportCompliance('tcp over IPv4 loopback', {
  create: () => createTcpTransport(),
  protocol: 'tcp:',
  listenAddress: () => 'tcp://127.0.0.1:0',
  refusedAddress: async () => `tcp://127.0.0.1:${await freePort('127.0.0.1')}`,
  invalidAddresses: invalid,
  foreignAddress: 'memory://somewhere',
})

describe('tcp over IPv6 loopback', () => {
  it('has ::1 on this machine (the IPv6 suite below runs, never skips)', async () => {
    expect(await ipv6LoopbackWorks()).toBe(true)
  })
})

transportCompliance('tcp over IPv6 loopback', {
  create: () => createTcpTransport(),
  protocol: 'tcp:',
  listenAddress: () => 'tcp://[::1]:0',
  refusedAddress: async () => `tcp://[::1]:${await freePort('::1')}`,
  invalidAddresses: invalid,
  foreignAddress: 'ws://[::1]:4000',
})

describe('tcp transport', () => {
  const listeners: Listener[] = []
  const connections: RawConnection[] = []
  const servers: Server[] = []

  afterEach(async () => {
    for (const c of connections.splice(0)) c.close()
    await Promise.all(listeners.splice(0).map((l) => l.close()))
    for (const s of servers.splice(0)) s.close()
  })

  async function listen(address: string): Promise<{ listener: Listener; inbound: Promise<RawConnection> }> {
    let resolveInbound: (c: RawConnection) => void = () => {}
    const inbound = new Promise<RawConnection>((resolve) => {
      resolveInbound = resolve
    })
    const listener = await createTcpTransport().listen(address, (c) => {
      connections.push(c)
      resolveInbound(c)
    })
    listeners.push(listener)
    return { listener, inbound }
  }

  it('hands over the net.Socket itself as the stream', async () => {
    const { listener, inbound } = await listen('tcp://127.0.0.1:0')
    const outbound = await createTcpTransport().dial(listener.addresses[0] as string, {
      signal: new AbortController().signal,
    })
    connections.push(outbound)
    expect(outbound.stream).toBeInstanceOf(Socket)
    expect((await inbound).stream).toBeInstanceOf(Socket)
  })

  it('reports IPv4 peers of a dual-stack listener as plain IPv4, not ::ffff:', async () => {
    const { listener, inbound } = await listen('tcp://[::]:0')
    const { port } = parseAddress(listener.addresses[0] as string) as { port: number }
    expect(listener.addresses[0]).toBe(`tcp://[::]:${port}`)
    const outbound = await createTcpTransport().dial(`tcp://127.0.0.1:${port}`, {
      signal: new AbortController().signal,
    })
    connections.push(outbound)
    const conn = await inbound
    expect(conn.remoteHost).toBe('127.0.0.1')
    expect(conn.remoteAddress).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
    expect(outbound.remoteAddress).toBe(`tcp://127.0.0.1:${port}`)
    expect(outbound.localAddress).toBe(conn.remoteAddress)
  })

  it('dials a DNS name (localhost)', async () => {
    const { listener, inbound } = await listen('tcp://127.0.0.1:0')
    const { port } = parseAddress(listener.addresses[0] as string) as { port: number }
    const outbound = await createTcpTransport().dial(`tcp://localhost:${port}`, {
      signal: new AbortController().signal,
    })
    connections.push(outbound)
    await inbound
    expect(outbound.remoteHost).toBe('127.0.0.1')
  })

  it('fails to listen on a port in use with ERR_LISTEN_FAILED (EADDRINUSE)', async () => {
    const { listener } = await listen('tcp://127.0.0.1:0')
    const err = await createTcpTransport()
      .listen(listener.addresses[0] as string, () => {})
      .catch((e: unknown) => e)
    expect(TransportError.isInstance(err)).toBe(true)
    expect((err as TransportError).code).toBe('ERR_LISTEN_FAILED')
    expect((err as TransportError).details.systemCode).toBe('EADDRINUSE')
  })

  it('refuses to dial port 0', async () => {
    const err = await createTcpTransport()
      .dial('tcp://127.0.0.1:0', { signal: new AbortController().signal })
      .catch((e: unknown) => e)
    expect((err as TransportError).code).toBe('ERR_INVALID_ADDRESS')
  })

  it('destroys the socket of an aborted dial: the listener sees it close', async () => {
    const server = createServer()
    servers.push(server)
    const accepted: Socket[] = []
    server.on('connection', (s) => accepted.push(s))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const controller = new AbortController()
    const dialing = createTcpTransport().dial(`tcp://127.0.0.1:${port}`, { signal: controller.signal })
    controller.abort()
    const err = await dialing.catch((e: unknown) => e)
    expect(AbortError.isInstance(err)).toBe(true)
    // The kernel may have completed the handshake before the abort; if so the socket must close.
    await new Promise((r) => setTimeout(r, 50))
    await Promise.all(accepted.map((s) => (s.destroyed ? undefined : readAll(s))))
    const open = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)))
    expect(open).toBe(0)
  })

  it('close(err) tears the connection down locally with that error; the remote sees the end', async () => {
    const { listener, inbound } = await listen('tcp://127.0.0.1:0')
    const outbound = await createTcpTransport().dial(listener.addresses[0] as string, {
      signal: new AbortController().signal,
    })
    const conn = await inbound
    const remoteEnd = readAll(conn.stream)
    const localError = new Promise<Error>((resolve) => outbound.stream.once('error', resolve))
    const boom = new Error('protocol violation')
    outbound.close(boom)
    expect(await localError).toBe(boom)
    await remoteEnd
    await whenClosed(conn.stream)
  })

  it('keeps running after a listener handler throws (the connection is dropped)', async () => {
    const listener = await createTcpTransport().listen('tcp://127.0.0.1:0', () => {
      throw new Error('handler bug')
    })
    listeners.push(listener)
    const outbound = await createTcpTransport().dial(listener.addresses[0] as string, {
      signal: new AbortController().signal,
    })
    connections.push(outbound)
    expect((await readAll(outbound.stream)).length).toBe(0)
  })

  it('delivers to a connection after reading part of it', async () => {
    const { listener, inbound } = await listen('tcp://[::1]:0')
    const outbound = await createTcpTransport().dial(listener.addresses[0] as string, {
      signal: new AbortController().signal,
    })
    connections.push(outbound)
    const conn = await inbound
    expect(conn.remoteHost).toBe('::1')
    outbound.stream.write('abc')
    expect((await readBytes(conn.stream, 3)).toString()).toBe('abc')
    outbound.stream.write('def')
    expect((await readBytes(conn.stream, 3)).toString()).toBe('def')
  })
})

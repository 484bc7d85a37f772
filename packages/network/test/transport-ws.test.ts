import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  createWebSocketTransport,
  type Listener,
  parseAddress,
  type RawConnection,
  TransportError,
  type WebSocketTransportOptions,
} from '../src/transport/index'
import { readAll, readBytes, type StalledDial, transportCompliance, whenClosed } from './transport-compliance'

const key = readFileSync(fileURLToPath(new URL('./fixtures/tls/key.pem', import.meta.url)))
const cert = readFileSync(fileURLToPath(new URL('./fixtures/tls/cert.pem', import.meta.url)))
const tls = { key, cert, ca: cert }

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A TCP server that accepts and never answers the HTTP upgrade: a dial to it hangs until aborted. */
async function silentServer(scheme: 'ws' | 'wss'): Promise<StalledDial> {
  const sockets: Socket[] = []
  const server = createServer((s) => {
    sockets.push(s)
    s.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    address: `${scheme}://127.0.0.1:${port}/p2p`,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const invalid = [
  'ws://127.0.0.1:99999/p2p',
  'ws://127.0.0.1:4000/p2p?x=1',
  'ws://127.0.0.1:4000/p2p#frag',
  'ws://127.0.0.1:4000/a b',
  'ws://[::1/p2p',
  'ws://user:pw@127.0.0.1:4000/',
  'ws:///p2p',
  'ws://300.0.0.1:80/',
]

transportCompliance('ws over IPv4 loopback', {
  create: () => createWebSocketTransport(),
  protocol: 'ws:',
  listenAddress: () => 'ws://127.0.0.1:0/p2p',
  refusedAddress: async () => `ws://127.0.0.1:${await freePort()}/p2p`,
  invalidAddresses: invalid,
  foreignAddress: 'tcp://127.0.0.1:4000',
  stalled: () => silentServer('ws'),
})

transportCompliance('wss over IPv4 loopback (self-signed test certificate)', {
  create: () => createWebSocketTransport({}, { tls }),
  protocol: 'wss:',
  listenAddress: () => 'wss://127.0.0.1:0/p2p',
  refusedAddress: async () => `wss://127.0.0.1:${await freePort()}/p2p`,
  invalidAddresses: invalid.map((a) => a.replace('ws:', 'wss:')),
  foreignAddress: 'memory://node',
  stalled: () => silentServer('wss'),
})

describe('websocket transport', () => {
  const listeners: Listener[] = []
  const connections: RawConnection[] = []
  const sockets: WebSocket[] = []

  afterEach(async () => {
    for (const c of connections.splice(0)) c.close()
    for (const s of sockets.splice(0)) s.terminate()
    await Promise.all(listeners.splice(0).map((l) => l.close()))
  })

  async function listen(
    address: string,
    options: WebSocketTransportOptions = {},
  ): Promise<{ listener: Listener; inbound: Promise<RawConnection> }> {
    let resolveInbound: (c: RawConnection) => void = () => {}
    const inbound = new Promise<RawConnection>((resolve) => {
      resolveInbound = resolve
    })
    const listener = await createWebSocketTransport({}, options).listen(address, (c) => {
      connections.push(c)
      resolveInbound(c)
    })
    listeners.push(listener)
    return { listener, inbound }
  }

  async function dial(address: string, options: WebSocketTransportOptions = {}): Promise<RawConnection> {
    const c = await createWebSocketTransport({}, options).dial(address, {
      signal: new AbortController().signal,
    })
    connections.push(c)
    return c
  }

  /** A raw `ws` client, for sending what the transport itself never sends. */
  async function rawClient(address: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
    const ws = new WebSocket(address, options)
    sockets.push(ws)
    ws.on('error', () => {})
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    return ws
  }

  it('works over IPv6 loopback, with the path kept in the addresses', async () => {
    const { listener, inbound } = await listen('ws://[::1]:0/chainwire/v1')
    const address = listener.addresses[0] as string
    expect(address).toMatch(/^ws:\/\/\[::1\]:\d+\/chainwire\/v1$/)
    const outbound = await dial(address)
    const conn = await inbound
    expect(outbound.remoteAddress).toBe(address)
    expect(outbound.remoteHost).toBe('::1')
    expect(conn.remoteHost).toBe('::1')
    expect(conn.localAddress).toBe(address)
    outbound.stream.write('hi')
    expect((await readBytes(conn.stream, 2)).toString()).toBe('hi')
  })

  it('leaves the path out of addresses when it is /', async () => {
    const { listener } = await listen('ws://127.0.0.1:0')
    expect(listener.addresses[0]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    expect(parseAddress(listener.addresses[0] as string)).toMatchObject({ path: '/' })
    await dial(listener.addresses[0] as string)
  })

  it('fails a dial to another path with ERR_DIAL_FAILED (HTTP 404)', async () => {
    const { listener } = await listen('ws://127.0.0.1:0/p2p')
    const { port } = parseAddress(listener.addresses[0] as string) as { port: number }
    const err = await dial(`ws://127.0.0.1:${port}/other`).catch((e: unknown) => e)
    expect(TransportError.isInstance(err)).toBe(true)
    expect((err as TransportError).code).toBe('ERR_DIAL_FAILED')
    expect((err as TransportError).details.status).toBe(404)
  })

  it('answers plain HTTP with 426 Upgrade Required', async () => {
    const { listener } = await listen('ws://127.0.0.1:0/p2p')
    const { port } = parseAddress(listener.addresses[0] as string) as { port: number }
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/p2p', agent: false }, (res) => {
        res.resume()
        resolve(res.statusCode)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(426)
  })

  it('destroys the stream with ERR_INVALID_FRAME when the remote sends text', async () => {
    const { listener, inbound } = await listen('ws://127.0.0.1:0/p2p')
    const ws = await rawClient(listener.addresses[0] as string)
    const conn = await inbound
    const error = new Promise<Error>((resolve) => conn.stream.once('error', resolve))
    ws.send('text is not allowed')
    const err = await error
    expect((err as TransportError).code).toBe('ERR_INVALID_FRAME')
    await whenClosed(conn.stream)
  })

  it('closes the connection (1009) when a message exceeds maxPayload', async () => {
    const { listener, inbound } = await listen('ws://127.0.0.1:0/p2p', { maxPayload: 1024 })
    const ws = await rawClient(listener.addresses[0] as string)
    const conn = await inbound
    conn.stream.resume()
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send(randomBytes(2048))
    expect(await closed).toBe(1009)
    await whenClosed(conn.stream)
  })

  it('does not negotiate permessage-deflate by default', async () => {
    const { listener, inbound } = await listen('ws://127.0.0.1:0/p2p')
    const ws = await rawClient(listener.addresses[0] as string, { perMessageDeflate: true })
    await inbound
    expect(ws.extensions).toBe('')
  })

  it('splits writes larger than maxPayload into frames the remote accepts', async () => {
    const options = { maxPayload: 64 * 1024 }
    const { listener, inbound } = await listen('ws://127.0.0.1:0/p2p', options)
    const outbound = await dial(listener.addresses[0] as string, options)
    const conn = await inbound
    const big = randomBytes(1024 * 1024 + 123)
    const got = readBytes(conn.stream, big.length)
    outbound.stream.write(big)
    expect((await got).equals(big)).toBe(true)
  })

  it('sends unmasked (zero-key) client frames when maskClientFrames is false', async () => {
    const { listener, inbound } = await listen('ws://127.0.0.1:0/p2p')
    const outbound = await dial(listener.addresses[0] as string, { maskClientFrames: false })
    const conn = await inbound
    const data = randomBytes(1024 * 1024)
    const got = readBytes(conn.stream, data.length)
    outbound.stream.write(data)
    expect((await got).equals(data)).toBe(true)
    // The writer's buffer is not modified in place by masking.
    const copy = Buffer.from(data)
    outbound.stream.write(data)
    expect((await readBytes(conn.stream, data.length)).equals(copy)).toBe(true)
    expect(data.equals(copy)).toBe(true)
  })

  it('refuses a self-signed wss server unless its certificate is trusted', async () => {
    const { listener } = await listen('wss://127.0.0.1:0/p2p', { tls: { key, cert } })
    const address = listener.addresses[0] as string
    const err = await dial(address).catch((e: unknown) => e)
    expect((err as TransportError).code).toBe('ERR_DIAL_FAILED')
    const trusted = await dial(address, { tls: { ca: cert } })
    expect(trusted.remoteHost).toBe('127.0.0.1')
    const unchecked = await dial(address, { tls: { rejectUnauthorized: false } })
    expect(unchecked.direction).toBe('outbound')
  })

  it('dials wss by host name with the certificate checked against it', async () => {
    const { listener, inbound } = await listen('wss://localhost:0/p2p', { tls })
    const { port } = parseAddress(listener.addresses[0] as string) as { port: number }
    const outbound = await dial(`wss://localhost:${port}/p2p`, { tls })
    const conn = await inbound
    outbound.stream.end('secure bye')
    expect((await readAll(conn.stream)).toString()).toBe('secure bye')
  })

  it('needs tls.key and tls.cert to listen on wss', async () => {
    const err = await createWebSocketTransport()
      .listen('wss://127.0.0.1:0/p2p', () => {})
      .catch((e: unknown) => e)
    expect((err as TransportError).code).toBe('ERR_INVALID_OPTIONS')
  })

  it('rejects a non-positive maxPayload', () => {
    expect(() => createWebSocketTransport({}, { maxPayload: 0 })).toThrow(TransportError)
  })

  it('closes gracefully on end(): both sides end and close', async () => {
    const { listener, inbound } = await listen('ws://127.0.0.1:0/p2p')
    const outbound = await dial(listener.addresses[0] as string)
    const conn = await inbound
    const inboundData = readAll(conn.stream)
    const outboundData = readAll(outbound.stream)
    outbound.stream.end('done')
    expect((await inboundData).toString()).toBe('done')
    expect((await outboundData).length).toBe(0)
    await Promise.all([whenClosed(conn.stream), whenClosed(outbound.stream)])
  })
})

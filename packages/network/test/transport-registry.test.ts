import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryTransport,
  createTcpTransport,
  createTransports,
  createWebSocketTransport,
  type Listener,
  MemoryNetwork,
  type RawConnection,
  type TransportError,
} from '../src/transport/index'
import { readBytes } from './transport-compliance'

describe('createTransports', () => {
  const listeners: Listener[] = []
  const connections: RawConnection[] = []

  afterEach(async () => {
    for (const c of connections.splice(0)) c.close()
    await Promise.all(listeners.splice(0).map((l) => l.close()))
  })

  function registry() {
    return createTransports([
      createTcpTransport(),
      createWebSocketTransport(),
      createMemoryTransport({ network: new MemoryNetwork() }),
    ])
  }

  it('lists every scheme and finds the transport for an address', () => {
    const transports = registry()
    expect(transports.protocols).toEqual(['tcp:', 'ws:', 'wss:', 'memory:'])
    expect(transports.transportFor('wss://h.example/p')).toBe(transports.transports[1])
    expect(transports.transportFor('memory://x')).toBe(transports.transports[2])
    expect(transports.transportFor('udp://1.2.3.4:1')).toBeUndefined()
    expect(transports.transportFor('garbage')).toBeUndefined()
    expect(transports.canHandle('tcp://[::1]:1')).toBe(true)
    expect(transports.canHandle('quic://[::1]:1')).toBe(false)
  })

  it.each(['tcp://127.0.0.1:0', 'ws://127.0.0.1:0/p2p', 'memory://registry'])(
    'routes listen and dial by scheme: %s',
    async (address) => {
      const transports = registry()
      let inbound: RawConnection | undefined
      const listener = await transports.listen(address, (c) => {
        connections.push(c)
        inbound = c
      })
      listeners.push(listener)
      const outbound = await transports.dial(listener.addresses[0] as string, {
        signal: new AbortController().signal,
      })
      connections.push(outbound)
      outbound.stream.write('routed')
      await new Promise((r) => setImmediate(r))
      expect(inbound).toBeDefined()
      expect((await readBytes((inbound as RawConnection).stream, 6)).toString()).toBe('routed')
    },
  )

  it('fails unknown schemes with ERR_UNSUPPORTED_PROTOCOL and malformed addresses with ERR_INVALID_ADDRESS', async () => {
    const transports = createTransports([createTcpTransport()])
    const signal = new AbortController().signal
    const codeOf = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e as TransportError).code,
      )
    expect(await codeOf(transports.dial('memory://x', { signal }))).toBe('ERR_UNSUPPORTED_PROTOCOL')
    expect(await codeOf(transports.listen('ws://127.0.0.1:0', () => {}))).toBe('ERR_UNSUPPORTED_PROTOCOL')
    expect(await codeOf(transports.dial('tcp://nope', { signal }))).toBe('ERR_INVALID_ADDRESS')
  })

  it('refuses two transports for one scheme with ERR_INVALID_OPTIONS', () => {
    let err: TransportError | undefined
    try {
      createTransports([createTcpTransport(), createTcpTransport()])
    } catch (e) {
      err = e as TransportError
    }
    expect(err?.code).toBe('ERR_INVALID_OPTIONS')
  })
})

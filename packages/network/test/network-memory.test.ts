import type { HelloData } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryNetwork,
  createMemoryTransport,
  type DialError,
  type HandshakeError,
  type MessageEvent,
  type Network,
  NetworkError,
  NoiseError,
  type PeerConnectedEvent,
  type PeerDisconnectedEvent,
  RequestError,
  SendError,
} from '../src/index'
import { memoryNode, rawPeer, recordingSink, stopAll, waitFor } from './helpers'

afterEach(stopAll)

const hash = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const inv = (n: number) => ({
  type: 'inv' as const,
  data: { items: [{ kind: 'tx' as const, hash: hash(n % 256) }] },
})

async function pair(options: Parameters<typeof memoryNode>[2] = {}): Promise<[Network, Network]> {
  const net = createMemoryNetwork()
  const a = await memoryNode(net, 'a', options)
  const b = await memoryNode(net, 'b', options)
  await a.dial('memory://b')
  await waitFor(() => b.getPeer(a.peerId) !== undefined)
  return [a, b]
}

describe('handshake over the memory transport', () => {
  it('takes its Noise keys from components.entropy when given (the static key once, an ephemeral key per handshake)', async () => {
    const net = createMemoryNetwork()
    const calls: string[] = []
    const entropy = (tag: string) => {
      let counter = 0
      return (length: number): Uint8Array => {
        calls.push(`${tag}:${length}`)
        return new Uint8Array(length).fill(++counter)
      }
    }
    const a = await memoryNode(net, 'a', {}, { entropy: entropy('a') })
    const b = await memoryNode(net, 'b', {}, { entropy: entropy('b') })
    expect(calls.sort()).toEqual(['a:32', 'b:32'])
    await a.dial('memory://b')
    await waitFor(() => b.getPeer(a.peerId) !== undefined)
    expect(calls.sort()).toEqual(['a:32', 'a:32', 'b:32', 'b:32'])
    await a.send(b.peerId, inv(1))
  })

  it('exchanges hellos: both sides see the peer, its direction and its hello', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', {
      roles: ['full', 'validator'],
      userAgent: 'node-a/1',
      capabilities: ['compact-blocks'],
    })
    const b = await memoryNode(net, 'b', {
      localStatus: { bestHeight: 42, bestHash: hash(7), totalWork: 1234n },
    })
    const connected: PeerConnectedEvent[] = []
    b.on('peer:connected', (e) => connected.push(e))
    const peer = await a.dial('memory://b')
    expect(peer).toMatchObject({
      peerId: b.peerId,
      direction: 'outbound',
      kind: 'manual',
      dialedAddress: 'memory://b',
    })
    expect(peer.hello).toMatchObject({
      networkId: 'chainwire-test',
      bestHeight: 42,
      totalWork: 1234n,
      listenAddrs: ['memory://b'],
    })
    expect(peer.hello.bestHash).toEqual(hash(7))
    // b's hello tells a the address b sees for it.
    expect(peer.hello.observedAddr).toBe('memory://a')
    await waitFor(() => connected.length === 1)
    const seen = connected[0]?.peer
    expect(seen).toMatchObject({ peerId: a.peerId, direction: 'inbound', kind: 'inbound' })
    expect(seen?.hello).toMatchObject({
      roles: ['full', 'validator'],
      userAgent: 'node-a/1',
      capabilities: ['compact-blocks'],
    })
    expect(seen?.hello.observedAddr).toBe('memory://b')
    expect(a.peers().map((p) => p.peerId)).toEqual([b.peerId])
    const status = b.getNetworkStatus()
    expect(status.connections.inbound).toBe(1)
    expect(status.peers[0]?.messagesIn.hello).toMatchObject({ messages: 1 })
  })

  it('announces the updated local status in later hellos', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    const b = await memoryNode(net, 'b')
    b.updateLocalStatus({ bestHeight: 100, totalWork: 99n })
    const peer = await a.dial('memory://b')
    expect(peer.hello.bestHeight).toBe(100)
    expect(peer.hello.totalWork).toBe(99n)
  })

  it('refuses a node of another network in the Noise handshake', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', { networkId: 'other-net' })
    const b = await memoryNode(net, 'b')
    const err = await a.dial('memory://b').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_NETWORK_MISMATCH' })
    expect(NoiseError.isInstance((err as Error).cause)).toBe(true)
    expect(b.peers()).toEqual([])
    await waitFor(() => b.getNetworkStatus().limits.handshakeFailures === 1)
  })

  it('refuses to connect to itself', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    await expect(a.dial('memory://a')).rejects.toMatchObject({ code: 'ERR_SELF_CONNECTION' })
    await expect(a.dial('memory://a', { peerId: a.peerId, force: true })).rejects.toMatchObject({
      code: 'ERR_SELF_CONNECTION',
    })
    await waitFor(() => a.getNetworkStatus().pendingHandshakes === 0)
    expect(a.peers()).toEqual([])
  })

  it('refuses hellos with the wrong network, an incompatible version or a skewed clock, and malformed first messages', async () => {
    const net = createMemoryNetwork()
    const sink = recordingSink()
    const b = await memoryNode(net, 'b', {}, { misbehaviour: sink })
    const transport = createMemoryTransport({ network: net })
    const cases = [
      { hello: { networkId: 'other-net' }, reason: 'network_mismatch' },
      { hello: { version: 0 }, reason: 'incompatible_version' },
      { hello: { timestamp: Date.now() - 3_600_000 }, reason: 'clock_skew' },
    ] as const
    for (const c of cases) {
      const raw = await transport.dial('memory://b', { signal: AbortSignal.timeout(5_000) })
      const peer = await rawPeer(raw, { hello: c.hello as Partial<HelloData> })
      await peer.closed
      expect(peer.disconnectReason()).toBe(c.reason)
      // Our hello came first, the disconnect second.
      expect(peer.received.map((m) => m.type)).toEqual(['hello', 'disconnect'])
    }
    const raw = await transport.dial('memory://b', { signal: AbortSignal.timeout(5_000) })
    const pinger = await rawPeer(raw, { hello: false })
    pinger.send({ type: 'ping', id: 1, data: { nonce: 1 } })
    await pinger.closed
    expect(pinger.disconnectReason()).toBe('bad_handshake')
    const raw2 = await transport.dial('memory://b', { signal: AbortSignal.timeout(5_000) })
    const garbage = await rawPeer(raw2, { hello: false })
    garbage.write(new Uint8Array([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]))
    await garbage.closed
    expect(garbage.disconnectReason()).toBe('bad_handshake')
    expect(b.peers()).toEqual([])
    expect(sink.reports.map((r) => r.behaviour).sort()).toEqual([
      'handshake-failure',
      'handshake-failure',
      'handshake-failure',
      'handshake-failure',
    ])
    expect(b.getNetworkStatus().limits.handshakeFailures).toBe(5)
  })

  it('resolves simultaneous dials to one connection, the same one on both sides', async () => {
    for (let round = 0; round < 8; round++) {
      const net = createMemoryNetwork()
      const a = await memoryNode(net, `a${round}`)
      const b = await memoryNode(net, `b${round}`)
      const [pa, pb] = await Promise.all([a.dial(`memory://b${round}`), b.dial(`memory://a${round}`)])
      expect(pa.peerId).toBe(b.peerId)
      expect(pb.peerId).toBe(a.peerId)
      await waitFor(() => {
        const x = a.getPeer(b.peerId)
        const y = b.getPeer(a.peerId)
        return (
          x !== undefined && y !== undefined && x.direction !== y.direction && net.connections().length === 1
        )
      })
      const lower = a.peerId < b.peerId ? a : b
      const other = lower === a ? b : a
      // The survivor is the connection dialed by the lower peer id.
      expect(lower.getPeer(other.peerId)?.direction).toBe('outbound')
      expect(a.peers()).toHaveLength(1)
      expect(b.peers()).toHaveLength(1)
      await stopAll()
    }
  })

  it('two dials from the same side end in one connection', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    const b = await memoryNode(net, 'b')
    const [p1, p2] = await Promise.all([a.dial('memory://b'), a.dial('memory://b')])
    expect(p1.peerId).toBe(b.peerId)
    expect(p2.peerId).toBe(b.peerId)
    await waitFor(() => net.connections().length === 1 && b.peers().length === 1)
    expect(a.peers()).toHaveLength(1)
  })

  it('a dial to a connected peer id returns the existing connection', async () => {
    const [a, b] = await pair()
    const again = await a.dial('memory://b', { peerId: b.peerId })
    expect(again.peerId).toBe(b.peerId)
    expect(a.peers()).toHaveLength(1)
  })

  it('a feeler connection is closed right after the handshake', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    await memoryNode(net, 'b')
    const gone: PeerDisconnectedEvent[] = []
    a.on('peer:disconnected', (e) => gone.push(e))
    const peer = await a.dial('memory://b', { kind: 'feeler' })
    expect(peer.kind).toBe('feeler')
    await waitFor(() => gone.length === 1)
    expect(gone[0]).toMatchObject({ reason: 'requested', initiator: 'local' })
  })
})

describe('messaging', () => {
  it('delivers announcements to handlers and events, and broadcasts to every peer passing the filter', async () => {
    const net = createMemoryNetwork()
    const hub = await memoryNode(net, 'hub')
    const leaves = await Promise.all(['l1', 'l2', 'l3'].map((n) => memoryNode(net, n)))
    for (const name of ['l1', 'l2', 'l3']) await hub.dial(`memory://${name}`)
    const got: string[] = []
    const events: MessageEvent<'inv'>[] = []
    leaves[0]?.handle('inv', (msg, peer) => {
      got.push(`${peer.peerId === hub.peerId}:${msg.data.items.length}`)
    })
    leaves[0]?.on('message:inv', (e) => events.push(e))
    await hub.send(leaves[0]?.peerId as string, inv(1))
    await waitFor(() => got.length === 1 && events.length === 1)
    expect(got).toEqual(['true:1'])
    expect(events[0]?.peerId).toBe(hub.peerId)
    expect(events[0]?.size).toBeGreaterThan(30)
    const count: number[] = [0, 0, 0]
    leaves.forEach((l, i) => {
      l.on('message:inv', () => {
        count[i] = (count[i] ?? 0) + 1
      })
    })
    const n = hub.broadcast(inv(2), (p) => p.peerId !== leaves[2]?.peerId)
    expect(n).toBe(2)
    await waitFor(() => count[0] === 1 && count[1] === 1)
    expect(count[2]).toBe(0)
    expect(hub.trySend(leaves[2]?.peerId as string, inv(3))).toBe(true)
    expect(hub.canSend(leaves[2]?.peerId as string, 100, 'transactions')).toBe(true)
    expect(hub.canSend('cwnobody', 1)).toBe(false)
    expect(hub.trySend('cwnobody', inv(3))).toBe(false)
    await expect(hub.send('cwnobody', inv(3))).rejects.toMatchObject({ code: 'ERR_NOT_CONNECTED' })
    const status = hub.getNetworkStatus()
    const out = status.peers.find((p) => p.peerId === leaves[0]?.peerId)?.messagesOut.inv
    expect(out).toMatchObject({ messages: 2 })
  })

  it('serves requests and matches responses; unsupported, failing and slow handlers give typed errors', async () => {
    const [a, b] = await pair({ requestTimeoutMs: 2_000 })
    b.handle('get_peers', () => ({ type: 'peers', data: { peers: [] } }))
    b.handle('get_headers', () => {
      throw new Error('boom')
    })
    b.handle('get_proof', () => ({ type: 'error', data: { code: 'bad_request', message: 'no such tx' } }))
    b.handle('block_request', () => ({ type: 'pong', data: { nonce: 1 } }))
    let release!: () => void
    b.handle('find_node', () => new Promise((resolve) => (release = () => resolve(undefined))))
    await expect(a.request(b.peerId, { type: 'get_peers', data: { limit: 5 } })).resolves.toMatchObject({
      type: 'peers',
    })
    await expect(
      a.request(b.peerId, { type: 'get_transaction', data: { hash: hash(1) } }),
    ).rejects.toMatchObject({
      code: 'ERR_REQUEST_FAILED',
      details: { code: 'unsupported' },
    })
    await expect(
      a.request(b.peerId, { type: 'get_headers', data: { locator: [hash(1)] } }),
    ).rejects.toMatchObject({
      code: 'ERR_REQUEST_FAILED',
      details: { code: 'internal' },
    })
    await expect(
      a.request(b.peerId, { type: 'get_proof', data: { blockHash: hash(1), txHash: hash(2) } }),
    ).rejects.toMatchObject({
      code: 'ERR_REQUEST_FAILED',
      details: { code: 'bad_request', message: 'no such tx' },
    })
    const slow = a.request(b.peerId, { type: 'find_node', data: { target: hash(3) } }, { timeoutMs: 50 })
    await expect(slow).rejects.toSatisfy(
      (e: unknown) => RequestError.isInstance(e) && e.code === 'ERR_REQUEST_TIMEOUT',
    )
    release()
    await waitFor(() => a.getNetworkStatus().limits.lateResponses === 1)
    await expect(a.request(b.peerId, inv(1))).rejects.toMatchObject({ code: 'ERR_INVALID_MESSAGE' })
    expect(() => b.handle('get_peers', () => undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_HANDLER_EXISTS' }),
    )
    expect(() => b.handle('ping', () => undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_MESSAGE' }),
    )
    expect(() => b.handle('peers', () => undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_MESSAGE' }),
    )
  })

  it('limits requests in flight per peer, both ways', async () => {
    const [a, b] = await pair({ maxInflightRequests: 2, maxInboundRequests: 1 })
    const resolvers: (() => void)[] = []
    b.handle(
      'find_node',
      () => new Promise((r) => resolvers.push(() => r({ type: 'nodes', data: { nodes: [] } }))),
    )
    const first = a.request(b.peerId, { type: 'find_node', data: { target: hash(1) } })
    const second = a.request(b.peerId, { type: 'find_node', data: { target: hash(2) } })
    await expect(a.request(b.peerId, { type: 'find_node', data: { target: hash(3) } })).rejects.toMatchObject(
      {
        code: 'ERR_TOO_MANY_REQUESTS',
      },
    )
    await expect(second).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED', details: { code: 'busy' } })
    expect(b.getNetworkStatus().limits.requestsRefused).toBe(1)
    await waitFor(() => resolvers.length === 1)
    resolvers[0]?.()
    await expect(first).resolves.toMatchObject({ type: 'nodes' })
  })

  it('measures latency with pings', async () => {
    const [a, b] = await pair()
    const rtt = await a.ping(b.peerId)
    expect(rtt).toBeGreaterThanOrEqual(0)
    expect(a.getPeer(b.peerId)?.latencyMs).toBe(rtt)
    expect(a.getPeer(b.peerId)?.minLatencyMs).toBe(rtt)
    await expect(a.ping('cwnobody')).rejects.toMatchObject({ code: 'ERR_NOT_CONNECTED' })
  })

  it('a graceful disconnect reaches the peer with its reason and message', async () => {
    const [a, b] = await pair()
    const seen: PeerDisconnectedEvent[] = []
    b.on('peer:disconnected', (e) => seen.push(e))
    const mine: PeerDisconnectedEvent[] = []
    a.on('peer:disconnected', (e) => mine.push(e))
    await a.disconnect(b.peerId, 'not_useful', 'no blocks for me')
    await waitFor(() => seen.length === 1)
    expect(seen[0]).toMatchObject({ reason: 'not_useful', initiator: 'remote', message: 'no blocks for me' })
    expect(mine[0]).toMatchObject({ reason: 'not_useful', initiator: 'local' })
    expect(a.peers()).toEqual([])
    expect(b.peers()).toEqual([])
    await a.disconnect(b.peerId)
  })

  it('a pending request fails with ERR_NOT_CONNECTED when the peer goes away', async () => {
    const [a, b] = await pair()
    b.handle('find_node', () => new Promise(() => {}))
    const pending = a.request(b.peerId, { type: 'find_node', data: { target: hash(1) } })
    await waitFor(() => b.getNetworkStatus().peers[0]?.servingRequests === 1)
    await b.disconnect(a.peerId)
    await expect(pending).rejects.toSatisfy(
      (e: unknown) => NetworkError.isInstance(e) && e.code === 'ERR_NOT_CONNECTED',
    )
  })

  it('pauses reading while handlers are backlogged, and delivers everything in order afterwards', async () => {
    const [a, b] = await pair({
      receiveBufferBytes: 4_000,
      rateLimits: { transactions: { messagesPerSecond: 1e6, messageBurst: 1e6 } },
    })
    const release: (() => void)[] = []
    const order: number[] = []
    b.handle('inv', (msg) => {
      order.push(msg.data.items[0]?.hash[0] as number)
      return new Promise<void>((r) => release.push(r))
    })
    for (let i = 0; i < 200; i++) void a.send(b.peerId, inv(i)).catch(() => {})
    await waitFor(() => release.length > 0)
    await new Promise((r) => setTimeout(r, 50))
    const status = b.getNetworkStatus().peers[0]
    expect(release.length).toBeLessThan(200)
    // The budget, plus at most the rest of the stream chunk that was being read when it ran out.
    expect(status?.receiveBufferedBytes).toBeLessThanOrEqual(4_000 + 65_536)
    expect(b.getNetworkStatus().peers[0]?.receiveBufferedBytes).toBeGreaterThan(0)
    while (order.length < 200) {
      for (const r of release.splice(0)) r()
      await new Promise((r) => setTimeout(r, 2))
    }
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i % 256))
  })

  it('send waits for room in a full queue, then fails with ERR_QUEUE_FULL', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', { sendQueueBytes: 10_000, sendQueueGraceMs: 60_000 })
    const transport = createMemoryTransport({ network: net }, { highWaterMark: 1024 })
    const listener = await transport.listen('memory://sink', () => {})
    void listener
    const raw = await createMemoryTransport({ network: net }).dial('memory://a', {
      signal: AbortSignal.timeout(5_000),
    })
    const peer = await rawPeer(raw, { read: false })
    await waitFor(() => a.getPeer(peer.identity.peerId) !== undefined)
    const big = { type: 'chunk' as const, data: chunk(4_000) }
    // Fill the queue until it stays full: the memory link and the secure stream absorb some first.
    let queued = 0
    for (let i = 0; i < 500 && a.canSend(peer.identity.peerId, 4_100, 'bulk'); i++) {
      while (a.trySend(peer.identity.peerId, big)) queued++
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(queued).toBeGreaterThan(0)
    expect(a.canSend(peer.identity.peerId, 4_100, 'bulk')).toBe(false)
    const started = Date.now()
    await expect(a.send(peer.identity.peerId, big, { timeoutMs: 100 })).rejects.toSatisfy(
      (e: unknown) => SendError.isInstance(e) && e.code === 'ERR_QUEUE_FULL',
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(90)
    const controller = new AbortController()
    const aborted = a.send(peer.identity.peerId, big, { signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    // A signal aborted before the call: refused at once.
    const gone = new AbortController()
    gone.abort()
    await expect(a.send(peer.identity.peerId, big, { signal: gone.signal })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
    expect(a.getNetworkStatus().peers[0]?.sendQueueBytes).toBeLessThanOrEqual(10_000 + 4_100)
    expect(a.getNetworkStatus().limits.sendQueueFull).toBeGreaterThan(0)
  })
})

function chunk(size: number) {
  return {
    transferId: 1,
    index: 0,
    total: 1,
    totalLength: size,
    chunkSize: size,
    digest: new Uint8Array(32),
    bytes: new Uint8Array(size),
  }
}

describe('dialing', () => {
  it('backs off an address that failed, unless forced', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', { dialBackoff: { baseMs: 60_000 } })
    await expect(a.dial('memory://nobody')).rejects.toMatchObject({ code: 'ERR_CONNECTION_REFUSED' })
    await expect(a.dial('memory://nobody')).rejects.toSatisfy(
      (e: unknown) =>
        (e as DialError).code === 'ERR_DIAL_BACKOFF' && typeof (e as DialError).details.retryAt === 'number',
    )
    await expect(a.dial('memory://nobody', { force: true })).rejects.toMatchObject({
      code: 'ERR_CONNECTION_REFUSED',
    })
    expect(a.getNetworkStatus().limits.dialBackoff).toBe(1)
  })

  it('times out a dial that never connects', async () => {
    const net = createMemoryNetwork({ scheduler: { transmit: (t) => t.deliver(), connect: () => {} } })
    const a = await memoryNode(net, 'a', { dialTimeoutMs: 50 })
    await memoryNode(net, 'b')
    await expect(a.dial('memory://b')).rejects.toMatchObject({ code: 'ERR_DIAL_TIMEOUT' })
    const controller = new AbortController()
    const dial = a.dial('memory://b', { signal: controller.signal, force: true })
    controller.abort()
    await expect(dial).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(a.getNetworkStatus().pendingHandshakes).toBe(0)
  })

  it('enforces outbound slots per kind', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', { maxManual: 1, maxOutboundBlockRelay: 1 })
    await memoryNode(net, 'b')
    await memoryNode(net, 'c')
    await a.dial('memory://b')
    await expect(a.dial('memory://c')).rejects.toMatchObject({ code: 'ERR_CONNECTION_LIMIT' })
    const c = await a.dial('memory://c', { kind: 'block-relay' })
    expect(c.kind).toBe('block-relay')
    expect(a.getNetworkStatus().connections).toMatchObject({ manual: 1, 'block-relay': 1 })
    expect(a.getNetworkStatus().limits.outboundFull).toBe(1)
    // Transactions skip block-relay-only peers.
    expect(a.broadcast(inv(1))).toBe(1)
  })

  it('rejects bad input to dial', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    await expect(a.dial('not a url')).rejects.toMatchObject({ code: 'ERR_INVALID_ADDRESS' })
    await expect(a.dial('tcp://127.0.0.1:1')).rejects.toMatchObject({ code: 'ERR_NO_TRANSPORT' })
    await a.stop()
    await expect(a.dial('memory://b')).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' })
  })
})

describe('gater', () => {
  it('refuses dials, inbound IPs and peer ids it does not allow', async () => {
    const net = createMemoryNetwork()
    const banned = new Set<string>()
    const gater = {
      allowDial: (address: string) => address !== 'memory://forbidden',
      allowInbound: (ip: string) => ip !== '10.66.0.1',
      allowPeer: (peerId: string) => !banned.has(peerId),
    }
    const b = await memoryNode(net, 'b', {}, { gater })
    const a = await memoryNode(net, 'a')
    const evil = await memoryNode(net, 'evil', {}, { host: '10.66.0.1' })
    await expect(b.dial('memory://forbidden')).rejects.toMatchObject({ code: 'ERR_DIAL_DENIED' })
    await expect(evil.dial('memory://b')).rejects.toSatisfy((e: unknown) => NoiseError.isInstance(e))
    banned.add(a.peerId)
    const refused = a.dial('memory://b')
    await expect(refused).rejects.toSatisfy(
      (e: unknown) =>
        (e as HandshakeError).code === 'ERR_REMOTE_DISCONNECT' &&
        (e as HandshakeError).details.reason === 'banned',
    )
    expect(b.getNetworkStatus().limits.gaterDenied).toBe(3)
    expect(b.peers()).toEqual([])
  })
})

describe('concurrent inbound handshakes', () => {
  it('runs 40 at once without a MaxListenersExceededWarning, and stop() aborts those in flight', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => {
      warnings.push(w)
    }
    process.on('warning', onWarning)
    try {
      const net = createMemoryNetwork()
      const wide = 64
      const b = await memoryNode(net, 'b', {
        maxInbound: wide,
        maxInboundPerIp: wide,
        maxInboundPerNetGroup: wide,
        maxPendingInbound: wide,
        inboundBurstPerIp: wide,
      })
      const transport = createMemoryTransport({ network: net })
      const dialRaw = () => transport.dial('memory://b', { signal: AbortSignal.timeout(5_000) })
      // 40 connections whose Noise handshakes all wait on the node at once, then complete together.
      const raws = await Promise.all(Array.from({ length: 40 }, dialRaw))
      await new Promise((resolve) => setImmediate(resolve))
      expect(b.getNetworkStatus().pendingHandshakes).toBe(40)
      const peers = await Promise.all(raws.map((raw) => rawPeer(raw)))
      await waitFor(() => b.peers().length === 40)
      for (const p of peers) expect(b.getPeer(p.identity.peerId)).toBeDefined()
      // Handshakes still waiting when the node stops are aborted at once, not left to their deadline.
      const stuck = await Promise.all(Array.from({ length: 5 }, dialRaw))
      await new Promise((resolve) => setImmediate(resolve))
      const started = Date.now()
      await b.stop()
      expect(Date.now() - started).toBeLessThan(2_000)
      for (const raw of stuck) raw.close()
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })
})

import { ManualClock, MemoryMetrics } from '@chainwire/interface/testing'
import { createPeerScoring } from '@chainwire/peer-scoring'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryNetwork,
  createMemoryTransport,
  type MemoryNetwork,
  type PeerDisconnectedEvent,
} from '../src/index'
import { helloData, memoryNode, rawPeer, recordingSink, stopAll, waitFor } from './helpers'

afterEach(stopAll)

const hash = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const inv = (n: number) => ({
  type: 'inv' as const,
  data: { items: [{ kind: 'tx' as const, hash: hash(n % 256) }] },
})

/** Lets memory-transport deliveries (process.nextTick) and promise chains settle without moving the clock. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5))

async function rawDial(net: MemoryNetwork, name: string, host?: string) {
  const transport = createMemoryTransport({ network: net }, host === undefined ? {} : { host })
  return transport.dial(`memory://${name}`, { signal: AbortSignal.timeout(5_000) })
}

describe('timers on the injected clock', () => {
  it('pings every interval, measures latency and keeps a live peer connected indefinitely', async () => {
    const clock = new ManualClock({ start: Date.now() })
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', {}, { clock })
    const b = await memoryNode(net, 'b', {}, { clock })
    await a.dial('memory://b')
    await settle()
    for (let i = 0; i < 30; i++) {
      await clock.advanceAsync(10_000)
      await settle()
    }
    expect(a.getPeer(b.peerId)).toBeDefined()
    expect(a.getPeer(b.peerId)?.latencyMs).toBe(0)
    const pings = a.getNetworkStatus().peers[0]?.messagesOut.ping?.messages ?? 0
    expect(pings).toBeGreaterThanOrEqual(9)
    expect(pings).toBeLessThanOrEqual(11)
  })

  it('drops a peer that sends nothing for idleTimeoutMs', async () => {
    const clock = new ManualClock({ start: Date.now() })
    const net = createMemoryNetwork()
    const metrics = new MemoryMetrics()
    const b = await memoryNode(net, 'b', {}, { clock, metrics })
    const gone: PeerDisconnectedEvent[] = []
    b.on('peer:disconnected', (e) => gone.push(e))
    const peer = await rawPeer(await rawDial(net, 'b'), { clock })
    await waitFor(() => b.peers().length === 1)
    await clock.advanceAsync(59_000)
    await settle()
    expect(b.peers()).toHaveLength(1)
    await clock.advanceAsync(1_000)
    await settle()
    await peer.closed
    expect(peer.disconnectReason()).toBe('timeout')
    expect(gone[0]).toMatchObject({ reason: 'timeout', initiator: 'local' })
    expect(b.getNetworkStatus().limits.idleTimeouts).toBe(1)
    expect(metrics.get('network_disconnects_total', { reason: 'timeout', initiator: 'local' })).toBe(1)
  })

  it('closes a silent connection at the handshake deadline, and a dripping one too (progress does not extend it)', async () => {
    const clock = new ManualClock({ start: Date.now() })
    const net = createMemoryNetwork()
    const b = await memoryNode(net, 'b', {}, { clock })
    const silent = await rawDial(net, 'b')
    const drip = await rawDial(net, 'b')
    const closed = (s: { stream: NodeJS.ReadableStream }) => {
      let done = false
      s.stream.on('close', () => {
        done = true
      })
      s.stream.on('error', () => {})
      s.stream.resume()
      return () => done
    }
    const silentClosed = closed(silent)
    const dripClosed = closed(drip)
    const msg1 = new Uint8Array(34)
    msg1[1] = 32
    for (let t = 0; t < 4_999; t += 1_000) {
      drip.stream.write(msg1.subarray(t / 1_000, t / 1_000 + 1))
      await clock.advanceAsync(Math.min(1_000, 4_999 - t))
      await settle()
    }
    expect(silentClosed()).toBe(false)
    expect(dripClosed()).toBe(false)
    expect(b.getNetworkStatus().pendingHandshakes).toBe(2)
    await clock.advanceAsync(1)
    await settle()
    expect(silentClosed()).toBe(true)
    expect(dripClosed()).toBe(true)
    expect(b.getNetworkStatus().pendingHandshakes).toBe(0)
    expect(b.getNetworkStatus().limits.handshakeTimeouts).toBe(2)
  })

  it('keeps a persistent peer connected: retries with backoff, and redials after it goes away', async () => {
    const clock = new ManualClock({ start: Date.now() })
    const net = createMemoryNetwork()
    const a = await memoryNode(
      net,
      'a',
      { persistentPeers: ['memory://b'], dialBackoff: { baseMs: 1_000, jitter: 0 } },
      { clock },
    )
    await settle()
    expect(a.peers()).toHaveLength(0)
    const b = await memoryNode(net, 'b', {}, { clock })
    // Failures so far: one at start; the next attempt is 1 s later.
    await clock.advanceAsync(1_000)
    await waitFor(() => a.peers().length === 1)
    expect(a.peers()[0]?.peerId).toBe(b.peerId)
    expect(a.peers()[0]?.kind).toBe('manual')
    await b.stop()
    await waitFor(() => a.peers().length === 0)
    await b.start()
    for (let i = 0; i < 10 && a.peers().length === 0; i++) {
      await clock.advanceAsync(1_000)
      await settle()
    }
    expect(a.peers()).toHaveLength(1)
    a.removePersistentPeer('memory://b')
    await a.disconnect(b.peerId)
    await clock.advanceAsync(60_000)
    await settle()
    expect(a.peers()).toHaveLength(0)
  })

  it('leaves no timer, listener or connection after stop', async () => {
    const clock = new ManualClock({ start: Date.now() })
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', { persistentPeers: ['memory://nobody'] }, { clock })
    const b = await memoryNode(net, 'b', {}, { clock })
    await a.dial('memory://b')
    b.handle('find_node', () => new Promise(() => {}))
    const pending = a.request(b.peerId, { type: 'find_node', data: { target: hash(1) } })
    const silent = await rawDial(net, 'a')
    silent.stream.on('error', () => {})
    silent.stream.resume()
    await settle()
    expect(clock.pending()).toBeGreaterThan(0)
    await Promise.all([a.stop(), b.stop()])
    await expect(pending).rejects.toMatchObject({ code: 'ERR_NOT_CONNECTED' })
    expect(clock.pending()).toBe(0)
    expect(net.listening()).toEqual([])
    await waitFor(() => net.connections().length === 0)
    expect(a.isStarted()).toBe(false)
    // A restart works.
    await a.start()
    expect(a.listenAddresses()).toEqual(['memory://a'])
    await a.stop()
    expect(clock.pending()).toBe(0)
  })

  it('disconnects a peer whose send queue stays full past the grace period', async () => {
    const clock = new ManualClock({ start: Date.now() })
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', { sendQueueBytes: 20_000, sendQueueGraceMs: 10_000 }, { clock })
    const peer = await rawPeer(await rawDial(net, 'a'), { clock, read: false })
    await waitFor(() => a.peers().length === 1)
    const id = peer.identity.peerId
    const big = { type: 'chunk' as const, data: chunk(8_000) }
    for (let i = 0; i < 200 && a.canSend(id, 8_100, 'bulk'); i++) {
      while (a.trySend(id, big)) {}
      await settle()
    }
    expect(a.canSend(id, 8_100, 'bulk')).toBe(false)
    const queued = a.getNetworkStatus().peers[0]?.sendQueueBytes ?? 0
    expect(queued).toBeGreaterThan(10_000)
    expect(queued).toBeLessThanOrEqual(20_000 + 8_100)
    await clock.advanceAsync(9_000)
    await settle()
    expect(a.peers()).toHaveLength(1)
    await clock.advanceAsync(1_000)
    await settle()
    expect(a.peers()).toHaveLength(0)
    expect(a.getNetworkStatus().limits.sendQueueStalls).toBe(1)
  })
})

function chunk(size: number) {
  return {
    transferId: 1,
    index: 0,
    total: 1,
    totalLength: size,
    chunkSize: size,
    digest: hash(0),
    bytes: new Uint8Array(size),
  }
}

describe('limits over the memory transport', () => {
  it('caps inbound connections per IP, per network group, and new connections per IP', async () => {
    const net = createMemoryNetwork()
    const b = await memoryNode(net, 'b', {
      maxInboundPerIp: 2,
      maxInboundPerNetGroup: 3,
      inboundBurstPerIp: 100,
    })
    const sameIp = [0, 1, 2].map(() => rawDial(net, 'b', '10.7.0.1'))
    const conns = await Promise.all(sameIp)
    await settle()
    const limits = b.getNetworkStatus().limits
    expect(limits.inboundPerIp).toBe(1)
    await rawDial(net, 'b', '10.7.0.2')
    await rawDial(net, 'b', '10.7.0.3')
    await settle()
    expect(b.getNetworkStatus().limits.inboundPerNetGroup).toBe(1)
    expect(b.getNetworkStatus().pendingHandshakes).toBe(3)
    void conns
    const c = await memoryNode(net, 'c', { inboundBurstPerIp: 2 })
    for (let i = 0; i < 5; i++) await rawDial(net, 'c', '10.8.0.1').then((r) => r.close())
    await settle()
    expect(c.getNetworkStatus().limits.inboundRateLimited).toBe(3)
  })

  it('evicts an unprotected inbound peer for a newcomer, protecting useful ones; refuses when all are protected', async () => {
    const net = createMemoryNetwork()
    const victim = await memoryNode(net, 'v', {
      maxInbound: 3,
      evictionProtection: {
        netGroups: 0,
        lowestPing: 0,
        recentTransactions: 0,
        recentBlocks: 1,
        uptimeFraction: 0,
      },
    })
    const peers = []
    for (const name of ['p1', 'p2', 'p3']) {
      const p = await memoryNode(net, name)
      await p.dial('memory://v')
      peers.push(p)
      await waitFor(() => victim.getPeer(p.peerId) !== undefined)
      await new Promise((r) => setTimeout(r, 3))
    }
    const [p1, p2, p3] = peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0]]
    victim.markUseful(p3.peerId, 'block')
    const evicted: PeerDisconnectedEvent[] = []
    p2.on('peer:disconnected', (e) => evicted.push(e))
    const p4 = await memoryNode(net, 'p4')
    await p4.dial('memory://v')
    await waitFor(() => evicted.length === 1)
    expect(evicted[0]).toMatchObject({ reason: 'evicted', initiator: 'remote' })
    expect(victim.getPeer(p1.peerId)).toBeDefined()
    expect(victim.getPeer(p3.peerId)).toBeDefined()
    expect(victim.getPeer(p4.peerId)).toBeDefined()
    expect(victim.getNetworkStatus().limits.evictions).toBe(1)

    const full = await memoryNode(net, 'full', { maxInbound: 1 })
    await p1.dial('memory://full')
    await expect(p2.dial('memory://full')).rejects.toMatchObject({
      code: 'ERR_REMOTE_DISCONNECT',
      details: { reason: 'too_many_peers' },
    })
    expect(full.getNetworkStatus().limits.inboundFull).toBe(1)
  })
})

describe('misbehaviour', () => {
  async function attacker(options: Parameters<typeof memoryNode>[2] = {}) {
    const clock = new ManualClock({ start: Date.now() })
    const net = createMemoryNetwork()
    const sink = recordingSink()
    const metrics = new MemoryMetrics()
    const b = await memoryNode(net, 'b', options, { clock, misbehaviour: sink, metrics })
    const peer = await rawPeer(await rawDial(net, 'b'), { clock })
    await waitFor(() => b.peers().length === 1)
    return { b, peer, sink, clock, metrics }
  }

  it('drops messages over the rate limit, reports them, and disconnects a peer far over it', async () => {
    const { b, peer, sink, metrics } = await attacker({
      rateLimits: { transactions: { messagesPerSecond: 10, messageBurst: 20 } },
      rateLimitToleranceBurst: 30,
    })
    const got: number[] = []
    b.on('message:inv', () => got.push(1))
    for (let i = 0; i < 100; i++) peer.send(inv(i))
    await peer.closed
    expect(got).toHaveLength(20)
    expect(peer.disconnectReason()).toBe('rate_limited')
    const limits = b.getNetworkStatus().limits
    expect(limits.messagesRateLimited).toBe(31)
    expect(limits.rateLimitDisconnects).toBe(1)
    expect(sink.reports.filter((r) => r.behaviour === 'rate-limit-exceeded')).toHaveLength(1)
    expect(metrics.get('network_rate_limited_total', { class: 'transactions' })).toBe(31)
  })

  it('ignores and counts unknown types, reports invalid messages, unrequested responses and a second hello', async () => {
    const { b, peer, sink, clock } = await attacker()
    // An envelope with an unknown type code (0x7e) and one that breaks the schema of `inv`.
    peer.write(framed(new Uint8Array([0x93, 0x7e, 0xc0, 0x90])))
    peer.write(framed(new Uint8Array([0x93, 0x20, 0xc0, 0x90])))
    peer.send({ type: 'pong', id: 12345, data: { nonce: 1 } })
    await settle()
    await clock.advanceAsync(1_000)
    peer.send({ type: 'hello', data: helloData({}, clock.now()) })
    await settle()
    const status = b.getNetworkStatus()
    expect(status.limits.invalidMessages).toBe(2)
    expect(status.limits.unknownResponses).toBe(1)
    expect(status.peers[0]?.invalidMessages).toBe(2)
    expect(sink.reports.map((r) => r.behaviour)).toEqual([
      'invalid-message',
      'unrequested-message',
      'protocol-violation',
    ])
    expect(b.peers()).toHaveLength(1)
  })

  it('disconnects on a frame declaring more than maxMessageSize, before buffering it', async () => {
    const { b, peer, sink } = await attacker()
    peer.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]))
    await peer.closed
    expect(peer.disconnectReason()).toBe('protocol_error')
    expect(sink.reports.map((r) => r.behaviour)).toEqual(['protocol-violation'])
    expect(b.peers()).toHaveLength(0)
  })

  it('refuses a first message larger than a hello can be before it is complete', async () => {
    const net = createMemoryNetwork()
    const sink = recordingSink()
    const b = await memoryNode(net, 'b', {}, { misbehaviour: sink })
    const peer = await rawPeer(await rawDial(net, 'b'), { hello: false })
    const header = new Uint8Array(4)
    new DataView(header.buffer).setUint32(0, 1_000_000)
    peer.write(header)
    peer.write(new Uint8Array(16 * 1024))
    await peer.closed
    expect(peer.disconnectReason()).toBe('bad_handshake')
    expect(sink.reports.map((r) => r.behaviour)).toEqual(['handshake-failure'])
    expect(b.peers()).toHaveLength(0)
  })

  it('plugs into @chainwire/peer-scoring as the misbehaviour sink', async () => {
    const clock = new ManualClock({ start: Date.now() })
    const scoring = createPeerScoring({ clock })
    const net = createMemoryNetwork()
    const b = await memoryNode(net, 'b', {}, { clock, misbehaviour: scoring })
    const peer = await rawPeer(await rawDial(net, 'b'), { clock })
    await waitFor(() => b.peers().length === 1)
    peer.write(framed(new Uint8Array([0x93, 0x20, 0xc0, 0x90])))
    await settle()
    expect(scoring.view.getScore(peer.identity.peerId)).toBeLessThan(0)
    scoring.stop()
  })
})

function framed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length)
  new DataView(out.buffer).setUint32(0, payload.length)
  out.set(payload, 4)
  return out
}

import { createServer, type Socket } from 'node:net'
import { MemoryMetrics } from '@chainwire/interface/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { NatError } from '../../src/errors'
import { HolePuncher } from '../../src/holepunch/hole-puncher'
import { isTcpPunchAddress, type PunchPortSource, tcpPunchPort } from '../../src/holepunch/punch-port'
import { rawConnectionOf } from '../../src/relay/circuit-socket'
import { registerRelayHandlers } from '../../src/relay/handlers'
import { RelayClient } from '../../src/relay/relay-client'
import { RelayServer } from '../../src/relay/relay-server'
import { connectTcp } from '../../src/stun/client'
import { onCleanup, stopAll, tcpNode, waitFor } from '../helpers/nodes'

afterEach(stopAll)

/** A punch port source that counts what it hands out (its mapping is the loopback port itself). */
function countingPorts(base: number): PunchPortSource & { acquired: number } {
  const source = {
    acquired: 0,
    accepts: isTcpPunchAddress,
    async acquire() {
      source.acquired++
      const port = base + source.acquired
      return tcpPunchPort(port, `tcp://127.0.0.1:${port}`, () => {})
    },
  }
  return source
}

/**
 * A punch port source whose simultaneous open "connects" to a server that answers garbage and hangs up: the
 * punch succeeds, the Noise handshake over it fails (a hand-over to a direct connection that goes wrong).
 */
async function garbagePorts(): Promise<PunchPortSource & { acquired: number }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.end(Buffer.alloc(64, 0xee))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onCleanup(() => {
    server.close()
    for (const s of sockets) s.destroy()
  })
  const external = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`
  const source = {
    acquired: 0,
    accepts: isTcpPunchAddress,
    async acquire() {
      source.acquired++
      return {
        localPort: 0,
        external,
        release: () => {},
        async connect(_remote: readonly string[], signal: AbortSignal) {
          const { port } = server.address() as { port: number }
          return rawConnectionOf(await connectTcp({ host: '127.0.0.1', port }, {}, signal), 'outbound')
        },
      }
    },
  }
  return source
}

/** Two peers connected through a relay on loopback, each with a hole puncher. */
async function relayedPair(
  portsOf: (i: number) => Promise<PunchPortSource & { acquired: number }> = async (i) =>
    // Distinct ranges per side (a punch from a port to the same port on loopback would connect to itself).
    countingPorts(41_000 + i * 1_000),
) {
  const relayNet = await tcpNode()
  const server = new RelayServer({ network: relayNet }, { circuitListen: 'tcp://127.0.0.1:0' })
  await server.start()
  onCleanup(() => server.stop())
  onCleanup(registerRelayHandlers(relayNet, { server }))
  const sides = await Promise.all(
    [0, 1].map(async (i) => {
      const network = await tcpNode()
      const client = new RelayClient({ network })
      client.start()
      onCleanup(() => client.stop())
      onCleanup(registerRelayHandlers(network, { client }))
      const metrics = new MemoryMetrics()
      const ports = await portsOf(i)
      const puncher = new HolePuncher(
        { network, ports, isRelayed: (p) => client.isRelayed(p), metrics },
        { syncTimeoutMs: 300, maxAttempts: 2, retryDelayMs: 10, connectTimeoutMs: 200 },
      )
      puncher.start()
      onCleanup(() => puncher.stop())
      await network.dial(relayNet.listenAddresses()[0] as string)
      return { network, client, puncher, metrics, ports }
    }),
  )
  const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]]
  await b.client.reserve(relayNet.peerId)
  await a.client.dial(b.network.peerId, relayNet.peerId)
  await waitFor(() => b.network.getPeer(a.network.peerId) !== undefined)
  return { a, b }
}

const ignored = (m: MemoryMetrics, reason: string) => m.get('holepunch_ignored_total', { reason }) ?? 0

describe('hole-punch sync messages: bad input', () => {
  it('a sync without a connect (out of order) is ignored and counted', async () => {
    const { a, b } = await relayedPair()
    await a.network.send(b.network.peerId, { type: 'hole_punch_sync', data: { phase: 'sync', addrs: [] } })
    await waitFor(() => ignored(b.metrics, 'out_of_order') === 1)
    expect(b.ports.acquired).toBe(0)
    expect(b.network.getPeer(a.network.peerId)).toBeDefined()
  })

  it('a replayed connect during an attempt is ignored; a sync after the attempt ended is out of order', async () => {
    const { a, b } = await relayedPair()
    const connect = {
      type: 'hole_punch_sync' as const,
      data: { phase: 'connect' as const, addrs: ['tcp://127.0.0.1:45001'] },
    }
    await a.network.send(b.network.peerId, connect)
    await a.network.send(b.network.peerId, connect)
    await a.network.send(b.network.peerId, connect)
    // (The sender here is no initiator, so it takes B's answer for a new connect and answers it: B counts
    // that as a replay too.)
    await waitFor(() => ignored(b.metrics, 'replayed') >= 2)
    expect(b.ports.acquired).toBe(1)
    // The responder's attempt times out waiting for sync (300 ms): a late sync is then out of order.
    await new Promise((r) => setTimeout(r, 400))
    await a.network.send(b.network.peerId, { type: 'hole_punch_sync', data: { phase: 'sync', addrs: [] } })
    await waitFor(() => ignored(b.metrics, 'out_of_order') === 1)
  })

  it('a connect from a peer that is not relayed, or with unusable addresses, is ignored', async () => {
    const { a, b } = await relayedPair()
    const direct = await tcpNode()
    await direct.dial(b.network.listenAddresses()[0] as string)
    await direct.send(b.network.peerId, {
      type: 'hole_punch_sync',
      data: { phase: 'connect', addrs: ['tcp://127.0.0.1:45002'] },
    })
    await waitFor(() => ignored(b.metrics, 'not_relayed') === 1)
    await a.network.send(b.network.peerId, {
      type: 'hole_punch_sync',
      data: { phase: 'connect', addrs: ['ws://example.org:80/'] },
    })
    await a.network.send(b.network.peerId, { type: 'hole_punch_sync', data: { phase: 'connect', addrs: [] } })
    await waitFor(() => ignored(b.metrics, 'bad_address') === 2)
    expect(b.ports.acquired).toBe(0)
  })

  it('an upgrade whose punch never connects fails after its bounded attempts and keeps the relayed connection', async () => {
    const { a, b } = await relayedPair()
    // The ports handed out point at nothing listening: every simultaneous open fails.
    const err = await b.puncher.upgrade(a.network.peerId).catch((e) => e)
    expect(NatError.isInstance(err) && err.code).toBe('ERR_HOLE_PUNCH_FAILED')
    expect(err.details.reason).toBe('attempts_exhausted')
    expect(b.metrics.get('holepunch_attempts_total', { role: 'initiator' })).toBe(2)
    expect(b.metrics.get('holepunch_upgrades_total', { outcome: 'fallback' })).toBe(1)
    expect(b.client.isRelayed(b.network.getPeer(a.network.peerId) as never)).toBe(true)
    expect(await a.network.ping(b.network.peerId)).toBeGreaterThanOrEqual(0)
  })

  it('a hand-over whose direct handshake fails keeps the relayed connection working, on both ends', async () => {
    const { a, b } = await relayedPair(() => garbagePorts())
    const dropped: string[] = []
    a.network.on('peer:disconnected', ({ peer }) => dropped.push(`a lost ${peer.peerId}`))
    b.network.on('peer:disconnected', ({ peer }) => dropped.push(`b lost ${peer.peerId}`))
    const err = await b.puncher.upgrade(a.network.peerId).catch((e) => e)
    expect(NatError.isInstance(err) && err.code).toBe('ERR_HOLE_PUNCH_FAILED')
    // both attempts punched (and the responder answered each), then failed the handshake over the punch
    expect(b.ports.acquired).toBe(2)
    expect(a.ports.acquired).toBe(2)
    expect(dropped).toEqual([])
    expect(b.client.isRelayed(b.network.getPeer(a.network.peerId) as never)).toBe(true)
    expect(a.client.isRelayed(a.network.getPeer(b.network.peerId) as never)).toBe(true)
    expect(await a.network.ping(b.network.peerId)).toBeGreaterThanOrEqual(0)
    expect(await b.network.ping(a.network.peerId)).toBeGreaterThanOrEqual(0)
  })

  it('refuses to upgrade a peer that is not relayed', async () => {
    const { a } = await relayedPair()
    const direct = await tcpNode()
    await direct.dial(a.network.listenAddresses()[0] as string)
    const err = await a.puncher.upgrade(direct.peerId).catch((e) => e)
    expect(err.details.reason).toBe('not_relayed')
  })
})

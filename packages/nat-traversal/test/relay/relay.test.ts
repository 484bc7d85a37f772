import { MemoryMetrics } from '@chainwire/interface/testing'
import type { Network } from '@chainwire/network'
import { afterEach, describe, expect, it } from 'vitest'
import { NatError } from '../../src/errors'
import { registerRelayHandlers } from '../../src/relay/handlers'
import { RelayClient } from '../../src/relay/relay-client'
import { RelayServer, type RelayServerOptions } from '../../src/relay/relay-server'
import { onCleanup, pathProxy, stopAll, tcpNode, waitFor } from '../helpers/nodes'
import { freePort } from '../lab/coturn'

afterEach(stopAll)

async function relayNode(options: RelayServerOptions = {}, metrics?: MemoryMetrics) {
  const network = await tcpNode({ capabilities: ['relay'] })
  const server = new RelayServer({ network, metrics }, { circuitListen: 'tcp://127.0.0.1:0', ...options })
  await server.start()
  return finishRelay(network, server)
}

/** A relay whose circuit address is a path proxy: every circuit byte crosses `tap`, which may misbehave. */
async function tappedRelay(behaviour: Parameters<typeof pathProxy>[1]) {
  const network = await tcpNode({ capabilities: ['relay'] })
  const port = await freePort()
  const tap = await pathProxy(() => ({ host: '127.0.0.1', port }), behaviour)
  onCleanup(tap.close)
  const server = new RelayServer(
    { network },
    { circuitListen: `tcp://127.0.0.1:${port}`, circuitAnnounce: tap.address },
  )
  await server.start()
  return { ...finishRelay(network, server), tap }
}

function finishRelay(network: Network, server: RelayServer) {
  onCleanup(() => server.stop())
  onCleanup(registerRelayHandlers(network, { server }))
  return { network, server }
}

async function clientNode() {
  const network = await tcpNode()
  const client = new RelayClient({ network })
  client.start()
  onCleanup(() => client.stop())
  onCleanup(registerRelayHandlers(network, { client }))
  return { network, client }
}

/** A target holding a reservation on the relay, and a dialer connected to the relay. */
async function circuitSetup(options: RelayServerOptions = {}, metrics?: MemoryMetrics) {
  const relay = await relayNode(options, metrics)
  const target = await clientNode()
  const dialer = await clientNode()
  const relayAddress = relay.network.listenAddresses()[0] as string
  await target.network.dial(relayAddress)
  await dialer.network.dial(relayAddress)
  const reservation = await target.client.reserve(relay.network.peerId)
  return { relay, target, dialer, reservation }
}

function inv(byte: number, count = 1) {
  return {
    type: 'inv' as const,
    data: {
      items: Array.from({ length: count }, () => ({
        kind: 'block' as const,
        hash: new Uint8Array(32).fill(byte),
      })),
    },
  }
}

function received(network: Network): number[] {
  const got: number[] = []
  network.on('message:inv', (e) => got.push(...e.message.data.items.map((i) => i.hash[0] as number)))
  return got
}

describe('relay circuits over loopback TCP', () => {
  it('a dialer reaches a reserved peer through the relay, Noise end to end, and data flows both ways', async () => {
    const { relay, target, dialer, reservation } = await circuitSetup()
    expect(reservation.circuitAddress).toBe(relay.server.circuitAddress())
    expect(target.client.relayedAddresses()).toEqual([
      {
        relay: relay.network.peerId,
        relayAddress: relay.network.listenAddresses()[0],
        target: target.network.peerId,
      },
    ])
    const peer = await dialer.client.dial(target.network.peerId, relay.network.peerId)
    expect(peer.peerId).toBe(target.network.peerId)
    expect(dialer.client.isRelayed(peer)).toBe(true)
    await waitFor(() => target.network.getPeer(dialer.network.peerId) !== undefined)
    expect(target.client.isRelayed(target.network.getPeer(dialer.network.peerId) as never)).toBe(true)
    const atTarget = received(target.network)
    const atDialer = received(dialer.network)
    await dialer.network.send(target.network.peerId, inv(0xab))
    await target.network.send(dialer.network.peerId, inv(0xcd))
    await waitFor(() => atTarget.length === 1 && atDialer.length === 1)
    expect(atTarget).toEqual([0xab])
    expect(atDialer).toEqual([0xcd])
    expect(await dialer.network.ping(target.network.peerId)).toBeGreaterThanOrEqual(0)
    expect(relay.server.circuitCount()).toBe(1)
  })

  it('the relay sees only ciphertext: no plaintext of the messages crosses it', async () => {
    const { tap, ...relay } = await tappedRelay({})
    const target = await clientNode()
    const dialer = await clientNode()
    for (const n of [target, dialer]) await n.network.dial(relay.network.listenAddresses()[0] as string)
    await target.client.reserve(relay.network.peerId)
    await dialer.client.dial(target.network.peerId, relay.network.peerId)
    const got = received(target.network)
    await dialer.network.send(target.network.peerId, inv(0x5a, 64))
    await waitFor(() => got.length === 64)
    const wire = Buffer.concat(tap.seen)
    expect(wire.length).toBeGreaterThan(64 * 32)
    // 64 hashes of 32 x 0x5a in the plaintext; on the wire not even one run of 16 such bytes.
    expect(wire.includes(Buffer.alloc(16, 0x5a))).toBe(false)
    expect(wire.includes(Buffer.from(target.network.peerId))).toBe(false)
  })

  it('a relay that alters the stream breaks the connection instead of delivering altered data', async () => {
    let armed = false
    // Flip one bit of the last byte of a write: inside the ciphertext or its tag, never the length prefix
    // (a changed length would only stall the reader until its idle timeout).
    const flipLast = (chunk: Buffer): Buffer => {
      const out = Buffer.from(chunk)
      out[out.length - 1] = (out[out.length - 1] as number) ^ 0x01
      return out
    }
    const relay = await tappedRelay({ tamper: (chunk) => (armed ? flipLast(chunk) : chunk) })
    const target = await clientNode()
    const dialer = await clientNode()
    for (const n of [target, dialer]) await n.network.dial(relay.network.listenAddresses()[0] as string)
    await target.client.reserve(relay.network.peerId)
    await dialer.client.dial(target.network.peerId, relay.network.peerId)
    await waitFor(() => target.network.getPeer(dialer.network.peerId) !== undefined)
    const got = received(target.network)
    armed = true
    await dialer.network.send(target.network.peerId, inv(0x11))
    await waitFor(() => target.network.getPeer(dialer.network.peerId) === undefined)
    expect(got).toEqual([])
  })

  it('a relay that sends the circuit to another node cannot impersonate the target', async () => {
    const impostor = await tcpNode()
    const [ih, ip] = (impostor.listenAddresses()[0] as string).slice(6).split(':')
    // The dialer's end (the second connection on the path; the target's end comes first) goes to the impostor.
    const relay = await tappedRelay({
      redirect: (i) => (i === 1 ? { host: ih as string, port: Number(ip), skip: 20 } : undefined),
    })
    const target = await clientNode()
    const dialer = await clientNode()
    for (const n of [target, dialer]) await n.network.dial(relay.network.listenAddresses()[0] as string)
    await target.client.reserve(relay.network.peerId)
    const err = await dialer.client.dial(target.network.peerId, relay.network.peerId).catch((e) => e)
    expect(err.code).toBe('ERR_PEER_ID_MISMATCH')
    expect(dialer.network.getPeer(target.network.peerId)).toBeUndefined()
    expect(dialer.network.getPeer(impostor.peerId)).toBeUndefined()
  })

  it('a circuit over its byte limit is closed and counted', async () => {
    const metrics = new MemoryMetrics()
    const { relay, target, dialer } = await circuitSetup({ circuitBytes: 30_000 }, metrics)
    await dialer.client.dial(target.network.peerId, relay.network.peerId)
    await waitFor(() => target.network.getPeer(dialer.network.peerId) !== undefined)
    const got = received(target.network)
    await dialer.network.send(target.network.peerId, inv(0x22, 2_000))
    await waitFor(() => dialer.network.getPeer(target.network.peerId) === undefined)
    expect(got).toEqual([])
    expect(metrics.get('relay_circuits_closed_total', { reason: 'byte_limit' })).toBe(1)
    expect(relay.server.circuitCount()).toBe(0)
  })

  it('refuses circuits to peers without a reservation, and reservation floods beyond the limits', async () => {
    const metrics = new MemoryMetrics()
    const relay = await relayNode({ maxReservations: 2 }, metrics)
    const nodes = await Promise.all([clientNode(), clientNode(), clientNode()])
    for (const n of nodes) await n.network.dial(relay.network.listenAddresses()[0] as string)
    // Not reserved yet: no circuit.
    const noRes = await nodes[0]?.client
      .dial(nodes[1]?.network.peerId as never, relay.network.peerId)
      .catch((e) => e)
    expect(NatError.isInstance(noRes) && noRes.details.status).toBe('no_reservation')
    await nodes[0]?.client.reserve(relay.network.peerId)
    await nodes[1]?.client.reserve(relay.network.peerId)
    // A refresh is not a new reservation; a third peer is refused.
    for (let i = 0; i < 20; i++) await nodes[0]?.client.reserve(relay.network.peerId)
    const flood = await nodes[2]?.client.reserve(relay.network.peerId).catch((e) => e)
    expect(NatError.isInstance(flood) && flood.details.status).toBe('reservation_refused')
    expect(relay.server.reservationCount()).toBe(2)
    expect(metrics.get('relay_server_refused_total', { status: 'reservation_refused' })).toBe(1)
  })

  it('limits circuits per peer and drops a reservation when its holder disconnects', async () => {
    const { relay, target, dialer } = await circuitSetup({ maxCircuitsPerPeer: 1 })
    await dialer.client.dial(target.network.peerId, relay.network.peerId)
    const third = await clientNode()
    await third.network.dial(relay.network.listenAddresses()[0] as string)
    const err = await third.client.dial(target.network.peerId, relay.network.peerId).catch((e) => e)
    expect(NatError.isInstance(err) && err.details.status).toBe('resource_limit')
    await target.network.disconnect(relay.network.peerId)
    await waitFor(() => relay.server.reservationCount() === 0)
    expect(target.client.reservations()).toEqual([])
  })

  it('a target refuses circuits from peers that are not its relays', async () => {
    const target = await clientNode()
    const stranger = await tcpNode()
    await stranger.dial(target.network.listenAddresses()[0] as string)
    const answer = await stranger.request(target.network.peerId, {
      type: 'relay_connect',
      data: { target: stranger.peerId, circuit: new Uint8Array(16) },
    })
    expect(answer).toMatchObject({ type: 'relay_status', data: { status: 'permission_denied' } })
  })
})

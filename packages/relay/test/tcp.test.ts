/**
 * Relays on real TCP sockets over loopback (port 0), the system clock, Noise and all: a block published on
 * one end of a line of three nodes reaches the other end through the gossip mesh, and a direct message is
 * relayed through the middle node.
 */
import { systemClock } from '@chainwire/interface'
import { createIdentity, createNetwork, createTcpTransport, type Network } from '@chainwire/network'
import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, type Relay, type RelayedMessage } from '../src/index'
import { blockMessage } from './helpers/messages'

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s()
})

async function node(): Promise<{ network: Network; relay: Relay; got: RelayedMessage[] }> {
  const network = createNetwork(
    { identity: createIdentity(), transports: [createTcpTransport()] },
    { networkId: 'chainwire-relay-tcp', listen: ['tcp://127.0.0.1:0'] },
  )
  await network.start()
  const relay = createRelay(
    { network, clock: systemClock },
    { relayMode: 'gossip', gossip: { heartbeatIntervalMs: 50, D: 2, Dlo: 1, Dhi: 4, Dout: 0, Dscore: 1 } },
  )
  relay.start()
  const got: RelayedMessage[] = []
  relay.on('message', (m) => got.push(m))
  stops.push(async () => {
    relay.stop()
    await network.stop()
  })
  return { network, relay, got }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('relay over TCP', () => {
  it('a block crosses a line of three nodes through the mesh; a direct message through the middle node', async () => {
    const [a, b, c] = [await node(), await node(), await node()]
    await a.network.dial(b.network.listenAddresses()[0] as string)
    await c.network.dial(b.network.listenAddresses()[0] as string)
    await until(() => a.relay.mesh('blocks').length === 1 && c.relay.mesh('blocks').length === 1)
    a.relay.publish('blocks', blockMessage(1, 200_000, Date.now()))
    await until(() => c.got.length === 1)
    expect(c.got[0]?.message?.type).toBe('new_block')
    expect(b.got).toHaveLength(1)
    const direct: string[] = []
    c.relay.on('direct', (m) => direct.push(Buffer.from(m.payload).toString()))
    expect(a.relay.sendDirect(c.network.peerId, new Uint8Array(Buffer.from('over tcp'))).status).toBe(
      'forwarded',
    )
    await until(() => direct.length === 1)
    expect(direct).toEqual(['over tcp'])
  })
})

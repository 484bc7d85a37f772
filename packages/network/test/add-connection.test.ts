import { connect, createServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, createNetwork, type Network, type RawConnection } from '../src/index'
import { NETWORK_ID, stopAll, track } from './helpers'

afterEach(stopAll)

async function node(): Promise<Network> {
  const n = track(createNetwork({ identity: createIdentity() }, { networkId: NETWORK_ID }))
  await n.start()
  return n
}

function rawOf(socket: Socket, direction: 'inbound' | 'outbound'): RawConnection {
  return {
    stream: socket,
    remoteAddress: `tcp://${socket.remoteAddress}:${socket.remotePort}`,
    localAddress: `tcp://${socket.localAddress}:${socket.localPort}`,
    remoteHost: socket.remoteAddress as string,
    direction,
    close: (err) => socket.destroy(err),
  }
}

/** A connected pair of loopback sockets that neither network opened. */
async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const accepted = new Promise<Socket>((r) => server.once('connection', r))
  const dialed = connect(port, '127.0.0.1')
  await new Promise<void>((r) => dialed.once('connect', r))
  const other = await accepted
  server.close()
  return [dialed, other]
}

describe('addConnection', () => {
  it('runs Noise and hello over sockets opened elsewhere, one side initiating', async () => {
    const a = await node()
    const b = await node()
    const [out, inn] = await socketPair()
    const [pa, pb] = await Promise.all([
      a.addConnection(rawOf(out, 'outbound'), { peerId: b.peerId }),
      b.addConnection(rawOf(inn, 'inbound')),
    ])
    expect(pa.peerId).toBe(b.peerId)
    expect(pb.peerId).toBe(a.peerId)
    expect(pa.direction).toBe('outbound')
    expect(pb.direction).toBe('inbound')
    expect(await a.ping(b.peerId)).toBeGreaterThanOrEqual(0)
  })

  it('fails and closes the connection when the expected peer id is wrong', async () => {
    const a = await node()
    const b = await node()
    const c = await node()
    const [out, inn] = await socketPair()
    const dialed = a.addConnection(rawOf(out, 'outbound'), { peerId: c.peerId })
    const accepted = b.addConnection(rawOf(inn, 'inbound'))
    await expect(dialed).rejects.toMatchObject({ code: 'ERR_PEER_ID_MISMATCH' })
    await expect(accepted).rejects.toBeDefined()
    expect(out.destroyed).toBe(true)
    expect(a.peers()).toHaveLength(0)
  })

  it('refuses when the network is not started', async () => {
    const a = track(createNetwork({ identity: createIdentity() }, { networkId: NETWORK_ID }))
    const [out, inn] = await socketPair()
    await expect(a.addConnection(rawOf(out, 'outbound'))).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' })
    expect(out.destroyed).toBe(true)
    inn.destroy()
  })
})

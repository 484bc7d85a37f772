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

  it('replace: the new connection takes over from the open one once its handshake is done, on both ends', async () => {
    const a = await node()
    const b = await node()
    const connect2 = async (replace: boolean) => {
      const [out, inn] = await socketPair()
      return Promise.all([
        a.addConnection(rawOf(out, 'outbound'), { peerId: b.peerId, replace }),
        b.addConnection(rawOf(inn, 'inbound'), { replace }),
      ])
    }
    const [first, firstB] = await connect2(false)
    const lost: string[] = []
    a.on('peer:disconnected', () => lost.push('a'))
    b.on('peer:disconnected', () => lost.push('b'))
    // whichever peer id is lower, a replacing connection is kept by both ends (no duplicate resolution)
    const [second, secondB] = await connect2(true)
    expect(second.remoteAddress).not.toBe(first.remoteAddress)
    expect(a.getPeer(b.peerId)?.remoteAddress).toBe(second.remoteAddress)
    expect(b.getPeer(a.peerId)?.remoteAddress).toBe(secondB.remoteAddress)
    expect(secondB.remoteAddress).not.toBe(firstB.remoteAddress)
    expect(lost).toEqual([])
    expect(await a.ping(b.peerId)).toBeGreaterThanOrEqual(0)
    // one open peer each, counted once
    const open = (n: Network) => Object.values(n.getNetworkStatus().connections).reduce((x, y) => x + y, 0)
    expect(open(a)).toBe(1)
    expect(open(b)).toBe(1)
  })

  it('replace: a new connection that fails its handshake leaves the open one as it was', async () => {
    const a = await node()
    const b = await node()
    const [out, inn] = await socketPair()
    const [first] = await Promise.all([
      a.addConnection(rawOf(out, 'outbound'), { peerId: b.peerId }),
      b.addConnection(rawOf(inn, 'inbound')),
    ])
    const [out2, inn2] = await socketPair()
    inn2.on('error', () => {})
    const failing = a.addConnection(rawOf(out2, 'outbound'), { peerId: b.peerId, replace: true })
    inn2.end(Buffer.alloc(64, 0xee))
    await expect(failing).rejects.toThrow()
    expect(a.getPeer(b.peerId)?.remoteAddress).toBe(first.remoteAddress)
    expect(await a.ping(b.peerId)).toBeGreaterThanOrEqual(0)
  })

  it('refuses when the network is not started', async () => {
    const a = track(createNetwork({ identity: createIdentity() }, { networkId: NETWORK_ID }))
    const [out, inn] = await socketPair()
    await expect(a.addConnection(rawOf(out, 'outbound'))).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' })
    expect(out.destroyed).toBe(true)
    inn.destroy()
  })
})

import { createSocket, type Socket } from 'node:dgram'
import { ManualClock } from '@chainwire/interface/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { NatError } from '../../src/errors'
import { PortMapper } from '../../src/mapping/port-mapper'

const sockets: Socket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})

/**
 * A loopback gateway answering PCP MAP requests: `answer` decides each reply (lifetime, result, or a
 * forged nonce), and every request is recorded.
 */
async function fakeGateway(
  answer: (req: Buffer) => { lifetime: number; result?: number; forgeNonce?: boolean } | undefined,
) {
  const socket = createSocket('udp4')
  sockets.push(socket)
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  const requests: { lifetime: number; internal: number; suggested: number }[] = []
  socket.on('message', (req, rinfo) => {
    if (req[0] !== 2) return
    requests.push({
      lifetime: req.readUInt32BE(4),
      internal: req.readUInt16BE(40),
      suggested: req.readUInt16BE(42),
    })
    const a = answer(req)
    if (a === undefined) return
    const out = Buffer.alloc(60)
    out[0] = 2
    out[1] = 0x81
    out[3] = a.result ?? 0
    out.writeUInt32BE(a.lifetime, 4)
    req.copy(out, 24, 24, 40)
    if (a.forgeNonce === true) out[24] = (out[24] as number) ^ 0xff
    out.writeUInt16BE(req.readUInt16BE(40), 40)
    out.writeUInt16BE(req.readUInt16BE(42) || 40_000, 42)
    out[54] = 0xff
    out[55] = 0xff
    Buffer.from([203, 0, 113, 7]).copy(out, 56)
    socket.send(out, rinfo.port, rinfo.address)
  })
  return { port: socket.address().port, requests }
}

describe('PortMapper (PCP) against a loopback gateway', () => {
  it('maps, learns the external address, renews at half the granted lifetime, and deletes on stop', async () => {
    const gw = await fakeGateway((req) => ({ lifetime: req.readUInt32BE(4) === 0 ? 0 : 120 }))
    const clock = new ManualClock()
    const mapper = new PortMapper(
      { clock },
      { gateway: '127.0.0.1', gatewayPort: gw.port, protocols: ['pcp'] },
    )
    const renewed = new Promise((r) => mapper.once('mapping:renewed', r))
    const mapping = await mapper.map('tcp', 9333)
    expect(mapping).toMatchObject({
      protocol: 'tcp',
      internalPort: 9333,
      externalPort: 9333,
      externalIp: '203.0.113.7',
      via: 'pcp',
    })
    expect(gw.requests).toEqual([{ lifetime: 7_200, internal: 9333, suggested: 9333 }])
    clock.advance(59_000)
    expect(gw.requests).toHaveLength(1)
    clock.advance(1_000)
    await renewed
    expect(gw.requests).toHaveLength(2)
    await mapper.stop()
    expect(gw.requests.at(-1)).toMatchObject({ lifetime: 0, internal: 9333 })
    expect(mapper.list()).toEqual([])
  })

  it('ignores a reply with a forged nonce and fails on a refusal with its result code', async () => {
    const forged = await fakeGateway(() => ({ lifetime: 120, forgeNonce: true }))
    const m1 = new PortMapper(
      {},
      { gateway: '127.0.0.1', gatewayPort: forged.port, protocols: ['pcp'], rtoMs: 20, maxRequests: 2 },
    )
    const e1 = await m1.map('tcp', 9333).catch((e) => e)
    expect(NatError.isInstance(e1) && e1.details.reason).toBe('timeout')
    expect(forged.requests).toHaveLength(2)
    await m1.stop()
    const refusing = await fakeGateway(() => ({ lifetime: 0, result: 2 }))
    const m2 = new PortMapper({}, { gateway: '127.0.0.1', gatewayPort: refusing.port, protocols: ['pcp'] })
    const e2 = await m2.map('tcp', 9333).catch((e) => e)
    expect(NatError.isInstance(e2) && e2.code).toBe('ERR_PORT_MAPPING_FAILED')
    expect(e2.details.reason).toBe('NOT_AUTHORIZED')
    await m2.stop()
  })
})

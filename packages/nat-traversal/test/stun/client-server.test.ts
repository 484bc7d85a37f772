import { createSocket } from 'node:dgram'
import { MemoryMetrics } from '@chainwire/interface/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { NatError } from '../../src/errors'
import { xorAddressAttribute } from '../../src/stun/attributes'
import { bindUdp, StunClient } from '../../src/stun/client'
import { decodeStun, encodeStun, newTransactionId, StunAttr, StunMethod } from '../../src/stun/message'
import { classifyNat } from '../../src/stun/nat-type'
import { StunServer } from '../../src/stun/server'

const servers: StunServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

async function server(options: ConstructorParameters<typeof StunServer>[1] = {}, metrics?: MemoryMetrics) {
  const s = new StunServer({ metrics }, { host: '127.0.0.1', port: 0, ...options })
  servers.push(s)
  await s.start()
  return s
}

describe('STUN client and server on loopback', () => {
  it('a UDP Binding returns the source address the server saw', async () => {
    const s = await server()
    const socket = await bindUdp(0, '127.0.0.1')
    const r = await new StunClient().bindingUdp(s.address(), { socket })
    expect(r.mapped).toEqual({ family: 'ipv4', host: '127.0.0.1', port: socket.address().port })
    socket.close()
  })

  it('a TCP Binding from a chosen port returns that port, and keepOpen hands the socket over', async () => {
    const s = await server({ alternateHost: '127.0.0.2' })
    const client = new StunClient()
    const first = await client.bindingTcp(s.address(), { keepOpen: true })
    expect(first.mapped.port).toBe(first.local.port)
    expect(first.socket?.destroyed).toBe(false)
    // A second connection from the same port to another destination while the first is open.
    const second = await client.bindingTcp(s.alternateAddress() as { host: string; port: number }, {
      localPort: first.local.port,
    })
    expect(second.mapped.port).toBe(first.local.port)
    first.socket?.destroy()
  })

  it('classifies "no NAT" against a server with a second IP and port', async () => {
    const s = await server({ alternateHost: '127.0.0.2' })
    expect(s.alternateAddress()?.port).not.toBe(s.address().port)
    const c = await classifyNat(new StunClient(), s.address(), { probeTimeoutMs: 500 })
    expect(c.mapping).toBe('none')
    expect(c.filtering).toBe('endpoint-independent')
    expect(c.tcpMapping).toBe('none')
  })

  it('ignores a response with the wrong transaction id and times out', async () => {
    const fake = createSocket('udp4')
    await new Promise<void>((r) => fake.bind(0, '127.0.0.1', r))
    fake.on('message', (data, rinfo) => {
      const req = decodeStun(new Uint8Array(data))
      const wrong = newTransactionId()
      fake.send(
        encodeStun({
          method: StunMethod.binding,
          cls: 'success',
          transactionId: wrong,
          attributes: [
            xorAddressAttribute(StunAttr.xorMappedAddress, { host: '203.0.113.9', port: 1 }, wrong),
          ],
        }),
        rinfo.port,
        rinfo.address,
      )
      // And garbage, and a request carrying the right id: neither may end the transaction.
      fake.send(Buffer.from('not stun at all, not at all'), rinfo.port, rinfo.address)
      fake.send(
        encodeStun({ method: 1, cls: 'request', transactionId: req.transactionId, attributes: [] }),
        rinfo.port,
        rinfo.address,
      )
    })
    const client = new StunClient({}, { rtoMs: 20, maxRequests: 2, timeoutMs: 300 })
    const err = await client.bindingUdp({ host: '127.0.0.1', port: fake.address().port }).catch((e) => e)
    expect(NatError.isInstance(err) && err.code).toBe('ERR_STUN_TIMEOUT')
    fake.close()
  })

  it('the server drops malformed input and floods, answers unknown methods with 400, and counts', async () => {
    const metrics = new MemoryMetrics()
    const s = await server({ burstPerIp: 5, ratePerIp: 0 }, metrics)
    const socket = await bindUdp(0, '127.0.0.1')
    const replies: Buffer[] = []
    socket.on('message', (d) => replies.push(d))
    socket.send(Buffer.alloc(30, 7), s.address().port, '127.0.0.1')
    socket.send(
      encodeStun({
        method: StunMethod.allocate,
        cls: 'request',
        transactionId: newTransactionId(),
        attributes: [],
      }),
      s.address().port,
      '127.0.0.1',
    )
    await new Promise((r) => setTimeout(r, 100))
    expect(replies).toHaveLength(1)
    expect(decodeStun(new Uint8Array(replies[0] as Buffer)).cls).toBe('error')
    // The burst of 5 is spent by the two above and three more; the rest are dropped.
    const client = new StunClient({}, { rtoMs: 50, maxRequests: 1, timeoutMs: 200 })
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => client.bindingUdp(s.address(), { socket })),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3)
    expect(metrics.get('stun_server_dropped_total', { reason: 'malformed' })).toBe(1)
    expect(metrics.get('stun_server_dropped_total', { reason: 'rate_limited' })).toBe(3)
    socket.close()
  })

  it('the server closes a TCP connection that sends non-STUN bytes', async () => {
    const s = await server()
    const { connect } = await import('node:net')
    const c = connect(s.address().port, '127.0.0.1')
    await new Promise((r) => c.once('connect', r))
    c.write(Buffer.alloc(40, 0xff))
    await new Promise((r) => c.once('close', r))
    expect(c.destroyed).toBe(true)
  })
})

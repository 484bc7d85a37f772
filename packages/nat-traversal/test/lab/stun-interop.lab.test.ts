import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindUdp, StunClient } from '../../src/stun/client'
import { StunServer } from '../../src/stun/server'
import { assertCoturn, Coturn } from './coturn'

/** Interop with a real STUN implementation: Debian's coturn, both ways. */
describe('STUN interop with coturn', () => {
  let coturn: Coturn
  beforeAll(async () => {
    coturn = await Coturn.start()
  }, 30_000)
  afterAll(async () => {
    await coturn?.stop()
  })

  it("our client gets its mapped address from coturn's STUN server over UDP and TCP", async () => {
    const client = new StunClient()
    const socket = await bindUdp(0, '127.0.0.1')
    const udp = await client.bindingUdp({ host: '127.0.0.1', port: coturn.port }, { socket })
    expect(udp.mapped).toEqual({ family: 'ipv4', host: '127.0.0.1', port: socket.address().port })
    socket.close()
    const tcp = await client.bindingTcp({ host: '127.0.0.1', port: coturn.port })
    expect(tcp.mapped.host).toBe('127.0.0.1')
    expect(tcp.mapped.port).toBe(tcp.local.port)
  })

  it("coturn's turnutils_stunclient gets its reflexive address from our server, RFC 5780 tests included", async () => {
    assertCoturn()
    const server = new StunServer({}, { host: '127.0.0.1', port: 0, alternateHost: '127.0.0.2' })
    await server.start()
    try {
      const { stdout: out } = await promisify(execFile)(
        'turnutils_stunclient',
        ['-p', String(server.address().port), '127.0.0.1'],
        { timeout: 10_000 },
      )
      expect(out).toMatch(/UDP reflexive addr: 127\.0\.0\.1:\d+/)
      expect(out).toContain(`Other addr: : 127.0.0.2:${server.alternateAddress()?.port}`)
      // Its change-request tests: answers from our other IP and port came back.
      expect(out).toContain(`Response origin: : 127.0.0.2:${server.alternateAddress()?.port}`)
      expect(out).not.toContain('error')
    } finally {
      await server.stop()
    }
  })
})

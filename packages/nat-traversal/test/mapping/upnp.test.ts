import { createSocket, type Socket } from 'node:dgram'
import { createServer, type Server, type ServerResponse } from 'node:http'
import { parseIp } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { NatError } from '../../src/errors'
import { PortMapper } from '../../src/mapping/port-mapper'
import { soapEnvelope, ssdpLocation, UpnpGateway } from '../../src/mapping/upnp'

const SERVICE = 'urn:schemas-upnp-org:service:WANIPConnection:1'
const closers: (() => void)[] = []
afterEach(() => {
  for (const c of closers.splice(0)) c()
})

const description = (control = '/ctl') =>
  `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><deviceList><device><deviceList><device><serviceList><service><serviceType>${SERVICE}</serviceType><controlURL>${control}</controlURL></service></serviceList></device></deviceList></device></deviceList></device></root>`

const soapOk = (action: string, inner = '') =>
  `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:${action}Response xmlns:u="${SERVICE}">${inner}</u:${action}Response></s:Body></s:Envelope>`

const soapError = (code: number) =>
  `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>refused</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>`

interface Call {
  action: string
  body: string
}

/** A loopback IGD: the description at /desc.xml, SOAP at /ctl; `handle` may answer a request itself. */
async function fakeIgd(handle?: (path: string, call: Call, res: ServerResponse) => boolean) {
  const calls: Call[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => {
      const action = /#(\w+)"$/.exec(String(req.headers.soapaction ?? ''))?.[1] ?? ''
      const call = { action, body }
      if (req.method === 'POST') calls.push(call)
      if (handle?.(req.url ?? '', call, res) === true) return
      if (req.url === '/desc.xml') return void res.end(description())
      if (action === 'GetExternalIPAddress')
        return void res.end(soapOk(action, '<NewExternalIPAddress>203.0.113.9</NewExternalIPAddress>'))
      res.end(soapOk(action))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => server.close())
  const port = (server.address() as { port: number }).port
  return { calls, location: `http://127.0.0.1:${port}/desc.xml`, port }
}

/** A loopback SSDP responder answering every M-SEARCH with `answer`. */
async function fakeSsdp(answer: (from: { address: string; port: number }) => string | Buffer) {
  const socket: Socket = createSocket('udp4')
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  closers.push(() => socket.close())
  let searches = 0
  socket.on('message', (msg, rinfo) => {
    if (!msg.toString().startsWith('M-SEARCH')) return
    searches++
    socket.send(answer(rinfo), rinfo.port, rinfo.address)
  })
  return { port: socket.address().port, searches: () => searches }
}

const ssdpAnswer = (location: string) =>
  `HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nLOCATION: ${location}\r\nUSN: uuid:x\r\n\r\n`

const reasonOf = (err: unknown) => (err as NatError).details?.reason

describe('UPnP IGD client against a loopback gateway', () => {
  it('finds the gateway by SSDP, reads the description and maps, renews at half the lease, deletes on stop', async () => {
    const igd = await fakeIgd()
    const ssdp = await fakeSsdp(() => ssdpAnswer(igd.location))
    const clock = new ManualClock()
    const mapper = new PortMapper(
      { clock },
      { protocols: ['upnp'], lifetimeSeconds: 600, upnp: { ssdpAddress: '127.0.0.1', ssdpPort: ssdp.port } },
    )
    const mapping = await mapper.map('tcp', 7000)
    expect(mapping).toMatchObject({
      protocol: 'tcp',
      internalPort: 7000,
      externalPort: 7000,
      externalIp: '203.0.113.9',
      via: 'upnp',
      expiresAt: clock.now() + 600_000,
    })
    expect(ssdp.searches()).toBeGreaterThan(0)
    const add = igd.calls.find((c) => c.action === 'AddPortMapping') as Call
    expect(add.body).toContain('<NewExternalPort>7000</NewExternalPort>')
    expect(add.body).toContain('<NewProtocol>TCP</NewProtocol>')
    expect(add.body).toContain('<NewInternalClient>127.0.0.1</NewInternalClient>')
    expect(add.body).toContain('<NewLeaseDuration>600</NewLeaseDuration>')
    // renewal at half the lease: another AddPortMapping
    clock.advance(300_000)
    await expect.poll(() => igd.calls.filter((c) => c.action === 'AddPortMapping').length).toBe(2)
    await mapper.stop()
    const del = igd.calls.at(-1) as Call
    expect(del.action).toBe('DeletePortMapping')
    expect(del.body).toContain('<NewExternalPort>7000</NewExternalPort>')
    expect(mapper.list()).toEqual([])
  })

  it('falls back to a permanent lease on 725 (nothing to renew) and to another port on 718', async () => {
    let adds = 0
    const igd = await fakeIgd((_path, call, res) => {
      if (call.action !== 'AddPortMapping') return false
      adds++
      res.statusCode = 500
      if (adds === 1) res.end(soapError(725))
      else if (adds === 2) res.end(soapError(718))
      else {
        res.statusCode = 200
        res.end(soapOk('AddPortMapping'))
      }
      return true
    })
    const clock = new ManualClock()
    const mapper = new PortMapper({ clock }, { protocols: ['upnp'], upnp: { location: igd.location } })
    const mapping = await mapper.map('tcp', 7000)
    expect(mapping.expiresAt).toBe(Number.POSITIVE_INFINITY)
    expect(mapping.externalPort).not.toBe(7000)
    const leases = igd.calls.map((c) => /<NewLeaseDuration>(\d+)</.exec(c.body)?.[1]).filter(Boolean)
    expect(leases).toEqual(['7200', '0', '0'])
    expect(clock.pending()).toBe(0)
    await mapper.stop()
  })

  it('reports the gateway’s UPnP error code', async () => {
    const igd = await fakeIgd((_p, call, res) => {
      if (call.action !== 'AddPortMapping') return false
      res.statusCode = 500
      res.end(soapError(606))
      return true
    })
    const gw = new UpnpGateway({}, { location: igd.location })
    const err = await gw
      .addPortMapping({
        protocol: 'udp',
        externalPort: 1,
        internalPort: 1,
        leaseSeconds: 60,
        description: 'x',
      })
      .catch((e) => e)
    expect(err).toMatchObject({
      code: 'ERR_PORT_MAPPING_FAILED',
      details: { reason: 'upnp_error', upnpCode: 606 },
    })
  })
})

describe('UPnP bad input', () => {
  it('malformed XML, a DOCTYPE (entity expansion), no service, a control URL on another host: typed errors', async () => {
    const cases: [string, string][] = [
      ['<root><device>', 'malformed'],
      [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><root>&b;</root>',
        'malformed',
      ],
      ['<root><device><serviceList/></device></root>', 'no_service'],
      [description('ftp://127.0.0.1/ctl'), 'malformed'],
    ]
    for (const [body, reason] of cases) {
      const igd = await fakeIgd((path, _c, res) => {
        if (path !== '/desc.xml') return false
        res.end(body)
        return true
      })
      const err = await new UpnpGateway({}, { location: igd.location }).discover().catch((e) => e)
      expect(NatError.isInstance(err)).toBe(true)
      expect(reasonOf(err)).toBe(reason)
    }
    // found by SSDP, the control URL must stay on the gateway that answered
    const igd = await fakeIgd((path, _c, res) => {
      if (path !== '/desc.xml') return false
      res.end(description('http://198.51.100.7/ctl'))
      return true
    })
    const ssdp = await fakeSsdp(() => ssdpAnswer(igd.location))
    const err = await new UpnpGateway({}, { ssdpAddress: '127.0.0.1', ssdpPort: ssdp.port })
      .discover()
      .catch((e) => e)
    expect(reasonOf(err)).toBe('malformed')
  })

  it('a huge response is cut at the limit, declared or streamed', async () => {
    let streamed = 0
    const igd = await fakeIgd((path, _c, res) => {
      if (path === '/declared.xml') {
        res.writeHead(200, { 'content-length': 50_000_000 })
        res.write('<root>')
        return true
      }
      if (path === '/desc.xml') {
        res.writeHead(200)
        const chunk = Buffer.alloc(16_384, 'a')
        const pump = (): void => {
          while (streamed < 50_000_000 && !res.destroyed) {
            streamed += chunk.length
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
        }
        res.on('close', () => {})
        pump()
        return true
      }
      return false
    })
    const declared = await new UpnpGateway({}, { location: igd.location.replace('desc', 'declared') })
      .discover()
      .catch((e) => e)
    expect(reasonOf(declared)).toBe('too_large')
    const chunked = await new UpnpGateway({}, { location: igd.location, maxResponseBytes: 65_536 })
      .discover()
      .catch((e) => e)
    expect(reasonOf(chunked)).toBe('too_large')
    // the client hung up long before the 50 MB were sent
    expect(streamed).toBeLessThan(10_000_000)
  })

  it('SSDP answers pointing elsewhere, too long or not from a gateway are ignored: the search times out', async () => {
    const answers = [
      ssdpAnswer('http://198.51.100.7:80/desc.xml'),
      Buffer.concat([Buffer.from(ssdpAnswer('http://127.0.0.1:1/desc.xml')), Buffer.alloc(4_000, 32)]),
      'HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:MediaServer:1\r\nLOCATION: http://127.0.0.1:1/d\r\n\r\n',
      'garbage',
    ]
    let k = 0
    const ssdp = await fakeSsdp(() => answers[k++ % answers.length] as string | Buffer)
    const err = await new UpnpGateway(
      {},
      { ssdpAddress: '127.0.0.1', ssdpPort: ssdp.port, searchTimeoutMs: 300 },
    )
      .discover()
      .catch((e) => e)
    expect(reasonOf(err)).toBe('no_gateway')
    expect(ssdp.searches()).toBe(3)
  })

  it('fuzzed SSDP text and SOAP bodies give a location, undefined or a typed error, never anything else', async () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (text) => {
        const r = ssdpLocation(`HTTP/1.1 200 OK\r\nST: InternetGatewayDevice\r\n${text}`)
        return r === undefined || typeof r === 'string'
      }),
    )
    const bodies: string[] = []
    const igd = await fakeIgd((_p, call, res) => {
      if (call.action !== 'GetExternalIPAddress') return false
      res.end(bodies.shift() ?? '')
      return true
    })
    const gw = new UpnpGateway({}, { location: igd.location })
    await gw.discover()
    const valid = soapOk('GetExternalIPAddress', '<NewExternalIPAddress>203.0.113.9</NewExternalIPAddress>')
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc
            .tuple(fc.nat(valid.length), fc.string({ maxLength: 20 }))
            .map(([i, s]) => valid.slice(0, i) + s + valid.slice(i)),
        ),
        async (body) => {
          bodies.push(body)
          try {
            // a mutation may name another valid IP (203.0.113.91): any answer is an IP address
            return parseIp(await gw.externalIp()) !== undefined
          } catch (err) {
            return NatError.isInstance(err) && (err as NatError).code === 'ERR_PORT_MAPPING_FAILED'
          }
        },
      ),
      { numRuns: 150 },
    )
    // and our own envelopes escape what they carry
    expect(soapEnvelope(SERVICE, 'X', { A: '<&>' })).toContain('<A>&lt;&amp;&gt;</A>')
  })
})

import { execFileSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { createServer, type Server } from 'node:http'

/**
 * The lab's home-router gateway: answers NAT-PMP (RFC 6886) and PCP (RFC 6887) MAP requests and UPnP IGD
 * (SSDP M-SEARCH on 239.255.255.250:1900, the device description and the WANIPConnection:1 SOAP actions over
 * HTTP) on the LAN side, and installs a real iptables DNAT rule on the router for each granted mapping
 * (removed when the lifetime is 0, on DeletePortMapping, or when the responder stops). Written from the RFCs
 * and the UPnP IGD specification, independently of the package's clients, so the two check each other.
 * (Debian's miniupnpd refuses to map when its external address is a documentation range.)
 */
export class MappingResponder {
  private socket: Socket | undefined
  private ssdp: Socket | undefined
  private http: Server | undefined
  private readonly rules = new Map<string, string[]>()
  readonly requests: { protocol: 'pcp' | 'nat-pmp' | 'upnp'; lifetime: number }[] = []
  /** SSDP searches answered. */
  searches = 0

  constructor(
    private readonly lanIp: string,
    private readonly wanIp: string,
    private readonly wanIf: string,
  ) {}

  async start(): Promise<void> {
    const socket = createSocket('udp4')
    await new Promise<void>((r) => socket.bind(5351, this.lanIp, r))
    socket.on('message', (msg, rinfo) => {
      const reply =
        msg[0] === 0
          ? this.natPmp(msg, rinfo.address)
          : msg[0] === 2
            ? this.pcp(msg, rinfo.address)
            : undefined
      if (reply !== undefined) socket.send(reply, rinfo.port, rinfo.address)
    })
    this.socket = socket
    await this.startUpnp()
  }

  stop(): void {
    this.socket?.close()
    this.ssdp?.close()
    this.http?.close()
    for (const key of [...this.rules.keys()]) this.remove(key)
  }

  private epoch(): number {
    return Math.floor(process.uptime())
  }

  private natPmp(msg: Buffer, client: string): Buffer | undefined {
    const op = msg[1] as number
    if (op === 0) {
      const out = Buffer.alloc(12)
      out[1] = 128
      out.writeUInt32BE(this.epoch(), 4)
      Buffer.from(this.wanIp.split('.').map(Number)).copy(out, 8)
      return out
    }
    if ((op !== 1 && op !== 2) || msg.length < 12) return undefined
    const internal = msg.readUInt16BE(4)
    const suggested = msg.readUInt16BE(6)
    const lifetime = msg.readUInt32BE(8)
    this.requests.push({ protocol: 'nat-pmp', lifetime })
    const proto = op === 1 ? 'udp' : 'tcp'
    const external = this.apply(proto, client, internal, suggested || internal, lifetime)
    const out = Buffer.alloc(16)
    out[1] = 128 + op
    out.writeUInt32BE(this.epoch(), 4)
    out.writeUInt16BE(internal, 8)
    out.writeUInt16BE(lifetime === 0 ? 0 : external, 10)
    out.writeUInt32BE(lifetime, 12)
    return out
  }

  private pcp(msg: Buffer, client: string): Buffer | undefined {
    if (msg.length < 60 || (msg[1] as number) !== 1) return undefined
    const lifetime = msg.readUInt32BE(4)
    this.requests.push({ protocol: 'pcp', lifetime })
    const proto = msg[36] === 17 ? 'udp' : 'tcp'
    const internal = msg.readUInt16BE(40)
    const suggested = msg.readUInt16BE(42)
    const external = this.apply(proto, client, internal, suggested || internal, lifetime)
    const out = Buffer.alloc(60)
    out[0] = 2
    out[1] = 0x81
    out.writeUInt32BE(lifetime, 4)
    out.writeUInt32BE(this.epoch(), 8)
    msg.copy(out, 24, 24, 40) // nonce, protocol, reserved
    out.writeUInt16BE(internal, 40)
    out.writeUInt16BE(external, 42)
    out[54] = 0xff
    out[55] = 0xff
    Buffer.from(this.wanIp.split('.').map(Number)).copy(out, 56)
    return out
  }

  /** SSDP on the LAN (multicast group joined on the LAN address) and the IGD's HTTP server. */
  private async startUpnp(): Promise<void> {
    const http = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c.toString()
      })
      req.on('end', () => {
        if (req.method === 'GET' && req.url === '/rootDesc.xml') {
          res.writeHead(200, { 'content-type': 'text/xml' })
          res.end(DESCRIPTION)
          return
        }
        if (req.method !== 'POST' || req.url !== '/ctl/IPConn') {
          res.writeHead(404)
          res.end()
          return
        }
        const action = /#(\w+)"?$/.exec(String(req.headers.soapaction ?? ''))?.[1] ?? ''
        const field = (name: string): string => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1] ?? ''
        const client = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? ''
        let out = ''
        if (action === 'GetExternalIPAddress')
          out = `<NewExternalIPAddress>${this.wanIp}</NewExternalIPAddress>`
        else if (action === 'AddPortMapping') {
          const lease = Number(field('NewLeaseDuration'))
          this.requests.push({ protocol: 'upnp', lifetime: lease })
          const proto = field('NewProtocol').toLowerCase()
          this.apply(
            proto,
            field('NewInternalClient') || client,
            Number(field('NewInternalPort')),
            Number(field('NewExternalPort')),
            lease === 0 ? 1 : lease,
          )
        } else if (action === 'DeletePortMapping') {
          this.requests.push({ protocol: 'upnp', lifetime: 0 })
          const proto = field('NewProtocol').toLowerCase()
          const external = field('NewExternalPort')
          for (const [key, rule] of [...this.rules]) {
            if (key.startsWith(`${proto}:`) && rule[6] === external) this.remove(key)
          }
        } else {
          res.writeHead(500, { 'content-type': 'text/xml' })
          res.end(
            soap(
              '<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>401</errorCode><errorDescription>Invalid Action</errorDescription></UPnPError></detail></s:Fault>',
            ),
          )
          return
        }
        res.writeHead(200, { 'content-type': 'text/xml; charset="utf-8"' })
        res.end(soap(`<u:${action}Response xmlns:u="${SERVICE}">${out}</u:${action}Response>`))
      })
    })
    await new Promise<void>((r) => http.listen(49_000, this.lanIp, r))
    this.http = http
    const ssdp = createSocket({ type: 'udp4', reuseAddr: true })
    await new Promise<void>((r) => ssdp.bind(1900, '0.0.0.0', r))
    ssdp.addMembership('239.255.255.250', this.lanIp)
    ssdp.on('message', (msg, rinfo) => {
      const text = msg.toString()
      if (
        !text.startsWith('M-SEARCH') ||
        !/ST:\s*urn:schemas-upnp-org:device:InternetGatewayDevice:1/i.test(text)
      )
        return
      this.searches++
      const answer = [
        'HTTP/1.1 200 OK',
        'CACHE-CONTROL: max-age=120',
        `LOCATION: http://${this.lanIp}:49000/rootDesc.xml`,
        'SERVER: chainwire-lab/1 UPnP/1.1',
        'ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1',
        'USN: uuid:chainwire-lab-igd::urn:schemas-upnp-org:device:InternetGatewayDevice:1',
        'EXT:',
        '',
        '',
      ].join('\r\n')
      ssdp.send(answer, rinfo.port, rinfo.address)
    })
    this.ssdp = ssdp
  }

  /** Installs (or, with lifetime 0, removes) the DNAT rule; returns the external port. */
  private apply(proto: string, client: string, internal: number, external: number, lifetime: number): number {
    const key = `${proto}:${client}:${internal}`
    this.remove(key)
    if (lifetime === 0) return 0
    const rule = [
      'PREROUTING',
      '-i',
      this.wanIf,
      '-p',
      proto,
      '--dport',
      String(external),
      '-j',
      'DNAT',
      '--to-destination',
      `${client}:${internal}`,
    ]
    execFileSync('iptables', ['-t', 'nat', '-A', ...rule])
    this.rules.set(key, rule)
    return external
  }

  private remove(key: string): void {
    const rule = this.rules.get(key)
    if (rule === undefined) return
    this.rules.delete(key)
    try {
      execFileSync('iptables', ['-t', 'nat', '-D', ...rule])
    } catch {}
  }

  /** How many DNAT rules are installed now. */
  installed(): number {
    return this.rules.size
  }
}

const SERVICE = 'urn:schemas-upnp-org:service:WANIPConnection:1'

function soap(body: string): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>${body}</s:Body></s:Envelope>`
}

/** An IGD v1 description: the root device, a WANDevice, a WANConnectionDevice with WANIPConnection:1. */
const DESCRIPTION = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
  <specVersion><major>1</major><minor>0</minor></specVersion>
  <device>
    <deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
    <friendlyName>chainwire lab router</friendlyName>
    <deviceList><device>
      <deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
      <deviceList><device>
        <deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
        <serviceList><service>
          <serviceType>${SERVICE}</serviceType>
          <serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
          <controlURL>/ctl/IPConn</controlURL>
          <eventSubURL>/evt/IPConn</eventSubURL>
          <SCPDURL>/WANIPCn.xml</SCPDURL>
        </service></serviceList>
      </device></deviceList>
    </device></deviceList>
  </device>
</root>`

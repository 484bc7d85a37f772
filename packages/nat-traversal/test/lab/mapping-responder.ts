import { execFileSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'

/**
 * The lab's home-router gateway: answers NAT-PMP (RFC 6886) and PCP (RFC 6887) MAP requests on the LAN side
 * and installs a real iptables DNAT rule on the router for each granted mapping (removed when the lifetime is
 * 0 or the responder stops). Written from the RFCs, independently of the package's client codecs, so the two
 * check each other. (Debian's miniupnpd refuses to map when its external address is a documentation range.)
 */
export class MappingResponder {
  private socket: Socket | undefined
  private readonly rules = new Map<string, string[]>()
  readonly requests: { protocol: 'pcp' | 'nat-pmp'; lifetime: number }[] = []

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
  }

  stop(): void {
    this.socket?.close()
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

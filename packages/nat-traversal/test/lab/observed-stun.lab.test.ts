import { describe, expect, it } from 'vitest'
import { type Agent, LAB, useLab } from './lab'

/**
 * Both private hosts learn their public address through real NATs: from peers' hellos (observed address,
 * confirmed by three network groups) and from STUN, and classify their NAT.
 */
describe('NAT lab: observed address, STUN and NAT type', () => {
  let publicNodes: Agent[]
  let stun: Agent
  let hostA: Agent
  let hostB: Agent
  const observers: string[] = []

  useLab(
    { a: 'cone', b: 'symmetric' },
    async (lab) => {
      // Three public nodes on three public networks (three network groups), and a STUN server with two IPs.
      publicNodes = [0, 1, 2].map((i) => lab.agent(lab.ns.inet, `public${i}`))
      for (const [i, ip] of [LAB.inet, LAB.inet2, LAB.inet3].entries()) {
        const r = await (publicNodes[i] as Agent).call<{ listen: string[] }>('network.start', {
          listen: [`tcp://${ip}:7000`],
        })
        observers.push(r.listen[0] as string)
      }
      stun = lab.agent(lab.ns.inet, 'stun')
      await stun.call('stun.serve', {
        host: LAB.inet,
        port: 3478,
        alternateHost: LAB.inetAlternate,
        alternatePort: 3479,
      })
      hostA = lab.agent(lab.ns.hostA, 'hostA')
      hostB = lab.agent(lab.ns.hostB, 'hostB')
      await hostA.call('network.start', { listen: [`tcp://${LAB.hostA}:7000`] })
      await hostB.call('network.start', { listen: [`tcp://${LAB.hostB}:7000`] })
    },
    60_000,
  )

  it('each private host confirms its public IP once three network groups report it in their hellos', async () => {
    for (const [host, wan] of [
      [hostA, LAB.wanA],
      [hostB, LAB.wanB],
    ] as const) {
      const seen: string[] = []
      for (const [i, address] of observers.entries()) {
        const before = await host.call<{ hosts: string[] }>('observed.confirmed')
        expect(before.hosts).toEqual([])
        const r = await host.call<{ observedAddr: string }>('network.dial', { address })
        seen.push(r.observedAddr)
        if (i < 2) expect((await host.call<{ hosts: string[] }>('observed.confirmed')).hosts).toEqual([])
      }
      for (const o of seen) expect(o.startsWith(`tcp://${wan}:`)).toBe(true)
      expect((await host.call<{ hosts: string[] }>('observed.confirmed')).hosts).toEqual([wan])
    }
  })

  it('STUN over UDP and TCP returns the NAT public address', async () => {
    const server = { host: LAB.inet, port: 3478 }
    const udp = await hostA.call<{ mapped: { host: string }; local: { port: number } }>('stun.binding', {
      server,
    })
    expect(udp.mapped.host).toBe(LAB.wanA)
    const tcp = await hostB.call<{ mapped: { host: string } }>('stun.binding', { server, tcp: true })
    expect(tcp.mapped.host).toBe(LAB.wanB)
  })

  it('classifies the cone NAT as endpoint-independent and the --random-fully one as symmetric', async () => {
    const server = { host: LAB.inet, port: 3478 }
    const a = await hostA.call<Record<string, unknown>>('stun.classify', { server }, 40_000)
    expect(a).toMatchObject({
      external: { host: LAB.wanA },
      mapping: 'endpoint-independent',
      filtering: 'address-and-port-dependent',
      tcpMapping: 'endpoint-independent',
    })
    const b = await hostB.call<Record<string, unknown>>('stun.classify', { server }, 40_000)
    expect(b).toMatchObject({
      external: { host: LAB.wanB },
      mapping: 'address-and-port-dependent',
      filtering: 'address-and-port-dependent',
      tcpMapping: 'address-and-port-dependent',
    })
  }, 60_000)
})

import { describe, expect, it } from 'vitest'
import { type Agent, LAB, useLab } from './lab'

/**
 * Port mapping through a real NAT: the router's gateway answers PCP, NAT-PMP and UPnP IGD (SSDP over
 * multicast, the device description, SOAP) and installs a DNAT rule per
 * mapping; with the mapping the private host is reachable from the internet side, and once the mapper stops
 * (mappings deleted) it is not.
 */
describe('NAT lab: port mapping (PCP, NAT-PMP and UPnP IGD)', () => {
  let gateway: Agent
  let host: Agent
  let outside: Agent
  let hostPeer: string

  useLab(
    { a: 'cone', b: 'cone' },
    async (lab) => {
      gateway = lab.agent(lab.ns.natA, 'gatewayA')
      host = lab.agent(lab.ns.hostA, 'hostA')
      outside = lab.agent(lab.ns.inet, 'outside')
      await gateway.call('mapping.respond', {
        lanIp: LAB.gatewayA,
        wanIp: LAB.wanA,
        wanIf: `${lab.prefix}wA`,
      })
      hostPeer = (
        await host.call<{ peerId: string }>('network.start', { listen: [`tcp://${LAB.hostA}:7000`] })
      ).peerId
      await outside.call('network.start', { listen: [`tcp://${LAB.inet}:7000`] })
    },
    60_000,
  )

  for (const protocol of ['pcp', 'nat-pmp', 'upnp'] as const) {
    it(`${protocol}: a mapped port makes the private host reachable; stop() removes it`, async () => {
      await expect(
        outside.call('network.dial', { address: `tcp://${LAB.wanA}:7000`, force: true }, 30_000),
      ).rejects.toThrow()
      const mapping = await host.call<Record<string, unknown>>('mapping.map', {
        protocols: [protocol],
        gateway: LAB.gatewayA,
        port: 7000,
      })
      expect(mapping).toMatchObject({
        protocol: 'tcp',
        internalPort: 7000,
        externalPort: 7000,
        externalIp: LAB.wanA,
        via: protocol,
      })
      expect(await gateway.call('mapping.installed')).toMatchObject({ rules: 1 })
      const peer = await outside.call<{ peerId: string }>('network.dial', {
        address: `tcp://${LAB.wanA}:7000`,
        force: true,
      })
      expect(peer.peerId).toBe(hostPeer)
      await outside.call('network.disconnect', { peerId: hostPeer })
      await host.call('mapping.stop')
      const after = await gateway.call<{ rules: number; requests: { protocol: string; lifetime: number }[] }>(
        'mapping.installed',
      )
      expect(after.rules).toBe(0)
      expect(after.requests.at(-1)).toEqual({ protocol, lifetime: 0 })
      if (protocol === 'upnp') {
        // found by a multicast M-SEARCH; the lease asked for is the mapper's (7,200 s), not a permanent one
        expect((after as { searches?: number }).searches).toBeGreaterThan(0)
        expect(after.requests[after.requests.length - 2]).toEqual({ protocol, lifetime: 7_200 })
      }
      await expect(
        outside.call('network.dial', { address: `tcp://${LAB.wanA}:7000`, force: true }, 30_000),
      ).rejects.toThrow()
    }, 90_000)
  }
})

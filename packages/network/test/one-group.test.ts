/**
 * One group everywhere: for every input of interface's table of tricky addresses, network's inbound
 * per-group cap, its eviction and peer-store's buckets count the address in the group interface names, so an
 * attacker is one group to every defence. Each defence is observed through its public API: the cap refusing a
 * second peer of the group, eviction choosing the crowded group, the peer's `netGroup` in the status, the
 * group the address book files an address and a source under.
 */
import { networkGroup, parseHost, tryParseAddress } from '@chainwire/interface'
import { ManualClock, testPeerId } from '@chainwire/interface/testing'
import { createPeerStore } from '@chainwire/peer-store'
import { afterEach, describe, expect, it } from 'vitest'
import { ADDRESS_CASES, type AddressCase } from '../../interface/test/address-cases'
import { createMemoryNetwork, type MemoryNetwork, type Network } from '../src/index'
import { memoryNode, stopAll } from './helpers'

afterEach(stopAll)

/** Another host in the same group as `group` (an `ipv4:` or `ipv6:` group), or undefined for DNS and memory. */
function neighbour(group: string): string | undefined {
  if (group.startsWith('ipv4:')) return `${group.slice(5)}.77.77`
  if (!group.startsWith('ipv6:')) return undefined
  const words = group.slice(5).replace('::/36', '').split(':')
  return `${words.join(':')}::7777`
}

/** Cases whose host a socket can report (an IP): the ones a remote connection can come from. */
const SOCKET_CASES = ADDRESS_CASES.filter((c) => {
  const a = c.canonical === undefined ? undefined : tryParseAddress(c.input)
  return a?.ip !== undefined
})

function hostOf(c: AddressCase): string {
  return (tryParseAddress(c.input) as { host: string }).host
}

let n = 0
async function dialFrom(net: MemoryNetwork, host: string, target: Network): Promise<Network> {
  const node = await memoryNode(net, `d${n++}`, {}, { host })
  await node.dial(target.listenAddresses()[0] as string)
  return node
}

describe('one network group everywhere', () => {
  it('the table covers IPv4, IPv6, mapped, 6to4, Teredo, NAT64, /36 and zones, and each has a neighbour', () => {
    expect(SOCKET_CASES.length).toBeGreaterThanOrEqual(12)
    for (const c of SOCKET_CASES) {
      const other = neighbour(c.group as string) as string
      expect(parseHost(other)?.host, c.name).not.toBe(hostOf(c))
      expect(networkGroup(other), c.name).toBe(c.group)
    }
  })

  it.each(SOCKET_CASES.map((c) => [c.name, c] as const))('%s: the inbound per-group cap', async (_, c) => {
    const net = createMemoryNetwork()
    const listener = await memoryNode(net, `l${n++}`, { maxInboundPerNetGroup: 1 })
    const rejected: string[] = []
    listener.on('connection:rejected', (e) => rejected.push(e.reason))
    const first = await dialFrom(net, hostOf(c), listener)
    const status = listener.getNetworkStatus()
    expect(status.peers.map((p) => [p.peerId, p.netGroup])).toEqual([[first.peerId, c.group]])
    // A second peer from another host of the same group is refused by the cap.
    await expect(dialFrom(net, neighbour(c.group as string) as string, listener)).rejects.toBeDefined()
    expect(rejected).toEqual(['per_net_group'])
    expect(listener.getNetworkStatus().limits.inboundPerNetGroup).toBe(1)
  })

  it.each(SOCKET_CASES.map((c) => [c.name, c] as const))('%s: eviction', async (_, c) => {
    const net = createMemoryNetwork()
    const listener = await memoryNode(net, `l${n++}`, {
      maxInbound: 3,
      evictionProtection: {
        netGroups: 0,
        lowestPing: 0,
        recentTransactions: 0,
        recentBlocks: 0,
        uptimeFraction: 0,
      },
    })
    const evicted: string[] = []
    listener.on('peer:disconnected', (e) => {
      if (e.reason === 'evicted') evicted.push(e.peer.peerId)
    })
    // The case's host, then a neighbour in its group, then a host of another group: with every protection
    // off, eviction takes the newest peer of the most crowded group. Were the first two counted in different
    // groups, all three groups would hold one peer and the newest, the third, would go.
    await dialFrom(net, hostOf(c), listener)
    const sameGroup = await dialFrom(net, neighbour(c.group as string) as string, listener)
    const other = c.group === 'ipv4:100.100' ? '100.101.0.1' : '100.100.0.1'
    await dialFrom(net, other, listener)
    await dialFrom(net, '100.102.0.1', listener)
    await expect.poll(() => evicted).toEqual([sameGroup.peerId])
  })

  it('peer-store files every address, and every source, under the same group', async () => {
    let i = 0
    for (const c of ADDRESS_CASES) {
      const a = c.canonical === undefined ? undefined : tryParseAddress(c.input)
      if (a === undefined || a.port === 0) continue
      // a store per case: in one store, two cases could draw the same bucket slot and the second be refused
      const store = createPeerStore({ clock: new ManualClock() }, { allowNonRoutable: true })
      await store.start()
      const peerId = testPeerId(1_000 + i++)
      const source = a.ip === undefined ? c.input : a.host
      store.addAddresses(peerId, [c.input], { source: { address: source } })
      const info = store.getAddress(c.input)
      expect(info?.group, c.name).toBe(c.group)
      expect(info?.source.group, c.name).toBe(c.group)
      await store.stop()
    }
  })
})

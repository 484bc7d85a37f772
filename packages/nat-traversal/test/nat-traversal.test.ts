import { createIdentity } from '@chainwire/network'
import { afterEach, describe, expect, it } from 'vitest'
import { createNatTraversal, NatError, RELAY_CAPABILITY } from '../src/index'
import { onCleanup, stopAll, tcpNode } from './helpers/nodes'
import { freePort } from './lab/coturn'

afterEach(stopAll)

async function natNode(options: Parameters<typeof createNatTraversal>[1] = {}, capabilities: string[] = []) {
  const identity = createIdentity()
  const network = await tcpNode({ capabilities }, identity)
  const nat = createNatTraversal(
    { network, identity },
    { observed: { onlyRoutable: false }, reachability: { maxServersPerGroup: 16 }, ...options },
  )
  await nat.start()
  onCleanup(() => nat.stop())
  return { network, nat }
}

describe('createNatTraversal over loopback', () => {
  it('an unreachable verdict takes relay reservations and advertises relayed addresses', async () => {
    const relay = await natNode({ relayServer: { circuitListen: 'tcp://127.0.0.1:0' } }, [RELAY_CAPABILITY])
    const helpers = await Promise.all([natNode(), natNode(), natNode()])
    const me = await natNode()
    for (const n of [relay, ...helpers]) await me.network.dial(n.network.listenAddresses()[0] as string)
    const changes: string[] = []
    me.nat.on('reachability:changed', (e) => changes.push(e.status))
    const result = await me.nat.checkReachability(`tcp://127.0.0.1:${await freePort()}`)
    expect(result.status).toBe('unreachable')
    expect(changes).toEqual(['unreachable'])
    expect(me.nat.status()).toBe('unreachable')
    expect(me.nat.addresses().relayed).toEqual([
      {
        relay: relay.network.peerId,
        relayAddress: relay.network.listenAddresses()[0],
        target: me.network.peerId,
      },
    ])
    // Reachable at our real listen address: relayed addresses are no longer advertised.
    const again = await me.nat.checkReachability(me.network.listenAddresses()[0] as string)
    expect(again.status).toBe('reachable')
    expect(me.nat.addresses().relayed).toEqual([])
  })

  it('connection candidates: the best one first, the others as fallback, and which one won', async () => {
    const relay = await natNode({ relayServer: { circuitListen: 'tcp://127.0.0.1:0' } }, [RELAY_CAPABILITY])
    const target = await natNode()
    const dialer = await natNode()
    await target.network.dial(relay.network.listenAddresses()[0] as string)
    await target.nat.relayClient.reserve(relay.network.peerId)
    const dead = `tcp://127.0.0.1:${await freePort()}`
    const relayed = {
      kind: 'relayed' as const,
      relay: relay.network.peerId,
      relayAddress: relay.network.listenAddresses()[0] as string,
    }
    const viaRelay = await dialer.nat.dial(target.network.peerId, [
      relayed,
      { kind: 'direct', address: dead },
    ])
    expect(viaRelay.winner).toBe('relayed')
    expect(viaRelay.tried.map((t) => t.kind)).toEqual(['direct', 'relayed'])
    expect(viaRelay.tried[0]?.error).toBeDefined()
    await dialer.network.disconnect(target.network.peerId)
    const direct = await dialer.nat.dial(target.network.peerId, [
      relayed,
      { kind: 'direct', address: target.network.listenAddresses()[0] as string },
    ])
    expect(direct.winner).toBe('direct')
    await dialer.network.disconnect(target.network.peerId)
    const none = await dialer.nat
      .dial(target.network.peerId, [{ kind: 'mapped', address: dead }])
      .catch((e) => e)
    expect(NatError.isInstance(none) && none.code).toBe('ERR_NO_CANDIDATE')
  })

  it('a NATed node keeps reservations on 2 relays, and takes a new one when a relay goes away', async () => {
    const relays = await Promise.all(
      [0, 1, 2].map(() =>
        natNode({ relayServer: { circuitListen: 'tcp://127.0.0.1:0' } }, [RELAY_CAPABILITY]),
      ),
    )
    const helpers = await Promise.all([natNode(), natNode(), natNode(), natNode()])
    const me = await natNode()
    for (const n of [relays[0], relays[1], ...helpers])
      await me.network.dial(n?.network.listenAddresses()[0] as string)
    await me.nat.checkReachability(`tcp://127.0.0.1:${await freePort()}`)
    const held = () =>
      me.nat.relayClient
        .reservations()
        .map((r) => r.relay)
        .sort()
    expect(held()).toEqual([relays[0]?.network.peerId, relays[1]?.network.peerId].sort())
    expect(me.nat.addresses().relayed).toHaveLength(2)
    // A relay goes away: its reservation is dropped; a newly connected relay is taken instead.
    await me.network.disconnect(relays[0]?.network.peerId as never)
    expect(held()).toEqual([relays[1]?.network.peerId])
    await me.network.dial(relays[2]?.network.listenAddresses()[0] as string)
    const deadline = Date.now() + 5_000
    while (held().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(held()).toEqual([relays[1]?.network.peerId, relays[2]?.network.peerId].sort())
  })
})

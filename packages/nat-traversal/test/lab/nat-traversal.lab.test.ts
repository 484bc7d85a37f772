import { describe, expect, it } from 'vitest'
import { type Agent, LAB, startRelay, useLab } from './lab'

/**
 * The whole package wired by createNatTraversal, through real NATs: the dialer tries the candidates best
 * first (the private host's router address fails), reaches the host through the relay, and the host's
 * automatic hole punch turns the connection direct: the winner is `punched`.
 */
describe('NAT lab: createNatTraversal end to end', () => {
  let hostA: Agent
  let hostB: Agent
  let relayAddress: string
  let relayPeer: string
  let peerB: string

  useLab({ a: 'cone', b: 'cone' }, async (lab) => {
    const relay = await startRelay(lab)
    relayAddress = relay.address
    relayPeer = relay.peerId
    hostA = lab.agent(lab.ns.hostA, 'hostA')
    hostB = lab.agent(lab.ns.hostB, 'hostB')
    const stunServers = [{ host: LAB.inet, port: 3478 }]
    await hostA.call('network.start', {
      listen: [`tcp://${LAB.hostA}:7000`],
      dialTimeoutMs: 3_000,
      observe: false,
    })
    const b = await hostB.call<{ peerId: string }>('network.start', {
      listen: [`tcp://${LAB.hostB}:7000`],
      observe: false,
    })
    peerB = b.peerId
    await hostA.call('nat.start', { stunServers })
    await hostB.call('nat.start', { stunServers })
  })

  it('direct fails, the relay connects, and the automatic punch makes it direct', async () => {
    const addresses = await hostB.call<{ relayed: { relay: string; relayAddress: string }[] }>(
      'nat.reserve',
      { relayAddress },
    )
    expect(addresses.relayed).toEqual([{ relay: relayPeer, relayAddress, target: peerB }])
    const result = await hostA.call<{
      winner: string
      tried: { kind: string; error?: string }[]
      remoteAddress: string
    }>(
      'nat.dial',
      {
        peerId: peerB,
        candidates: [
          { kind: 'relayed', relay: relayPeer, relayAddress },
          { kind: 'direct', address: `tcp://${LAB.wanB}:7000` },
        ],
        punchWaitMs: 15_000,
      },
      40_000,
    )
    expect(result.tried.map((t) => t.kind)).toEqual(['direct', 'relayed'])
    expect(result.tried[0]?.error).toBeDefined()
    expect(result.winner).toBe('punched')
    expect(result.remoteAddress.startsWith(`tcp://${LAB.wanB}:`)).toBe(true)
    await hostA.call('msg.send', { peerId: peerB, byte: 77 })
    const deadline = Date.now() + 5_000
    let got = 0
    while (got === 0 && Date.now() < deadline) {
      got = (await hostB.call<Record<number, number>>('msg.received'))[77] ?? 0
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(got).toBe(1)
  }, 60_000)
})

import { describe, expect, it } from 'vitest'
import { type Agent, type AgentError, LAB, startRelay, useLab } from './lab'

const RUNS = 20

/**
 * TCP hole punching through real NATs: two private hosts behind MASQUERADE routers, a public relay and STUN
 * server. Endpoint-independent NAT on both sides: the hosts connect directly on the first attempt in at least
 * 19 of 20 runs. Symmetric NAT on one side: the punch fails cleanly and the connection stays relayed, with
 * data flowing.
 */
describe('NAT lab: relay circuits and hole punching', () => {
  let hostA: Agent
  let hostB: Agent
  let relayAddress: string
  let peerA: string
  let peerB: string
  const stun = { host: LAB.inet, port: 3478 }

  const lab = useLab({ a: 'cone', b: 'cone' }, async (lab) => {
    relayAddress = (await startRelay(lab)).address
    hostA = lab.agent(lab.ns.hostA, 'hostA')
    hostB = lab.agent(lab.ns.hostB, 'hostB')
    peerA = (await hostA.call<{ peerId: string }>('network.start', { listen: [`tcp://${LAB.hostA}:7000`] }))
      .peerId
    peerB = (await hostB.call<{ peerId: string }>('network.start', { listen: [`tcp://${LAB.hostB}:7000`] }))
      .peerId
    await hostA.call('relay.client', { stun })
    await hostB.call('relay.client', { stun })
    await hostB.call('relay.reserve', { relayAddress })
  })

  it('without help, neither private host can reach the other (the NATs drop unsolicited inbound)', async () => {
    await expect(hostA.call('network.dial', { address: `tcp://${LAB.wanB}:7000` }, 30_000)).rejects.toThrow()
  }, 40_000)

  it(`endpoint-independent NAT on both sides: a direct connection on the first attempt in >= 19 of ${RUNS} runs`, async () => {
    const firstAttempt: number[] = []
    const times: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const circuit = await hostA
        .call<{ peerId: string }>('relay.dial', { relayAddress, target: peerB })
        .catch((e) => {
          throw new Error(`run ${run}: ${e.message}`)
        })
      expect(circuit.peerId).toBe(peerB)
      // The accepting side admits the circuit a moment after the dialer (its hello arrives last).
      await waitUntil(async () => (await hostB.call('peer.info', { peerId: peerA })) !== null)
      expect(await hostB.call('peer.info', { peerId: peerA })).toMatchObject({ relayed: true })
      // The peer that accepted the circuit starts the upgrade (DCUtR).
      const result = await hostB
        .call<{ attempt: number; timeToDirectMs: number; remoteAddress: string }>(
          'punch.upgrade',
          { peerId: peerA },
          30_000,
        )
        .catch(() => undefined)
      if (result !== undefined) {
        expect(result.remoteAddress.startsWith(`tcp://${LAB.wanA}:`)).toBe(true)
        if (result.attempt === 1) firstAttempt.push(run)
        times.push(result.timeToDirectMs)
        const atA = await waitForPeer(hostA, peerB)
        expect(atA.relayed).toBe(false)
        expect(atA.remoteAddress.startsWith(`tcp://${LAB.wanB}:`)).toBe(true)
        // Data flows over the direct connection.
        await hostA.call('msg.send', { peerId: peerB, byte: run + 1 })
        await waitUntil(
          async () => ((await hostB.call<Record<number, number>>('msg.received'))[run + 1] ?? 0) === 1,
        )
      }
      await hostA.call('network.disconnect', { peerId: peerB })
      await waitUntil(async () => (await hostB.call('peer.info', { peerId: peerA })) === null)
    }
    console.log(
      `hole punching, endpoint-independent NATs: ${firstAttempt.length}/${RUNS} direct on the first attempt; time to direct ${Math.min(...times)}-${Math.max(...times)} ms`,
    )
    expect(firstAttempt.length).toBeGreaterThanOrEqual(19)
  }, 600_000)

  it('symmetric NAT on one side: the punch fails cleanly and the connection stays relayed, data flowing', async () => {
    lab().setNat('B', 'symmetric')
    const circuit = await hostA.call<{ peerId: string }>('relay.dial', { relayAddress, target: peerB })
    expect(circuit.peerId).toBe(peerB)
    await waitUntil(async () => (await hostB.call('peer.info', { peerId: peerA })) !== null)
    const err = await hostB.call('punch.upgrade', { peerId: peerA }, 60_000).catch((e: AgentError) => e)
    expect((err as AgentError).code).toBe('ERR_HOLE_PUNCH_FAILED')
    expect(await hostA.call('peer.info', { peerId: peerB })).toMatchObject({ relayed: true })
    expect(await hostB.call('peer.info', { peerId: peerA })).toMatchObject({ relayed: true })
    await hostA.call('msg.send', { peerId: peerB, byte: 200, count: 3 })
    await hostB.call('msg.send', { peerId: peerA, byte: 201, count: 2 })
    await waitUntil(async () => ((await hostB.call<Record<number, number>>('msg.received'))[200] ?? 0) === 3)
    await waitUntil(async () => ((await hostA.call<Record<number, number>>('msg.received'))[201] ?? 0) === 2)
    expect(
      await hostB.call('metrics.get', { name: 'holepunch_upgrades_total', labels: { outcome: 'fallback' } }),
    ).toBe(1)
  }, 120_000)
})

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function waitForPeer(
  agent: Agent,
  peerId: string,
): Promise<{ relayed: boolean; remoteAddress: string }> {
  let info: { relayed: boolean; remoteAddress: string } | null = null
  await waitUntil(async () => {
    info = await agent.call('peer.info', { peerId })
    return info !== null && !info.relayed
  })
  return info as unknown as { relayed: boolean; remoteAddress: string }
}

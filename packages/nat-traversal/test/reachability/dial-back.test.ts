import { MemoryMetrics } from '@chainwire/interface/testing'
import { createIdentity, type Network } from '@chainwire/network'
import { afterEach, describe, expect, it } from 'vitest'
import { DialBackServer, ReachabilityChecker } from '../../src/reachability/dial-back'
import { onCleanup, stopAll, tcpNode } from '../helpers/nodes'
import { freePort } from '../lab/coturn'

afterEach(stopAll)

/** `n` dial-back servers, and a requester connected to each. */
async function setup(n: number, serverOptions = {}) {
  const metrics = new MemoryMetrics()
  const servers: Network[] = []
  for (let i = 0; i < n; i++) {
    const identity = createIdentity()
    const network = await tcpNode({}, identity)
    const server = new DialBackServer({ network, identity, metrics }, serverOptions)
    server.start()
    onCleanup(() => server.stop())
    servers.push(network)
  }
  const requester = await tcpNode()
  for (const s of servers) await requester.dial(s.listenAddresses()[0] as string)
  // Loopback peers all share one network group: let each count.
  const checker = new ReachabilityChecker({ network: requester }, { maxServersPerGroup: 16 })
  return { requester, checker, metrics }
}

describe('reachability (dial-back)', () => {
  it('an address where we listen is reachable once more than 3 peers dialed it back', async () => {
    const { requester, checker, metrics } = await setup(5)
    const r = await checker.check(requester.listenAddresses()[0] as string)
    expect(r.status).toBe('reachable')
    expect(r.answers.ok).toBe(5)
    expect(metrics.get('autonat_dial_backs_total', { status: 'ok' })).toBe(5)
  })

  it('an address where nothing listens is unreachable', async () => {
    const { checker } = await setup(4)
    const r = await checker.check(`tcp://127.0.0.1:${await freePort()}`)
    expect(r.status).toBe('unreachable')
    expect(r.answers.dial_failed).toBe(4)
  })

  it('three agreeing peers are not enough (more than 3 must agree)', async () => {
    const { requester, checker } = await setup(3)
    expect((await checker.check(requester.listenAddresses()[0] as string)).status).toBe('unknown')
  })

  it('a dial-back aimed at a third party is refused, and nothing is dialed', async () => {
    const { checker, metrics } = await setup(4)
    const r = await checker.check('tcp://127.0.0.2:9')
    expect(r.answers.refused).toBe(4)
    expect(r.status).toBe('unknown')
    expect(metrics.get('autonat_dial_backs_total', { status: 'refused' })).toBe(4)
  })

  it('another peer listening at the address does not count as us (the Noise handshake proves the id)', async () => {
    const { checker } = await setup(4)
    const other = await tcpNode()
    const r = await checker.check(other.listenAddresses()[0] as string)
    expect(r.answers.dial_failed).toBe(4)
  })

  it('requests beyond the per-peer rate are answered rate_limited', async () => {
    const { requester, checker } = await setup(1, { burstPerPeer: 2, ratePerPeer: 0 })
    const single = new ReachabilityChecker({ network: requester }, { confirmations: 1 })
    const address = requester.listenAddresses()[0] as string
    expect((await single.check(address)).answers.ok).toBe(1)
    expect((await checker.check(address)).answers.ok).toBe(1)
    expect((await checker.check(address)).answers.rate_limited).toBe(1)
  })
})

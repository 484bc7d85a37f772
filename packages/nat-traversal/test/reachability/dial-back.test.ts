import { createServer } from 'node:net'
import { MemoryMetrics } from '@chainwire/interface/testing'
import { createIdentity, type Network, type PeerInfo } from '@chainwire/network'
import { afterEach, describe, expect, it } from 'vitest'
import { DialBackServer, ReachabilityChecker } from '../../src/reachability/dial-back'
import { onCleanup, stopAll, tcpNode } from '../helpers/nodes'
import { freePort } from '../lab/coturn'

afterEach(stopAll)

/** `n` dial-back servers, and a requester connected to each. */
async function setup(n: number, serverOptions = {}, requesterListen = ['tcp://127.0.0.1:0']) {
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
  const requester = await tcpNode({ listen: requesterListen })
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

  it('a dial-back aimed at a third party without the amplification payment: nothing is dialed', async () => {
    const { requester, metrics } = await setup(1)
    // the third party: a plain TCP listener on another IP that counts connections
    let dialed = 0
    const victim = createServer((socket) => {
      dialed++
      socket.destroy()
    })
    await new Promise<void>((r) => victim.listen(0, '127.0.0.2', r))
    onCleanup(() => new Promise<void>((r) => victim.close(() => r())))
    const target = `tcp://127.0.0.2:${(victim.address() as { port: number }).port}`
    const server = requester.peers()[0] as PeerInfo
    const ask = (payment?: number) =>
      requester.request(server.peerId, {
        type: 'dial_back_request',
        data: {
          addrs: [target],
          nonce: 7,
          ...(payment === undefined ? {} : { payment: new Uint8Array(payment) }),
        },
      })
    const first = await ask()
    expect(first).toMatchObject({ type: 'dial_back_response', data: { status: 'payment_required' } })
    const owed = (first.data as { paymentBytes: number }).paymentBytes
    expect(owed).toBeGreaterThanOrEqual(30_000)
    expect(owed).toBeLessThanOrEqual(100_000)
    // paying less than asked is not paying
    expect((await ask(owed - 1)).data).toEqual({ status: 'payment_required', paymentBytes: owed })
    expect(dialed).toBe(0)
    expect(metrics.get('autonat_dial_backs_total', { status: 'payment_required' })).toBe(2)
    // paid: the server dials, and the Noise handshake finds no requester there
    expect((await ask(owed)).data).toEqual({ status: 'dial_failed' })
    expect(dialed).toBe(1)
  })

  it('an address of ours on another IP is checked once the checker paid for it', async () => {
    // the servers see us at 127.0.0.1; we also listen on 127.0.0.2
    const { requester, checker, metrics } = await setup(4, {}, ['tcp://127.0.0.1:0', 'tcp://127.0.0.2:0'])
    const other = requester.listenAddresses().find((a) => a.includes('127.0.0.2')) as string
    const r = await checker.check(other)
    expect(r.status).toBe('reachable')
    expect(r.answers.ok).toBe(4)
    expect(metrics.get('autonat_dial_backs_total', { status: 'payment_required' })).toBe(4)
  })

  it('a server never dials a non-routable address on another IP for a routable requester', async () => {
    const identity = createIdentity()
    const network = await tcpNode({}, identity)
    const server = new DialBackServer({ network, identity })
    const peer = { peerId: 'x', remoteHost: '93.184.216.34' } as unknown as PeerInfo
    const answer = await server.serve(
      { type: 'dial_back_request', data: { addrs: ['tcp://10.0.0.1:22', 'tcp://127.0.0.1:22'], nonce: 1 } },
      peer,
    )
    expect(answer.data).toEqual({ status: 'refused' })
  })

  it('a server asking more than the checker will pay gets no vote', async () => {
    const { requester } = await setup(4, { minPaymentBytes: 90_000, maxPaymentBytes: 100_000 })
    const stingy = new ReachabilityChecker(
      { network: requester },
      { maxServersPerGroup: 16, maxPaymentBytes: 50_000 },
    )
    const r = await stingy.check('tcp://127.0.0.2:9')
    expect(r.answers.payment_required).toBe(4)
    expect(r.status).toBe('unknown')
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

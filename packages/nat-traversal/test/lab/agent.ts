/**
 * A chainwire node inside a lab namespace, driven by the lab test over stdin/stdout (one JSON object per
 * line: `{ id, action, args }` in, `{ id, ok, result | error }` out). It runs the package's real code over
 * real sockets; the test only tells it what to do and reads what happened. Closing stdin stops everything.
 */
import { createInterface } from 'node:readline'
import { systemClock } from '@chainwire/interface'
import { createIdentity, createNetwork, type Network } from '@chainwire/network'
import { ObservedAddresses } from '../../src/observed/observed-addresses'
import { ObservedAddressService } from '../../src/observed/observed-service'
import { StunClient } from '../../src/stun/client'
import { classifyNat } from '../../src/stun/nat-type'
import { StunServer } from '../../src/stun/server'
import { actions as extraActions } from './agent-actions'
import { state } from './agent-state'

type Action = (args: Record<string, unknown>) => Promise<unknown> | unknown

const NETWORK_ID = 'chainwire-lab'

const actions: Record<string, Action> = {
  /** Starts a network listening on `listen` (addresses), with observed-address tracking. */
  async 'network.start'(args) {
    const network: Network = createNetwork(
      { identity: createIdentity(), metrics: state.metrics },
      {
        networkId: NETWORK_ID,
        listen: (args.listen as string[]) ?? [],
        announce: args.announce as string[] | undefined,
        capabilities: (args.capabilities as string[]) ?? [],
        // Every circuit through one relay is an inbound connection from the relay's IP: the runs open more
        // than the default burst of 16 in a few seconds.
        inboundBurstPerIp: 64,
        dialTimeoutMs: (args.dialTimeoutMs as number) ?? 10_000,
      },
    )
    await network.start()
    state.network = network
    network.on('message:inv', (e) => {
      for (const item of e.message.data.items) {
        const b = item.hash[0] as number
        state.received[b] = (state.received[b] ?? 0) + 1
      }
    })
    state.cleanups.push(() => network.stop())
    // createNatTraversal ('nat.start') runs its own observed-address service.
    if (args.observe !== false) {
      const observed = new ObservedAddressService(
        { network, clock: systemClock },
        new ObservedAddresses(systemClock, {
          onlyRoutable: false,
          confirmations: (args.confirmations as number) ?? 3,
        }),
        (peer) => state.isRelayed(peer.peerId),
      )
      observed.start()
      state.observed = observed
      state.cleanups.push(() => observed.stop())
    }
    return { peerId: network.peerId, listen: network.listenAddresses() }
  },
  async 'network.dial'(args) {
    const peer = await need(state.network).dial(args.address as string, { force: args.force === true })
    return { peerId: peer.peerId, observedAddr: peer.hello.observedAddr, remoteAddress: peer.remoteAddress }
  },
  'network.peers'() {
    return need(state.network)
      .peers()
      .map((p) => ({ peerId: p.peerId, remoteAddress: p.remoteAddress, direction: p.direction }))
  },
  'observed.confirmed'() {
    const o = need(state.observed).addresses
    return { addresses: o.confirmedAddresses(), hosts: o.confirmedHosts() }
  },
  async 'stun.serve'(args) {
    const server = new StunServer(
      {},
      {
        host: args.host as string,
        port: (args.port as number) ?? 3478,
        alternateHost: (args.alternateHost as string) ?? '',
        alternatePort: (args.alternatePort as number) ?? 0,
      },
    )
    await server.start()
    state.cleanups.push(() => server.stop())
    return { address: server.address(), alternate: server.alternateAddress() }
  },
  async 'stun.binding'(args) {
    const client = new StunClient()
    const server = args.server as { host: string; port: number }
    const r = args.tcp === true ? await client.bindingTcp(server) : await client.bindingUdp(server)
    return { mapped: r.mapped, local: r.local }
  },
  async 'stun.classify'(args) {
    return classifyNat(new StunClient(), args.server as { host: string; port: number })
  },
  ...extraActions,
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('not started')
  return value
}

const input = createInterface({ input: process.stdin })
input.on('line', (line) => {
  let request: { id: number; action: string; args: Record<string, unknown> }
  try {
    request = JSON.parse(line)
  } catch {
    return
  }
  const reply = (body: Record<string, unknown>): void => {
    process.stdout.write(`${JSON.stringify({ id: request.id, ...body })}\n`)
  }
  const action = actions[request.action]
  if (action === undefined) {
    reply({ ok: false, error: { code: 'ERR_UNKNOWN_ACTION', message: request.action } })
    return
  }
  Promise.resolve()
    .then(() => action(request.args ?? {}))
    .then(
      (result) => reply({ ok: true, result: result ?? null }),
      (err: { code?: string; message?: string }) =>
        reply({ ok: false, error: { code: err?.code ?? 'ERR', message: err?.message ?? String(err) } }),
    )
})
input.on('close', () => {
  void (async () => {
    for (const cleanup of state.cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {})
    process.exit(0)
  })()
})

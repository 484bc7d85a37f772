/** Lab agent actions beyond the basics of agent.ts: relay circuits, hole punching, messages, metrics. */
import type { PeerId } from '@chainwire/interface'
import { createIdentity } from '@chainwire/network'
import { HolePuncher } from '../../src/holepunch/hole-puncher'
import { StunPunchPortSource } from '../../src/holepunch/punch-port'
import { type ConnectionCandidate, createNatTraversal, type NatTraversal } from '../../src/index'
import { PortMapper } from '../../src/mapping/port-mapper'
import { registerRelayHandlers } from '../../src/relay/handlers'
import { RelayClient } from '../../src/relay/relay-client'
import { RelayServer } from '../../src/relay/relay-server'
import { StunClient } from '../../src/stun/client'
import { state } from './agent-state'
import { MappingResponder } from './mapping-responder'

function network() {
  if (state.network === undefined) throw new Error('network not started')
  return state.network
}

export const actions: Record<string, (args: Record<string, unknown>) => Promise<unknown> | unknown> = {
  /** Runs the relay role, circuits on `circuitListen`. */
  async 'relay.serve'(args) {
    const server = new RelayServer(
      { network: network(), metrics: state.metrics },
      {
        circuitListen: args.circuitListen as string,
        circuitBytes: (args.circuitBytes as number) ?? undefined,
      },
    )
    await server.start()
    state.cleanups.push(registerRelayHandlers(network(), { server }), () => server.stop())
    return { circuitAddress: server.circuitAddress() }
  },
  /** Runs the relay client role (and, with `stun`, hole punching with punch ports mapped by that server). */
  'relay.client'(args) {
    const client = new RelayClient({ network: network() })
    client.start()
    state.relayClient = client
    state.isRelayed = (peerId: PeerId) => {
      const peer = network().getPeer(peerId)
      return peer !== undefined && client.isRelayed(peer)
    }
    state.cleanups.push(registerRelayHandlers(network(), { client }), () => client.stop())
    if (args.stun !== undefined) {
      const puncher = new HolePuncher(
        {
          network: network(),
          ports: new StunPunchPortSource(new StunClient(), [args.stun as { host: string; port: number }]),
          isRelayed: (peer) => client.isRelayed(peer),
          metrics: state.metrics,
        },
        { maxAttempts: (args.maxAttempts as number) ?? 3 },
      )
      puncher.start()
      state.puncher = puncher
      state.cleanups.push(() => puncher.stop())
    }
    return null
  },
  async 'relay.reserve'(args) {
    const relay = await network().dial(args.relayAddress as string)
    const r = await (state.relayClient as RelayClient).reserve(relay.peerId)
    return { relay: relay.peerId, circuitAddress: r.circuitAddress }
  },
  async 'relay.dial'(args) {
    const relay = await network().dial(args.relayAddress as string)
    const peer = await (state.relayClient as RelayClient).dial(args.target as PeerId, relay.peerId)
    return { peerId: peer.peerId, remoteAddress: peer.remoteAddress }
  },
  async 'punch.upgrade'(args) {
    const r = await (state.puncher as HolePuncher).upgrade(args.peerId as PeerId)
    return {
      attempt: r.attempt,
      timeToDirectMs: r.timeToDirectMs,
      rttMs: r.rttMs,
      remoteAddress: r.peer.remoteAddress,
    }
  },
  'peer.info'(args) {
    const peer = network().getPeer(args.peerId as PeerId)
    if (peer === undefined) return null
    return {
      remoteAddress: peer.remoteAddress,
      direction: peer.direction,
      relayed: state.relayClient?.isRelayed(peer) ?? false,
    }
  },
  async 'network.disconnect'(args) {
    await network().disconnect(args.peerId as PeerId)
    return null
  },
  /** Sends `count` inv items whose hashes are all `byte`. */
  async 'msg.send'(args) {
    const hash = new Uint8Array(32).fill(args.byte as number)
    const items = Array.from({ length: (args.count as number) ?? 1 }, () => ({
      kind: 'block' as const,
      hash,
    }))
    await network().send(args.peerId as PeerId, { type: 'inv', data: { items } })
    return null
  },
  /** Inv items received so far, by first hash byte. */
  'msg.received'() {
    return state.received
  },
  /** Runs the gateway's NAT-PMP/PCP responder (in a router namespace). */
  async 'mapping.respond'(args) {
    const responder = new MappingResponder(args.lanIp as string, args.wanIp as string, args.wanIf as string)
    await responder.start()
    state.responder = responder
    state.cleanups.push(() => responder.stop())
    return null
  },
  'mapping.installed'() {
    return {
      rules: state.responder?.installed() ?? 0,
      requests: state.responder?.requests ?? [],
      searches: state.responder?.searches ?? 0,
    }
  },
  /** Maps a TCP port at the gateway with the given protocols. */
  async 'mapping.map'(args) {
    const mapper = new PortMapper(
      {},
      { protocols: args.protocols as ('pcp' | 'nat-pmp' | 'upnp')[], gateway: args.gateway as string },
    )
    state.mapper = mapper
    return mapper.map('tcp', args.port as number)
  },
  async 'mapping.stop'() {
    await state.mapper?.stop()
    return null
  },
  /** Wires the whole package (createNatTraversal) onto the agent's network. */
  async 'nat.start'(args) {
    const nat: NatTraversal = createNatTraversal(
      { network: network(), identity: createIdentity(), metrics: state.metrics },
      {
        stunServers: args.stunServers as { host: string; port: number }[],
        observed: { onlyRoutable: false },
      },
    )
    await nat.start()
    state.nat = nat
    state.relayClient = nat.relayClient
    state.cleanups.push(() => nat.stop())
    return null
  },
  async 'nat.reserve'(args) {
    const relay = await network().dial(args.relayAddress as string)
    await (state.nat as NatTraversal).relayClient.reserve(relay.peerId)
    return (state.nat as NatTraversal).addresses()
  },
  async 'nat.dial'(args) {
    const r = await (state.nat as NatTraversal).dial(
      args.peerId as PeerId,
      args.candidates as ConnectionCandidate[],
      {
        punchWaitMs: (args.punchWaitMs as number) ?? 0,
      },
    )
    return { winner: r.winner, tried: r.tried, remoteAddress: r.peer.remoteAddress }
  },
  'metrics.get'(args) {
    return state.metrics.get(args.name as string, (args.labels as Record<string, string>) ?? {}) ?? 0
  },
}

/**
 * The address-hardening attack in netsim, on the real network, peer-store and discovery packages. Honest nodes
 * each have a /16 of their own; the attackers all sit in one /24 (44.1.5.0/24) and, at once:
 *
 * 1. announce 16 listen addresses each in their `hello` that they do not have, spread over as many /16s and
 *    /24s (`memory://claim<a>x<j>`, which the honest nodes' address geography maps to those subnets), and
 *    connect to most honest nodes, so each honest peer-store hears hundreds of claims from one /16;
 * 2. (the anchors) a quarter of the honest nodes crash halfway with their tables full of those claims and
 *    restart 10 s later from the same database: their anchors must be dialed before anything from the table;
 * 3. answer every `find_node` with the 16 honest nodes closest to the target, each at the attacker's own
 *    address, to plant addresses for honest nodes in honest routing tables and peer-stores;
 * 4. answer our verification `find_node` over their inbound connections (live DHT nodes), so honest DHTs
 *    consider them for their tables while they claim listen addresses in other /24s.
 *
 * It returns the figures the tests check; the honest nodes' view of where a `memory://` address is, is the
 * synthetic IP of the node listening there (or, for a claim, the subnet it pretends to be in).
 */
import type { PeerId } from '@chainwire/interface'
import { defineScenario, runScenario, type SimNodeHandle } from '@chainwire/netsim'
import type { PeerStore, PeerStoreDatabase } from '@chainwire/peer-store'
import { MemoryLevel } from 'memory-level'
import { expect } from 'vitest'
import {
  compareDistance,
  type DialKind,
  type DiscoveryNetwork,
  type DiscoveryService,
  nodeIdOf,
} from '../../src/index'
import { fittingNodes, startSimDiscovery } from './sim-node'

/** The scenario's size. */
export interface HardeningParams {
  /** Honest nodes, the first 3 of them bootstrap nodes. */
  honest: number
  /** Attackers, all in 44.1.5.0/24 (at most 254). */
  attackers: number
  /** Honest non-bootstrap nodes each attacker connects to. */
  targetsPerAttacker: number
  /** Outbound full-relay target of honest nodes (plus 2 block-relay-only). */
  outbound: number
  /** Virtual seconds. */
  durationS: number
  seed: number
}

const BOOTSTRAP = 3
const BLOCK_RELAY = 2
const CLAIMS = 16
const ATTACKER_SUBNET = '44.1.5.0/24'
/** The attackers' network group as the honest peer-stores' `groupOf` names it. */
const ATTACKER_GROUP = 'custom:44.1'

const slash16 = (ip: string): string => ip.split('.').slice(0, 2).join('.')
const slash24 = (ip: string): string => ip.split('.').slice(0, 3).join('.')

/** Claim `j` of attacker `a`. */
const claim = (a: number, j: number): string => `memory://claim${a}x${j}`

/** Where a claim pretends to be: a /16 (and /24) of its own for each of the first 38,400 claims. */
function claimHost(address: string): string | undefined {
  const m = /^memory:\/\/claim(\d+)x(\d+)$/.exec(address)
  if (m === null) return undefined
  const n = Number(m[1]) * CLAIMS + Number(m[2])
  return `${60 + (n % 150)}.${Math.floor(n / 150) % 256}.7.1`
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
}

/** What the tests check, per honest non-bootstrap node unless said otherwise. */
export interface HardeningFigures {
  honestNodes: number
  /**
   * Claims held per honest peer-store (median), and the new buckets they occupy (max over nodes; most of them
   * relayed by honest peers' `peers` answers, each relay's group reaching its own 64 buckets).
   */
  claimsStoredMedian: number
  claimBucketsMax: number
  /** Claims filed under the group they claim, over all honest stores (a store that guessed the source). */
  claimsUnderOwnGroup: number
  /** Claims filed as their claimant's own announcement under the attackers' real /16 (median per store). */
  claimsFromAttackersMedian: number
  /** Share of 100 x `selectForDial(8)` going to claims (median over nodes, and max). */
  claimPickShareMedian: number
  claimPickShareMax: number
  /** Routing-table contacts of honest nodes holding an address that is not their own (all honest tables). */
  plantedContacts: number
  /** Honest peers bound to an address that is not their own, over all honest peer-stores. */
  plantedStoreEntries: number
  /** Attacker contacts in one honest routing table (max, median). */
  attackerContactsMax: number
  attackerContactsMedian: number
  /** Outbound full-relay + block-relay peers: median count, and nodes whose peers repeat a /16. */
  outboundMedian: number
  outboundRepeatingSlash16: number
  /** Outbound connections to attackers at the end, all nodes. */
  attackerOutbound: number
  /** Restarted nodes that had anchors, and those whose anchors were all dialed before any table dial. */
  restartedWithAnchors: number
  anchorsFirst: number
  /** Lookups by three honest probers that found the true closest honest node. */
  lookups: number
  lookupSuccess: number
}

interface DialRecord {
  kind: DialKind | undefined
  address: string
  startedAt: number
  endedAt: number | undefined
}

/** A view of `node.network` for discovery that records every dial with its start and end. */
function recordingNetwork(node: SimNodeHandle, log: DialRecord[]): DiscoveryNetwork {
  const net = node.network
  return {
    get peerId() {
      return net.peerId
    },
    dial: (address, options) => {
      const rec: DialRecord = {
        kind: options?.kind,
        address,
        startedAt: node.clock.now(),
        endedAt: undefined,
      }
      log.push(rec)
      return net.dial(address, options).finally(() => {
        rec.endedAt = node.clock.now()
      })
    },
    request: (peerId, message, options) => net.request(peerId, message, options),
    handle: (type, handler) => net.handle(type, handler as never),
    datagramRequest: (address, message, options) => net.datagramRequest(address, message, options),
    canDatagram: (address) => net.canDatagram(address),
    handleDatagram: (type, handler) => net.handleDatagram(type, handler as never),
    disconnect: (peerId, reason, message) => net.disconnect(peerId, reason, message),
    peers: () => net.peers(),
    getPeer: (peerId) => net.getPeer(peerId),
    listenAddresses: () => net.listenAddresses(),
    addPersistentPeer: (address) => net.addPersistentPeer(address),
    on: ((event: never, fn: never) => net.on(event, fn)) as DiscoveryNetwork['on'],
    off: ((event: never, fn: never) => net.off(event, fn)) as DiscoveryNetwork['off'],
  }
}

/** Runs the scenario and measures it. */
export async function runHardeningScenario(p: HardeningParams): Promise<HardeningFigures> {
  const total = p.honest + p.attackers
  const isAttacker = (i: number): boolean => i >= p.honest
  const honestIds = new Map<number, { peerId: PeerId; nodeId: Uint8Array }>()
  const attackerIds = new Set<PeerId>()
  const stores = new Map<number, PeerStore>()
  const dhts = new Map<number, DiscoveryService>()
  const dbs = new Map<number, PeerStoreDatabase>()
  /** Dials of each honest incarnation, keyed `index/incarnation`. */
  const dials = new Map<string, DialRecord[]>()
  /** The block-relay peers each honest incarnation held when it went down (what it saves as anchors). */
  const savedAnchors = new Map<string, string[]>()
  const lookups: boolean[] = []
  const restartAt = Math.round(p.durationS * 0.5)
  const restarted = Array.from(
    { length: Math.floor((p.honest - BOOTSTRAP) / 4) },
    (_, i) => `n${BOOTSTRAP + 1 + i * 4}`,
  )
  let t0: number | undefined

  const scenario = defineScenario({
    name: 'discovery-hardening',
    duration: `${p.durationS}s`,
    nodes: {
      count: total,
      roles: { bootstrap: `n0..n${BOOTSTRAP - 1}` },
      startSpread: `${Math.min(10, p.durationS / 4)}s`,
      subnets: [{ nodes: `n${p.honest}..n${total - 1}`, cidr: ATTACKER_SUBNET }],
    },
    topology: { type: 'none' },
    links: { latency: { distribution: 'uniform', min: '10ms', max: '80ms' } },
    // the network's own per-/16 inbound cap (16) would keep most attackers out before discovery sees them;
    // raised so the scenario tests discovery's rules by themselves
    network: {
      maxOutboundFullRelay: p.outbound,
      maxOutboundBlockRelay: BLOCK_RELAY,
      maxInbound: 125,
      maxInboundPerNetGroup: 125,
    },
    // attackers announce their claims, and have the outbound slots to connect to all their targets
    networkFor: (node) =>
      isAttacker(node.index)
        ? {
            announce: Array.from({ length: CLAIMS }, (_, j) => claim(node.index - p.honest, j)),
            maxOutboundFullRelay: p.targetsPerAttacker,
            maxInbound: 16,
          }
        : undefined,
    faults: [
      { at: `${restartAt}s`, crash: restarted },
      { at: `${restartAt + 10}s`, restart: restarted },
    ],
    setup: async (node) => {
      t0 ??= node.clock.now()
      if (isAttacker(node.index)) return attack(node)
      honestIds.set(node.index, { peerId: node.peerId, nodeId: nodeIdOf(node.peerId) as Uint8Array })
      const hostOf = (address: string): string | undefined =>
        /^\d+(\.\d+){3}$/.test(address) ? address : (node.hostOf(address) ?? claimHost(address))
      const within = (cut: (ip: string) => string) => (address: string) => {
        const host = hostOf(address)
        return host === undefined ? undefined : cut(host)
      }
      // one database per node for the whole run: a restart finds its table and its anchors
      const db: PeerStoreDatabase = dbs.get(node.index) ?? new MemoryLevel<string, string>()
      dbs.set(node.index, db)
      const log: DialRecord[] = []
      dials.set(`${node.index}/${node.incarnation}`, log)
      const { store, discovery, stop } = await startSimDiscovery(node, {
        bootstrap: BOOTSTRAP,
        outbound: p.outbound,
        blockRelay: BLOCK_RELAY,
        groupOf: within(slash16),
        subnetOf: within(slash24),
        db,
        network: recordingNetwork(node, log),
      })
      stores.set(node.index, store)
      dhts.set(node.index, discovery)
      let probe: ReturnType<typeof node.clock.setInterval> | undefined
      if (node.index >= BOOTSTRAP && node.index < BOOTSTRAP + 3)
        probe = node.clock.setInterval(() => prober(node, discovery), 2_000)
      return () => {
        savedAnchors.set(
          `${node.index}/${node.incarnation}`,
          node.network
            .peers()
            .filter(
              (x) => x.direction === 'outbound' && x.kind === 'block-relay' && x.dialedAddress !== undefined,
            )
            .map((x) => x.dialedAddress as string),
        )
        if (probe !== undefined) node.clock.clearInterval(probe)
        stop()
      }
    },
  })

  /** Three honest probers look up random ids every 2 s from 40 % of the run on. */
  function prober(node: SimNodeHandle, discovery: DiscoveryService): void {
    if (node.clock.now() - (t0 ?? 0) < p.durationS * 400) return
    const target = new Uint8Array(32)
    for (let i = 0; i < 32; i++) target[i] = Math.floor(node.random.next() * 256)
    const truth = [...honestIds.values()]
      .filter((x) => x.peerId !== node.peerId)
      .sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))[0]?.peerId
    discovery.dht
      ?.findNode(target)
      .then((r) => lookups.push(r.closest.some((c) => c.peerId === truth)))
      .catch(() => lookups.push(false))
  }

  function attack(node: SimNodeHandle): () => void {
    attackerIds.add(node.peerId)
    // every find_node (over connections and datagrams): the honest nodes closest to the target, each "at"
    // this attacker's own address
    const planted = (target: Uint8Array) =>
      [...honestIds.values()]
        .sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))
        .slice(0, 16)
        .map((h) => ({ peerId: h.peerId, addrs: [node.address] }))
    const offFind = node.network.handle('find_node', (msg) => ({
      type: 'nodes',
      data: { nodes: planted(msg.data.target) },
    }))
    const offFindDatagram = node.network.handleDatagram('find_node', (msg, _from, reply) =>
      fittingNodes(planted(msg.data.target), reply),
    )
    const offPeers = node.network.handle('get_peers', () => ({ type: 'peers', data: { peers: [] } }))
    const targets: number[] = []
    while (targets.length < Math.min(p.targetsPerAttacker, p.honest - BOOTSTRAP)) {
      const j = BOOTSTRAP + Math.floor(node.random.next() * (p.honest - BOOTSTRAP))
      if (!targets.includes(j)) targets.push(j)
    }
    // (re)connect to the targets, and ask the connected ones a find_node: a node asking us is one our DHT
    // verifies (asks back) and admits if it answers
    const connect = () => {
      if (!node.network.isStarted()) return
      const connected = new Set(node.network.peers().map((x) => x.peerId))
      for (const j of targets) {
        const id = honestIds.get(j)?.peerId
        if (id === undefined || !connected.has(id)) {
          void node.network.dial(`memory://n${j}`, { kind: 'full-relay' }).catch(() => undefined)
          continue
        }
        const target = nodeIdOf(node.peerId) as Uint8Array
        void node.network.request(id, { type: 'find_node', data: { target } }).catch(() => undefined)
      }
    }
    const first = node.clock.setTimeout(connect, 500)
    const timer = node.clock.setInterval(connect, 5_000)
    return () => {
      node.clock.clearTimeout(first)
      node.clock.clearInterval(timer)
      offFind()
      offFindDatagram()
      offPeers()
    }
  }

  let figures:
    | Omit<HardeningFigures, 'restartedWithAnchors' | 'anchorsFirst' | 'lookups' | 'lookupSuccess'>
    | undefined
  await runScenario(scenario, {
    seed: p.seed,
    onEnd: (nodes: readonly SimNodeHandle[]) => {
      const honest = nodes.filter((n) => n.index >= BOOTSTRAP && !isAttacker(n.index))
      const own = new Map(nodes.map((n) => [n.peerId, n.address]))
      const allClaims = new Set<string>()
      for (let a = 0; a < p.attackers; a++) for (let j = 0; j < CLAIMS; j++) allClaims.add(claim(a, j))
      const perNode = honest.map((n) => {
        const store = stores.get(n.index) as PeerStore
        const buckets = new Set<number>()
        let stored = 0
        let underOwnGroup = 0
        let fromAttackers = 0
        for (const c of allClaims) {
          const info = store.getAddress(c)
          if (info === undefined) continue
          stored++
          for (const b of info.buckets) buckets.add(b)
          // filed under the group it claims (what a store that guessed the source did), or heard from its
          // claimant over a connection from the attackers' /16
          if (info.source.group === info.group) underOwnGroup++
          if (info.source.peerId === info.peerId && info.source.group === ATTACKER_GROUP) fromAttackers++
        }
        let picks = 0
        let claimPicks = 0
        for (let r = 0; r < 100; r++) {
          for (const cand of store.selectForDial(8)) {
            picks++
            if (allClaims.has(cand.address)) claimPicks++
          }
        }
        const contacts = dhts.get(n.index)?.dht?.table.contacts() ?? []
        const out = n.network
          .peers()
          .filter((x) => x.direction === 'outbound' && (x.kind === 'full-relay' || x.kind === 'block-relay'))
        return {
          stored,
          buckets: buckets.size,
          underOwnGroup,
          fromAttackers,
          share: claimPicks / Math.max(1, picks),
          attackerContacts: contacts.filter((c) => attackerIds.has(c.peerId)).length,
          out: out.length,
          repeats: new Set(out.map((x) => slash16(x.remoteHost))).size < out.length,
          attackerOut: out.filter((x) => attackerIds.has(x.peerId)).length,
        }
      })
      let plantedContacts = 0
      let plantedStoreEntries = 0
      for (const n of nodes.filter((x) => !isAttacker(x.index))) {
        for (const c of dhts.get(n.index)?.dht?.table.contacts() ?? []) {
          const address = own.get(c.peerId)
          if (!attackerIds.has(c.peerId) && c.addrs.some((a) => a !== address)) plantedContacts++
        }
        const store = stores.get(n.index)
        for (const h of honestIds.values()) {
          const addresses = store?.getPeer(h.peerId)?.addresses ?? []
          if (addresses.some((a) => a.address !== own.get(h.peerId))) plantedStoreEntries++
        }
      }
      figures = {
        honestNodes: honest.length,
        claimsStoredMedian: quantile(
          perNode.map((x) => x.stored),
          0.5,
        ),
        claimBucketsMax: Math.max(...perNode.map((x) => x.buckets)),
        claimsUnderOwnGroup: perNode.reduce((sum, x) => sum + x.underOwnGroup, 0),
        claimsFromAttackersMedian: quantile(
          perNode.map((x) => x.fromAttackers),
          0.5,
        ),
        claimPickShareMedian: quantile(
          perNode.map((x) => x.share),
          0.5,
        ),
        claimPickShareMax: Math.max(...perNode.map((x) => x.share)),
        plantedContacts,
        plantedStoreEntries,
        attackerContactsMax: Math.max(...perNode.map((x) => x.attackerContacts)),
        attackerContactsMedian: quantile(
          perNode.map((x) => x.attackerContacts),
          0.5,
        ),
        outboundMedian: quantile(
          perNode.map((x) => x.out),
          0.5,
        ),
        outboundRepeatingSlash16: perNode.filter((x) => x.repeats).length,
        attackerOutbound: perNode.reduce((s, x) => s + x.attackerOut, 0),
      }
    },
  })

  // anchors: in each restarted node's second incarnation, every anchor dial came before any table dial, and
  // the first full-relay dial started only once the anchor dials had ended
  let restartedWithAnchors = 0
  let anchorsFirst = 0
  for (const name of restarted) {
    const index = Number(name.slice(1))
    const anchors = savedAnchors.get(`${index}/0`) ?? []
    const log = dials.get(`${index}/1`) ?? []
    if (anchors.length === 0) continue
    restartedWithAnchors++
    const slotDials = log.filter((d) => d.kind === 'full-relay' || d.kind === 'block-relay')
    const anchorDials = slotDials.slice(0, anchors.length)
    const firstTable = slotDials.find((d) => d.kind === 'full-relay')
    const lastAnchorEnd = Math.max(...anchorDials.map((d) => d.endedAt ?? Number.POSITIVE_INFINITY))
    if (
      anchorDials.every((d) => d.kind === 'block-relay' && anchors.includes(d.address)) &&
      (firstTable === undefined || firstTable.startedAt >= lastAnchorEnd)
    ) {
      anchorsFirst++
    }
  }
  if (figures === undefined) throw new Error('the scenario did not end')
  return {
    ...figures,
    restartedWithAnchors,
    anchorsFirst,
    lookups: lookups.length,
    lookupSuccess: lookups.filter(Boolean).length / Math.max(1, lookups.length),
  }
}

/** The thresholds both sizes of the scenario check; each fails on the code before issue 11's fixes. */
export function expectHardened(f: HardeningFigures, p: HardeningParams): void {
  // 1: the attack reached the stores (each claim a peer's own announcement, from the attackers' /16), and
  // not one claim is filed under the group it claims
  expect(f.claimsFromAttackersMedian).toBeGreaterThan(64)
  expect(f.claimsUnderOwnGroup).toBe(0)
  // 3: no honest node is held at an address it did not prove, in any routing table or peer-store
  expect(f.plantedContacts).toBe(0)
  expect(f.plantedStoreEntries).toBe(0)
  // 4: the attackers' real /24 holds them to maxPerSubnetPerTable (10) contacts in any honest table
  expect(f.attackerContactsMax).toBeLessThanOrEqual(10)
  // 2: every restarted node with anchors dialed them before anything from its poisoned table
  expect(f.restartedWithAnchors).toBeGreaterThan(0)
  expect(f.anchorsFirst).toBe(f.restartedWithAnchors)
  // outbound sets: full, one peer per /16, no attacker
  expect(f.outboundMedian).toBe(p.outbound + BLOCK_RELAY)
  expect(f.outboundRepeatingSlash16).toBe(0)
  expect(f.attackerOutbound).toBe(0)
}

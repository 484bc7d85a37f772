/**
 * `ChainwireNode`: every chainwire package wired into one full node. It holds no protocol logic: network
 * (TCP + WebSocket) with the address book as gater and peer scoring as misbehaviour sink, discovery, relay
 * (validated by the chain), sync against the chain, NAT traversal, the miner and the validator.
 */
import {
  type Network as ChainNetwork,
  createChain,
  createNetwork as createChainNetwork,
  createSigner,
  devnet,
  devnetSecret,
  type FullChain,
  keyPairFromSecret,
} from '@chainwire/chain'
import { createDiscovery, type DiscoveryService } from '@chainwire/discovery'
import type { NodeRole } from '@chainwire/interface'
import { type Clock, isRoutable, parseHost, systemClock, type TimerHandle } from '@chainwire/interface'
import { createNatTraversal, type NatTraversal, RELAY_CAPABILITY } from '@chainwire/nat-traversal'
import { createNetwork, type Identity, type Network, type NetworkOptions } from '@chainwire/network'
import { createPeerScoring, type PeerScoring } from '@chainwire/peer-scoring'
import { createPeerStore, type PeerStore } from '@chainwire/peer-store'
import { createRelay, type Relay, type TopicOptions } from '@chainwire/relay'
import { createSync, SYNC_CAPABILITIES, type Sync } from '@chainwire/sync'
import type { NodeConfig } from './config/schema'
import { parseHostPort } from './config/schema'
import { DataDir } from './data-dir'
import { networkParamsFromJson, toHex } from './devnet/chain-params'
import type { NodeLogger } from './logger'
import type { PrometheusMetrics } from './metrics'
import { EventLog } from './wiring/events'
import { NodeGauges } from './wiring/gauges'
import { voteForwarder } from './wiring/light-votes'
import { BlockProducer, Validator } from './wiring/producer'
import { chainValidators, messageIds } from './wiring/validators'

/** The user agent announced in hellos. */
export const USER_AGENT = 'chainwire-node/0.1.0'
/** Peer-store metadata key of the peer-scoring snapshot. */
export const SCORES_METADATA_KEY = 'peer-scoring'
/** Block arrival delays kept for the dashboard. */
export const ARRIVAL_SAMPLES = 256

/** What a node is built from besides its configuration. */
export interface NodeComponents {
  logger: NodeLogger
  metrics: PrometheusMetrics
  /** @default systemClock */
  clock?: Clock
}

/** The chain parameters of a configuration (the devnet when none are given). */
export function chainNetworkOf(config: NodeConfig): ChainNetwork {
  return config.chain === null ? devnet : createChainNetwork(networkParamsFromJson(config.chain))
}

/** Whether a chain id names a development network (mDNS on, loopback addresses accepted). */
export function isDevNetwork(id: string): boolean {
  return /dev|local|test/.test(id)
}

/** A started full node. Build with {@link ChainwireNode.start}; stop with {@link ChainwireNode.stop}. */
export class ChainwireNode {
  readonly events: EventLog
  readonly arrivalDelaysMs: number[] = []
  readonly startedAt: number
  producer: BlockProducer | undefined
  private validator: Validator | undefined
  private readonly timers: TimerHandle[] = []
  private readonly detach: (() => void)[] = []
  private stopping: Promise<void> | undefined
  private minedHashes = new Set<string>()

  private constructor(
    readonly config: NodeConfig,
    readonly dataDir: DataDir,
    readonly identity: Identity,
    readonly chainNetwork: ChainNetwork,
    readonly chain: FullChain,
    readonly peerStore: PeerStore,
    readonly scoring: PeerScoring,
    readonly network: Network,
    readonly discovery: DiscoveryService,
    readonly relay: Relay,
    readonly sync: Sync,
    readonly nat: NatTraversal,
    readonly clock: Clock,
    readonly logger: NodeLogger,
    readonly metrics: PrometheusMetrics,
  ) {
    this.events = new EventLog(() => clock.now())
    this.startedAt = clock.now()
  }

  get peerId(): string {
    return this.network.peerId
  }

  /** Opens the data dir, builds every service and starts them in dependency order. */
  static async start(
    config: NodeConfig,
    dataDirPath: string,
    components: NodeComponents,
  ): Promise<ChainwireNode> {
    const clock = components.clock ?? systemClock
    const { logger, metrics } = components
    const chainNetwork = chainNetworkOf(config)
    const dataDir = DataDir.open(dataDirPath, chainNetwork.id)
    const opened: { stop(): unknown }[] = []
    try {
      const identity = await dataDir.identity()
      const log = (component: string) => logger.child({ component })
      const chain = createChain(
        { clock, logger: log('chain'), metrics },
        {
          network: chainNetwork,
          path: dataDir.file('chain'),
          mempool: { maxCount: config.limits.mempoolCount },
        },
      )
      await chain.start()
      opened.push(chain)
      const dev = isDevNetwork(chainNetwork.id)
      const peerStore = createPeerStore(
        { clock, logger: log('peer-store'), metrics },
        { path: dataDir.file('peers'), allowNonRoutable: dev, banDurationMs: config.scoring.banDurationMs },
      )
      await peerStore.start()
      opened.push(peerStore)
      const scoring = createPeerScoring({ clock, logger: log('peer-scoring'), metrics })
      const snapshot = peerStore.getMetadata(SCORES_METADATA_KEY)
      if (snapshot !== undefined) {
        try {
          scoring.restore(snapshot)
        } catch (err) {
          logger.warn({ err }, 'peer-scoring snapshot not restored')
        }
      }
      scoring.start()
      opened.push(scoring)
      const roles = config.roles.filter((r) => r !== 'relay') as NodeRole[]
      const tip = chain.tip()
      const networkOptions: NetworkOptions = {
        networkId: chainNetwork.id,
        listen: config.listen,
        roles: roles.length > 0 ? roles : ['full'],
        userAgent: USER_AGENT,
        capabilities: [...SYNC_CAPABILITIES, ...(config.roles.includes('relay') ? [RELAY_CAPABILITY] : [])],
        localStatus: { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work },
        persistentPeers: config.persistentPeers,
        maxConnections: config.limits.maxConnections,
        maxOutboundFullRelay: config.limits.maxOutbound,
        maxInboundPerIp: config.limits.maxInboundPerIp,
        maxInboundPerNetGroup: config.limits.maxInboundPerNetGroup,
        inboundRatePerIp: config.limits.inboundRatePerIp,
        inboundBurstPerIp: config.limits.inboundBurstPerIp,
        maxMessageSize: config.limits.maxMessageSize,
      }
      if (config.announce.length > 0) networkOptions.announce = config.announce
      const network = createNetwork(
        { identity, clock, logger: log('network'), metrics, gater: peerStore, misbehaviour: scoring },
        networkOptions,
      )
      const discovery = createDiscovery(
        { clock, network, peerStore, misbehaviour: scoring, logger: log('discovery'), metrics },
        {
          networkId: chainNetwork.id,
          networkKind: dev ? 'dev' : 'mainnet',
          bootstrap: { addresses: config.bootstrap },
          dns: { seeds: config.dnsSeeds },
          mdns: { enabled: config.mdns === 'on' || (config.mdns === 'auto' && dev) },
          dialer: { enabled: config.limits.maxOutbound > 0, outboundFullRelay: config.limits.maxOutbound },
        },
      )
      const validators = chainValidators(chain, voteForwarder(network))
      const topic = (name: 'blocks' | 'transactions'): TopicOptions => ({
        strategy: config.relay[name],
        validator: validators[name],
        messageId: messageIds[name] as TopicOptions['messageId'],
      })
      const relay = createRelay(
        {
          network,
          clock,
          logger: log('relay'),
          metrics,
          scores: scoring.view,
          misbehaviour: scoring,
          inventory: {
            get: (kind, hash) => {
              if (kind !== 'tx') return undefined
              const transaction = chain.getTransaction(hash)
              return transaction === undefined
                ? undefined
                : { type: 'new_transaction', data: { transaction } }
            },
          },
        },
        {
          // the relay's IP colocation penalty (gossipsub P6) tolerates as many peers from one IP as the network
          // admits inbound from it: beyond 4 (relay's default) it graylisted, then disconnected, peers that the
          // network's `maxInboundPerIp` had let in (every peer of a devnet or of a host behind one NAT)
          score: { ipColocationFactorThreshold: config.limits.maxInboundPerIp },
          topics: {
            blocks: topic('blocks'),
            transactions: topic('transactions'),
            consensus: { strategy: config.relay.consensus, validator: validators.consensus },
          },
        },
      )
      const sync = createSync(
        {
          network,
          chain,
          // compact block filters (BIP158) for light clients' watched keys
          filters: chain,
          clock,
          logger: log('sync'),
          metrics,
          misbehaviour: scoring,
          peerSource: {
            requestOutbound: () => discovery.dialer?.tick(),
            reconnectBootstrap: () => discovery.bootstrap.check(),
          },
        },
        { targetBlockTimeMs: chainNetwork.targetBlockTimeMs },
      )
      const stun = config.nat.stunServers.map((s) => parseHostPort(s) as { host: string; port: number })
      const nat = createNatTraversal(
        { network, identity, clock, logger: log('nat-traversal'), metrics },
        {
          stunServers: stun,
          portMapping: config.nat.portMapping ? {} : false,
          stunServer: config.nat.stunServerPort > 0 ? { port: config.nat.stunServerPort } : false,
          relayServer: config.roles.includes('relay')
            ? { circuitListen: `tcp://${listenHost(config)}:0` }
            : false,
        },
      )
      const node = new ChainwireNode(
        config,
        dataDir,
        identity,
        chainNetwork,
        chain,
        peerStore,
        scoring,
        network,
        discovery,
        relay,
        sync,
        nat,
        clock,
        logger,
        metrics,
      )
      opened.length = 0
      try {
        await node.startServices()
      } catch (err) {
        await node.stop()
        throw err
      }
      return node
    } catch (err) {
      for (const service of opened.reverse()) await service.stop()
      dataDir.close()
      throw err
    }
  }

  private async startServices(): Promise<void> {
    const { network, chain, scoring, peerStore, relay, sync, discovery, nat, config, clock, logger } = this
    this.wireEvents()
    new NodeGauges(this).attach(this.metrics)
    await network.start()
    relay.start()
    sync.start()
    await nat.start()
    await discovery.start()
    this.timers.push(
      clock.setInterval(() => {
        for (const peer of network.peers()) {
          if (peer.latencyMs !== undefined) scoring.updateLatency(peer.peerId, peer.latencyMs)
        }
      }, 10_000),
      clock.setInterval(() => this.saveScores(), config.scoring.snapshotIntervalMs),
    )
    if (config.validator.key !== '') {
      const secret = config.validator.key.startsWith('devnet:')
        ? devnetSecret(`validator ${Number(config.validator.key.slice(7))}`)
        : new Uint8Array(Buffer.from(config.validator.key, 'hex'))
      this.validator = new Validator(
        {
          chain,
          relay,
          logger: logger.child({ component: 'validator' }),
          networkId: this.chainNetwork.id,
          onVote: voteForwarder(network),
        },
        createSigner(keyPairFromSecret(secret)),
      )
      this.validator.start()
    }
    if (config.mining.enabled) {
      const key =
        config.mining.address !== ''
          ? new Uint8Array(Buffer.from(config.mining.address, 'hex'))
          : keyPairFromSecret(this.dataDir.walletSecret()).publicKey
      this.producer = new BlockProducer(
        {
          chain,
          relay,
          sync,
          clock,
          logger: logger.child({ component: 'miner' }),
          onMined: (b) => {
            this.minedHashes.add(toHex(b.hash))
            if (this.minedHashes.size > 64)
              this.minedHashes.delete(this.minedHashes.values().next().value as string)
            this.events.push('mined', { hash: toHex(b.hash), height: b.height })
            logger.info({ component: 'miner', height: b.height, hash: toHex(b.hash) }, 'mined block')
          },
        },
        key,
        config.mining.intervalMs,
      )
      this.producer.start()
    }
    void peerStore
    logger.info(
      {
        component: 'node',
        peerId: network.peerId,
        listen: network.listenAddresses(),
        height: chain.tip().height,
      },
      'node started',
    )
  }

  private wireEvents(): void {
    const { network, chain, scoring, peerStore, sync, nat, events, logger, config } = this
    const on = <E extends { on: Function; off: Function }>(
      emitter: E,
      name: string,
      f: (...a: never[]) => void,
    ) => {
      emitter.on(name, f)
      this.detach.push(() => emitter.off(name, f))
    }
    const connLog = logger.child({ component: 'connection' })
    on(network, 'peer:connected', ({ peer }: { peer: import('@chainwire/network').PeerInfo }) => {
      scoring.peerConnected(peer.peerId)
      connLog.info(
        { peerId: peer.peerId, direction: peer.direction, kind: peer.kind, address: peer.remoteAddress },
        'peer connected',
      )
      events.push('peer:connected', {
        peerId: peer.peerId,
        direction: peer.direction,
        kind: peer.kind,
        address: peer.remoteAddress,
      })
    })
    on(network, 'peer:disconnected', (e: import('@chainwire/network').PeerDisconnectedEvent) => {
      scoring.peerDisconnected(e.peer.peerId)
      connLog.info({ peerId: e.peer.peerId, reason: e.reason, initiator: e.initiator }, 'peer disconnected')
      events.push('peer:disconnected', { peerId: e.peer.peerId, reason: e.reason, initiator: e.initiator })
    })
    on(network, 'peer:misbehaved', (e: import('@chainwire/network').PeerMisbehavedEvent) => {
      logger
        .child({ component: 'security' })
        .warn({ peerId: e.peerId, behaviour: e.behaviour, detail: e.detail }, 'peer misbehaved')
    })
    on(network, 'connection:rejected', (e: import('@chainwire/network').ConnectionRejectedEvent) => {
      connLog.debug({ address: e.remoteAddress, reason: e.reason, peerId: e.peerId }, 'connection rejected')
    })
    on(scoring, 'peer:banned', ({ peerId }: { peerId: string }) => {
      const peer = network.getPeer(peerId)
      peerStore.ban(peerId, config.scoring.banDurationMs, 'peer score crossed the ban threshold')
      const host = peer === undefined ? undefined : parseHost(peer.remoteHost)
      if (peer !== undefined && host !== undefined && isRoutable(host)) peerStore.discourage(peer.remoteHost)
      logger.child({ component: 'security' }).warn({ peerId, address: peer?.remoteAddress }, 'peer banned')
      events.push('peer:banned', { peerId, reason: 'score' })
      if (peer !== undefined) void network.disconnect(peerId, 'misbehaviour', 'banned').catch(() => undefined)
    })
    const chainLog = logger.child({ component: 'chain' })
    on(chain, 'tip', (tip: { hash: Uint8Array; height: number; work: bigint }) => {
      network.updateLocalStatus({ bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work })
    })
    on(
      chain,
      'block:connected',
      (e: { hash: Uint8Array; height: number; block: import('@chainwire/protocol-codec').Block }) => {
        const hash = toHex(e.hash)
        const ours = this.minedHashes.has(hash)
        const delay = Math.max(0, this.clock.now() - e.block.header.timestamp)
        if (!ours && sync.state() !== 'headers' && sync.state() !== 'blocks') {
          this.arrivalDelaysMs.push(delay)
          if (this.arrivalDelaysMs.length > ARRIVAL_SAMPLES) this.arrivalDelaysMs.shift()
          this.arrivalHistogram.observe(delay)
        }
        chainLog.debug({ height: e.height, hash, txs: e.block.transactions.length }, 'block connected')
        events.push('block', {
          hash,
          height: e.height,
          txs: e.block.transactions.length,
          delayMs: delay,
          ours,
        })
      },
    )
    on(chain, 'reorg', (e: import('@chainwire/chain').ReorgEvent) => {
      chainLog.info({ depth: e.depth, fork: e.fork.height }, 'reorg')
      events.push('reorg', {
        depth: e.depth,
        forkHeight: e.fork.height,
        removed: e.removed.map(toHex),
        added: e.added.map(toHex),
      })
    })
    on(chain, 'finalized', (e: { hash: Uint8Array; height: number }) => {
      events.push('finalized', { hash: toHex(e.hash), height: e.height })
    })
    on(chain, 'mempool:added', (e: { hash: Uint8Array }) => {
      events.push('tx', { hash: toHex(e.hash) })
    })
    const syncLog = logger.child({ component: 'sync' })
    on(sync, 'state', (e: { from: string; to: string }) => {
      syncLog.info(e, 'sync state')
      events.push('sync:state', e)
    })
    on(sync, 'progress', (p: import('@chainwire/sync').SyncProgress) => {
      events.push('sync:progress', { ...p })
    })
    on(sync, 'partition:suspected', (e: import('@chainwire/sync').PartitionSuspectedEvent) => {
      syncLog.warn({ reasons: e.reasons }, 'partition suspected')
      events.push('partition', { suspected: true, reasons: [...e.reasons] })
    })
    on(sync, 'partition:recovered', (e: { durationMs: number }) => {
      events.push('partition', { suspected: false, durationMs: e.durationMs })
    })
    on(nat, 'reachability:changed', (e: { status: string }) => {
      events.push('reachability', { status: e.status })
    })
  }

  private get arrivalHistogram() {
    return this.metrics.histogram({
      name: 'node_block_arrival_delay_ms',
      help: 'Delay from a block header timestamp to its connection here, for blocks mined elsewhere (ms)',
      buckets: [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000],
    })
  }

  private saveScores(): void {
    try {
      this.peerStore.putMetadata(SCORES_METADATA_KEY, this.scoring.snapshot())
    } catch (err) {
      this.logger.warn({ err }, 'peer-scoring snapshot not saved')
    }
  }

  /** Stops every service (the reverse of start), saves scores, closes the stores and the data dir. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll()
    return this.stopping
  }

  private async stopAll(): Promise<void> {
    const step = async (name: string, f: () => unknown) => {
      try {
        await f()
      } catch (err) {
        this.logger.error({ err, component: 'node' }, `stopping ${name} failed`)
      }
    }
    for (const t of this.timers.splice(0)) this.clock.clearInterval(t)
    await step('miner', () => this.producer?.stop())
    this.validator?.stop()
    await step('discovery', () => this.discovery.stop())
    await step('nat-traversal', () => this.nat.stop())
    this.sync.stop()
    this.relay.stop()
    await step('network', () => this.network.stop())
    for (const f of this.detach.splice(0)) f()
    this.saveScores()
    this.scoring.stop()
    await step('peer-store', () => this.peerStore.stop())
    await step('chain', () => this.chain.stop())
    this.dataDir.close()
    this.logger.info({ component: 'node' }, 'node stopped')
  }
}

function listenHost(config: NodeConfig): string {
  for (const a of config.listen) {
    const m = /^tcp:\/\/([^/]+):[0-9]+/.exec(a)
    if (m !== null) return m[1] as string
  }
  return '0.0.0.0'
}

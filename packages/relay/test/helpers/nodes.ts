import type { NodeRole } from '@chainwire/interface'
import { ManualClock, seededRandom } from '@chainwire/interface/testing'
import {
  createIdentity,
  createMemoryNetwork,
  createMemoryTransport,
  createNetwork,
  type MemoryNetwork,
  type Network,
} from '@chainwire/network'
import {
  createRelay,
  type Relay,
  type RelayComponents,
  type RelayedMessage,
  type RelayOptions,
} from '../../src/index'

/** One node of a multi-node test: a real network on the memory transport and its relay. */
export interface TestNode {
  readonly name: string
  readonly network: Network
  readonly relay: Relay
  /** Messages its relay delivered, in order. */
  readonly got: RelayedMessage[]
}

/** Real networks on one memory network and one manual clock, each with a relay. */
export class TestCluster {
  readonly clock = new ManualClock({ start: Date.now() })
  readonly memory: MemoryNetwork = createMemoryNetwork()
  readonly nodes: TestNode[] = []

  async add(
    name: string,
    options: RelayOptions = {},
    o: { roles?: NodeRole[]; components?: Partial<RelayComponents> } = {},
  ): Promise<TestNode> {
    const network = createNetwork(
      {
        identity: createIdentity(),
        clock: this.clock,
        transports: [createMemoryTransport({ network: this.memory }, { label: name })],
      },
      { networkId: 'chainwire-relay-test', listen: [`memory://${name}`], roles: o.roles ?? ['full'] },
    )
    await network.start()
    const relay = createRelay(
      { network, clock: this.clock, random: seededRandom(this.nodes.length + 1), ...o.components },
      options,
    )
    relay.start()
    const node: TestNode = { name, network, relay, got: [] }
    relay.on('message', (m) => node.got.push(m))
    this.nodes.push(node)
    return node
  }

  /** `a` dials `b` and both relays exchange subscriptions. */
  async connect(a: TestNode, b: TestNode): Promise<void> {
    await a.network.dial(`memory://${b.name}`)
    await this.settle()
  }

  /** Lets deliveries (nextTick) and promise chains run without moving the clock. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 2))
  }

  /** Moves the clock in steps, settling after each. */
  async advance(ms: number, step = 250): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      await this.clock.advanceAsync(Math.min(step, ms - t))
      await this.settle()
    }
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) n.relay.stop()
    await Promise.all(this.nodes.map((n) => n.network.stop()))
  }
}

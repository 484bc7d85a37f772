/**
 * Real chainwire nodes for sync's tests: the real network (Noise, hello, request/response) over the memory
 * transport, each with a real `@chainwire/chain` full chain (memory-level) and a sync, on one ManualClock.
 */
import type { FullChain } from '@chainwire/chain'
import { ManualClock } from '@chainwire/interface/testing'
import {
  createIdentity,
  createMemoryNetwork,
  createMemoryTransport,
  createNetwork,
  type MemoryNetwork,
  type Network,
  type NetworkOptions,
} from '@chainwire/network'
import type { PeerBehaviour } from '@chainwire/peer-scoring'
import { createSync, SYNC_CAPABILITIES, type Sync, type SyncOptionsInit } from '../../src/index'
import { NOW } from './chain'

export interface Report {
  peerId: string
  behaviour: PeerBehaviour
  detail: string | undefined
}

export interface TestNode {
  name: string
  network: Network
  sync: Sync
  chain: FullChain
  reports: Report[]
}

export interface World {
  memory: MemoryNetwork
  clock: ManualClock
}

const started: TestNode[] = []

/** A world: one memory network, one manual clock. */
export function world(): World {
  return { memory: createMemoryNetwork(), clock: new ManualClock({ start: NOW }) }
}

/** Starts a node named `name` on `chain` (which the node stops with the others). */
export async function node(
  w: World,
  name: string,
  chain: FullChain,
  options: {
    sync?: SyncOptionsInit
    network?: NetworkOptions
    startSync?: boolean
    /** Serve the chain's compact block filters. @default true */
    filters?: boolean
  } = {},
): Promise<TestNode> {
  const tip = chain.tip()
  const network = createNetwork(
    {
      identity: createIdentity(),
      clock: w.clock,
      transports: [createMemoryTransport({ network: w.memory })],
    },
    {
      listen: [`memory://${name}`],
      capabilities: [...SYNC_CAPABILITIES],
      localStatus: { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work },
      ...options.network,
    },
  )
  await network.start()
  const reports: Report[] = []
  const sync = createSync(
    {
      network,
      chain,
      filters: options.filters === false ? undefined : chain,
      clock: w.clock,
      misbehaviour: {
        report: (peerId, behaviour, o) => reports.push({ peerId, behaviour, detail: o?.detail }),
      },
    },
    options.sync,
  )
  if (options.startSync !== false) sync.start()
  const n = { name, network, sync, chain, reports }
  started.push(n)
  return n
}

/** Stops every node started by {@link node}: sync, network, then the chain. */
export async function stopAll(): Promise<void> {
  for (const n of started.splice(0)) {
    n.sync.stop()
    await n.network.stop()
    await n.chain.stop()
  }
}

/** Lets memory-transport deliveries, store writes and promise chains settle without moving the clock. */
export const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 2))

/** Advances the clock in steps, letting I/O settle, until `condition` holds (fails after `maxMs` virtual). */
export async function until(
  clock: ManualClock,
  condition: () => boolean,
  maxMs = 120_000,
  stepMs = 50,
): Promise<void> {
  for (let spent = 0; !condition(); spent += stepMs) {
    if (spent > maxMs) throw new Error(`condition not met within ${maxMs} ms of virtual time`)
    await clock.advanceAsync(stepMs)
    await flush()
  }
}

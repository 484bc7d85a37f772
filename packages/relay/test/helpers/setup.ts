import type { PeerId } from '@chainwire/interface'
import { ManualClock, seededRandom, testPeerId } from '@chainwire/interface/testing'
import {
  createRelay,
  type Relay,
  type RelayBehaviour,
  type RelayComponents,
  type RelayOptions,
} from '../../src/index'
import { FakeNetwork, type FakePeerOptions } from './fake-network'
import { subscribe } from './messages'

/** A relay under test on a fake network and a manual clock, with a recording misbehaviour sink. */
export interface Harness {
  readonly relay: Relay
  readonly net: FakeNetwork
  readonly clock: ManualClock
  readonly reports: { peerId: PeerId; behaviour: RelayBehaviour; detail: string | undefined }[]
  /** Connects `n` peers (ids from `seed`), each subscribed to `topics`; returns their ids. */
  peers(n: number, topics?: string[], o?: FakePeerOptions & { seed?: number }): PeerId[]
  /** Reports of one behaviour about one peer. */
  reported(peerId: PeerId, behaviour: RelayBehaviour): number
}

let seedBase = 1

/** Builds and starts a relay on a fake network. */
export function harness(options: RelayOptions = {}, components: Partial<RelayComponents> = {}): Harness {
  const clock = new ManualClock()
  const net = new FakeNetwork()
  const reports: Harness['reports'] = []
  const relay = createRelay(
    {
      network: net,
      clock,
      random: seededRandom(7),
      misbehaviour: {
        report: (peerId, behaviour, o) => reports.push({ peerId, behaviour, detail: o?.detail }),
      },
      ...components,
    },
    options,
  )
  relay.start()
  return {
    relay,
    net,
    clock,
    reports,
    peers(n, topics = ['blocks', 'transactions', 'consensus'], o = {}) {
      const ids: PeerId[] = []
      for (let i = 0; i < n; i++) {
        const id = testPeerId((o.seed ?? seedBase++ * 1_000) + i)
        net.connect(id, o)
        if (topics.length > 0) void net.deliver(id, subscribe(...topics))
        ids.push(id)
      }
      return ids
    },
    reported(peerId, behaviour) {
      return reports.filter((r) => r.peerId === peerId && r.behaviour === behaviour).length
    },
  }
}

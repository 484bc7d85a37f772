import { systemClock } from '@chainwire/interface'
import { createIdentity, createMemoryNetwork, createMemoryTransport, createNetwork } from '@chainwire/network'
import { createPeerScoring } from '@chainwire/peer-scoring'
import type { Block, Message } from '@chainwire/protocol-codec'
import { createRelay, type RelayedMessage } from '@chainwire/relay'

const memory = createMemoryNetwork()

async function node(name: string) {
  const network = createNetwork(
    { identity: createIdentity(), transports: [createMemoryTransport({ network: memory }, { label: name })] },
    { networkId: 'readme', listen: [`memory://${name}`] },
  )
  await network.start()
  const scoring = createPeerScoring({ clock: systemClock })
  const relay = createRelay(
    { network, scores: scoring.view, misbehaviour: scoring },
    {
      relayMode: 'gossip',
      gossip: { heartbeatIntervalMs: 100 },
      topics: {
        // the chain's checks go here; this one refuses blocks at height 0 (a genesis is never announced)
        blocks: {
          validator: (m) =>
            m.message?.type === 'new_block' && m.message.data.block.header.height > 0 ? 'accept' : 'reject',
        },
        transactions: {},
      },
    },
  )
  relay.start()
  const got: string[] = []
  relay.on('message', (m: RelayedMessage) => {
    if (m.message?.type === 'new_block') got.push(`new_block ${m.message.data.block.header.height}`)
  })
  return { network, relay, scoring, got }
}

const block = (height: number): Block => ({
  header: {
    version: 1,
    height,
    prevHash: new Uint8Array(32),
    merkleRoot: new Uint8Array(32),
    timestamp: Date.now(),
    bits: 0x1d00ffff,
    nonce: 0,
  },
  transactions: [],
})

// alice - bob - carol in a line; mallory talks to bob
const [alice, bob, carol, mallory] = [
  await node('alice'),
  await node('bob'),
  await node('carol'),
  await node('mallory'),
]
await alice.network.dial('memory://bob')
await carol.network.dial('memory://bob')
await mallory.network.dial('memory://bob')
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
await wait(300) // subscriptions exchanged, meshes grafted at the first heartbeats

let rejected = 0
bob.relay.on('message:rejected', () => rejected++)
// mallory sends an invalid block straight from its network: bob rejects it before relaying anything
const bad: Message = { type: 'new_block', data: { block: block(0) } }
await mallory.network.send(bob.network.peerId, bad)
alice.relay.publish('blocks', { type: 'new_block', data: { block: block(1) } })
// a direct message to a peer alice is not connected to, relayed by bob
const direct = new Promise<string>((resolve) =>
  carol.relay.on('direct', (m) => resolve(Buffer.from(m.payload).toString())),
)
alice.relay.sendDirect(carol.network.peerId, new TextEncoder().encode('hello carol'))
await wait(300)

export const result = {
  carolGot: carol.got,
  bobGot: bob.got,
  rejected,
  malloryReported: bob.scoring.explain(mallory.network.peerId).events.map((e) => e.kind),
  direct: await direct,
}
for (const n of [alice, bob, carol, mallory]) {
  n.relay.stop()
  await n.network.stop()
}

/*
 * The 100 peers of the relay event-loop benchmark, in a process of their own (see `network/child.ts`), so
 * the hub's event loop measures the hub alone: real networks on TCP over loopback that dial the hub,
 * subscribe to its topics and then send it a message load. Each message is sent by several peers, as a
 * node in a gossip mesh gets a message from several of its mesh peers.
 */
import { performance } from 'node:perf_hooks'
import { seededRandom } from '@chainwire/interface/testing'
import { createIdentity, createNetwork, createTcpTransport, type Network } from '@chainwire/network'
import type { Message, Transaction } from '@chainwire/protocol-codec'
import { BENCH_LIMITS } from '../network/limits'
import { serveOps } from '../network/serve'

/** The load the peers send, per second of wall time, for `durationMs`. */
export interface RelayLoad {
  readonly durationMs: number
  /** Distinct transactions per second. */
  readonly txPerSecond: number
  readonly txBytes: number
  /** Distinct consensus votes per second. */
  readonly votesPerSecond: number
  /** A block every this many ms (the first after one period). */
  readonly blockEveryMs: number
  readonly blockBytes: number
  /** Peers that send each message (the first copy and the duplicates). */
  readonly copies: number
}

const TOPICS = ['blocks', 'transactions', 'consensus']
const ZERO32 = new Uint8Array(32)
const ZERO64 = new Uint8Array(64)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let peers: Network[] = []
let hubId = ''
let nonce = 0
/** Block heights and vote numbers go on across loads (a warm-up, then the measured load): no repeats. */
let height = 1
let voteSeq = 0
const random = seededRandom(7)

const transaction = (dataBytes: number): Transaction => {
  const n = nonce++
  return {
    version: 1,
    from: ZERO32,
    to: new Uint8Array(32).fill(n % 256),
    amount: BigInt(n),
    fee: 1n,
    nonce: n,
    data: new Uint8Array(dataBytes),
    signature: ZERO64,
  }
}

const block = (height: number, bytes: number): Message => {
  const transactions: Transaction[] = []
  for (let left = bytes; left > 0; left -= 1_000) transactions.push(transaction(1_000 - 200))
  return {
    type: 'new_block',
    data: {
      block: {
        header: {
          version: 1,
          height,
          prevHash: ZERO32,
          merkleRoot: new Uint8Array(32).fill(height % 256),
          timestamp: Date.now(),
          bits: 0,
          nonce: height,
        },
        transactions,
      },
    },
  }
}

/** Sends one message from `copies` distinct random peers. */
function spread(message: Message, copies: number): number {
  let sent = 0
  const start = Math.floor(random() * peers.length)
  for (let i = 0; i < copies; i++) {
    const p = peers[(start + i * 7) % peers.length] as Network
    if (p.trySend(hubId, message)) sent++
  }
  return sent
}

serveOps<Record<string, unknown>>({
  /** Starts `count` peers, dials the hub at `address` and subscribes each to the 3 topics. */
  start: async (args) => {
    hubId = args.hubId as string
    const count = args.count as number
    for (let i = 0; i < count; i++) {
      const network = createNetwork(
        { identity: createIdentity(), transports: [createTcpTransport()] },
        { networkId: args.networkId as string, ...BENCH_LIMITS },
      )
      await network.start()
      await network.dial(args.address as string)
      const topics = TOPICS.map((topic) => ({ topic, subscribed: true }))
      network.trySend(hubId, { type: 'subscribe', data: { topics } })
      peers.push(network)
    }
    return peers.length
  },

  /** Sends the load (in 100 ms ticks); returns the messages sent and dropped by full send queues. */
  load: async (args) => {
    const load = args as unknown as RelayLoad
    const started = performance.now()
    let sent = 0
    let dropped = 0
    let blocks = 0
    let nextBlock = started + load.blockEveryMs
    let due = { tx: 0, votes: 0 }
    for (let tick = 1; performance.now() - started < load.durationMs; tick++) {
      const elapsed = performance.now() - started
      const txTarget = Math.floor((elapsed / 1_000) * load.txPerSecond)
      const voteTarget = Math.floor((elapsed / 1_000) * load.votesPerSecond)
      for (; due.tx < txTarget; due.tx++) {
        const s = spread(
          { type: 'new_transaction', data: { transaction: transaction(load.txBytes) } },
          load.copies,
        )
        sent += s
        dropped += load.copies - s
      }
      for (; due.votes < voteTarget; due.votes++) {
        const n = voteSeq++
        const validator = new Uint8Array(32).fill(n % 100)
        const vote: Message = {
          type: 'consensus_vote',
          data: { height: n, round: 0, step: 'prevote', validator, signature: ZERO64 },
        }
        const s = spread(vote, load.copies)
        sent += s
        dropped += load.copies - s
      }
      if (performance.now() >= nextBlock) {
        const s = spread(block(height++, load.blockBytes), load.copies)
        blocks++
        sent += s
        dropped += load.copies - s
        nextBlock += load.blockEveryMs
      }
      await sleep(Math.max(0, started + tick * 100 - performance.now()))
    }
    due = { tx: 0, votes: 0 }
    return { sent, dropped, blocks }
  },

  close: async () => {
    await Promise.all(peers.map((p) => p.stop().catch(() => {})))
    peers = []
  },
})

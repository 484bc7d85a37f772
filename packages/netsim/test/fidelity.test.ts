import {
  createMemoryNetwork,
  createMemoryTransport,
  createNetwork,
  identityFromPrivateKey,
  type Network,
} from '@chainwire/network'
import { encode, FRAME_HEADER_BYTES, type Message } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import { Random, Scheduler, SimClock, SimNetwork } from '../src/index'
import { uniformLinks } from './helpers/links'

const LATENCY_MS = 50
const BANDWIDTH = 1_000_000
/** Noise transport message: 2-byte length prefix and 16-byte tag, per at most 65,519 plaintext bytes. */
const NOISE_PREFIX = 2
const NOISE_TAG = 16
const NOISE_PLAINTEXT = 65_535 - NOISE_TAG

/** Two real @chainwire/network nodes on one simulated link of 50 ms and 1 MB/s. */
async function twoNodes() {
  const scheduler = new Scheduler()
  const model = uniformLinks(2, {
    latency: { distribution: 'fixed', value: LATENCY_MS },
    bandwidth: BANDWIDTH,
  })
  const bytesOut = [0, 0]
  const simnet = new SimNetwork({
    scheduler,
    model,
    random: new Random(2),
    traffic: {
      sent: (n, b) => {
        bytesOut[n] = (bytesOut[n] as number) + b
      },
      received: () => {},
      retransmitted: () => {},
    },
  })
  const memory = createMemoryNetwork({ scheduler: simnet })
  const nodes: Network[] = []
  for (let i = 0; i < 2; i++) {
    const transport = createMemoryTransport({ network: memory }, { label: `n${i}` })
    simnet.attach(transport.endpoint, i)
    const random = new Random(10 + i)
    nodes.push(
      createNetwork(
        {
          identity: identityFromPrivateKey(new Uint8Array(32).fill(i + 1)),
          clock: new SimClock(scheduler),
          transports: [transport],
          random: () => random.next(),
        },
        { listen: [`memory://n${i}`], networkId: 'fidelity' },
      ),
    )
  }
  const [a, b] = nodes as [Network, Network]
  await Promise.all([a.start(), b.start()])
  const dialed = a.dial('memory://n1')
  await scheduler.run(2_000)
  await dialed
  return { scheduler, simnet, a, b, bytesOut }
}

function transaction(dataBytes: number, nonce: number): Message {
  return {
    type: 'new_transaction',
    data: {
      transaction: {
        version: 1,
        from: new Uint8Array(32),
        to: new Uint8Array(32),
        amount: 0n,
        fee: 0n,
        nonce,
        data: new Uint8Array(dataBytes),
        signature: new Uint8Array(64),
      },
    },
  }
}

describe('fidelity through a real network connection (Noise XX, framing)', () => {
  it('delivers a message after 50 ms + wire bytes / bandwidth, the wire bytes being the message plus its overhead', async () => {
    const { scheduler, a, b, bytesOut } = await twoNodes()
    const arrivals: { at: number; size: number }[] = []
    b.on('message:new_transaction', (ev) => arrivals.push({ at: scheduler.nowMs(), size: ev.size }))
    for (const dataBytes of [100, 20_000, 50_000]) {
      arrivals.length = 0
      const message = transaction(dataBytes, dataBytes)
      const payload = encode(message).byteLength
      const before = bytesOut[0] as number
      const t0 = scheduler.nowMs()
      await a.send(b.peerId, message)
      await scheduler.run(t0 + 1_000)
      expect(arrivals).toHaveLength(1)
      const wire = (bytesOut[0] as number) - before
      const framed = payload + FRAME_HEADER_BYTES
      const noiseMessages = Math.ceil(framed / NOISE_PLAINTEXT)
      // The bytes on the wire are the framed message plus Noise's prefix and tag per transport message.
      expect(arrivals[0]?.size).toBe(payload)
      expect(wire).toBe(framed + noiseMessages * (NOISE_PREFIX + NOISE_TAG))
      // It arrives exactly one latency after its last byte left: 50 ms + wire / 1 MB/s.
      expect(arrivals[0]?.at).toBeCloseTo(t0 + LATENCY_MS + (wire / BANDWIDTH) * 1_000, 6)
    }
    await Promise.all([a.stop(), b.stop(), scheduler.run(scheduler.nowMs() + 5_000)])
  })

  it('measures a ping round trip of two latencies', async () => {
    const { scheduler, a, b } = await twoNodes()
    const rtt = a.ping(b.peerId)
    await scheduler.run(scheduler.nowMs() + 1_000)
    // Serialization of the small ping and pong frames at 1 MB/s adds well under 1 ms; now() is whole ms.
    expect(await rtt).toBeGreaterThanOrEqual(2 * LATENCY_MS)
    expect(await rtt).toBeLessThanOrEqual(2 * LATENCY_MS + 1)
    await Promise.all([a.stop(), b.stop(), scheduler.run(scheduler.nowMs() + 5_000)])
  })

  it('delivers nothing over a cut link and resumes when it heals', async () => {
    const { scheduler, simnet, a, b } = await twoNodes()
    const arrivals: number[] = []
    b.on('message:new_transaction', (ev) => arrivals.push(ev.message.data.transaction.nonce))
    simnet.cut([0], [1])
    const t0 = scheduler.nowMs()
    await a.send(b.peerId, transaction(10, 1))
    await a.send(b.peerId, transaction(10, 2))
    await scheduler.run(t0 + 20_000)
    expect(arrivals).toEqual([])
    simnet.heal([0], [1])
    await scheduler.run(t0 + 21_000)
    expect(arrivals).toEqual([1, 2])
    expect(a.getPeer(b.peerId)).toBeDefined()
    await Promise.all([a.stop(), b.stop(), scheduler.run(scheduler.nowMs() + 5_000)])
  })
})

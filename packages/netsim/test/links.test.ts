import type { Duplex } from 'node:stream'
import {
  createMemoryNetwork,
  createMemoryTransport,
  type MemoryTransport,
  type RawConnection,
} from '@chainwire/network'
import { describe, expect, it } from 'vitest'
import {
  LinkModel,
  Random,
  retransmitTimeoutMs,
  Scheduler,
  SerialQueue,
  SimNetwork,
  serializationNs,
} from '../src/index'
import type { LinkSpec } from '../src/scenario/types'
import { linkSpec, uniformLinks } from './helpers/links'

/** Two (or more) memory transports on a simulated network, and the bytes each node sent and received. */
function world(link: Partial<LinkSpec> = {}, nodes = 2) {
  const scheduler = new Scheduler()
  const model = uniformLinks(nodes, link, new Random(1).fork('latency'))
  const traffic = { sent: [0, 0, 0], received: [0, 0, 0], retransmits: 0 }
  const simnet = new SimNetwork({
    scheduler,
    model,
    random: new Random(1).fork('chunks'),
    traffic: {
      sent: (n, b) => {
        traffic.sent[n] = (traffic.sent[n] as number) + b
      },
      received: (n, b) => {
        traffic.received[n] = (traffic.received[n] as number) + b
      },
      retransmitted: () => {
        traffic.retransmits++
      },
    },
  })
  const memory = createMemoryNetwork({ scheduler: simnet })
  const transports: MemoryTransport[] = []
  for (let i = 0; i < nodes; i++) {
    const t = createMemoryTransport({ network: memory }, { label: `n${i}` })
    simnet.attach(t.endpoint, i)
    transports.push(t)
  }
  return { scheduler, simnet, memory, transports, traffic }
}

/** Dials n1 from n0 and returns both ends once connected, with the time the dial took. */
async function connect(w: ReturnType<typeof world>, from = 0, to = 1) {
  const accepted: RawConnection[] = []
  await (w.transports[to] as MemoryTransport).listen(`memory://n${to}`, (c) => accepted.push(c))
  const start = w.scheduler.nowMs()
  let connectedAt = -1
  const dial = (w.transports[from] as MemoryTransport)
    .dial(`memory://n${to}`, { signal: new AbortController().signal })
    .then((c) => {
      connectedAt = w.scheduler.nowMs()
      return c
    })
  await w.scheduler.run(start + 1_000)
  const dialer = await dial
  return { dialer, listener: accepted[0] as RawConnection, dialMs: connectedAt - start }
}

/** Records when each chunk reaches `stream`. */
function arrivals(w: ReturnType<typeof world>, stream: Duplex): { at: number; bytes: number }[] {
  const out: { at: number; bytes: number }[] = []
  stream.on('data', (chunk: Uint8Array) => out.push({ at: w.scheduler.nowMs(), bytes: chunk.byteLength }))
  return out
}

describe('link math', () => {
  it('serializes a chunk in size / bandwidth, in integer nanoseconds', () => {
    expect(serializationNs(1_000, 1_000_000)).toBe(1_000_000)
    expect(serializationNs(3, 7)).toBe(428_571_429)
    expect(serializationNs(1_000, Number.POSITIVE_INFINITY)).toBe(0)
    expect(serializationNs(0, 5)).toBe(0)
  })

  it('queues chunks FIFO: finish = max(ready, freeAt) + s / bandwidth', () => {
    const q = new SerialQueue()
    const ms = 1_000_000
    expect(q.accept(0, 0, 1_000, 1_000_000, Number.POSITIVE_INFINITY)).toBe(1 * ms)
    expect(q.accept(0, 0, 2_000, 1_000_000, Number.POSITIVE_INFINITY)).toBe(3 * ms)
    expect(q.accept(10 * ms, 10 * ms, 1_000, 1_000_000, Number.POSITIVE_INFINITY)).toBe(11 * ms)
    expect(q.accept(10 * ms, 20 * ms, 1_000, 1_000_000, Number.POSITIVE_INFINITY)).toBe(21 * ms)
  })

  it('tail-drops what does not fit in the buffer, but never a chunk on an empty queue', () => {
    const q = new SerialQueue()
    expect(q.accept(0, 0, 5_000, 1_000, 1_000)).toBe(5_000_000_000)
    expect(q.accept(0, 0, 10, 1_000, 1_000)).toBe(-1)
    expect(q.overflows).toBe(1)
    expect(q.accept(4_995_000_000, 4_995_000_000, 10, 1_000, 1_000)).toBe(5_010_000_000)
  })

  it('has a retransmission timeout of max(200 ms, 2 RTT)', () => {
    expect(retransmitTimeoutMs(10)).toBe(200)
    expect(retransmitTimeoutMs(100)).toBe(400)
  })

  it('resolves region pairs and draws each pair latency once, whatever the order', () => {
    const regionLinks = new Map([
      ['eu\u0000us', linkSpec({ latency: { distribution: 'fixed', value: 80 } })],
      ['us\u0000eu', linkSpec({ latency: { distribution: 'fixed', value: 80 } })],
    ])
    const make = () =>
      new LinkModel({
        defaults: linkSpec({ latency: { distribution: 'uniform', min: 10, max: 20 } }),
        regionLinks,
        regionOf: (i) => (i < 2 ? 'eu' : 'us'),
        nodeCount: 4,
        random: new Random(5),
      })
    const a = make()
    const b = make()
    expect(a.params(0, 2).latencyMs).toBe(80)
    expect(a.params(3, 1).latencyMs).toBe(80)
    const x = a.params(0, 1).latencyMs
    expect(x >= 10 && x < 20).toBe(true)
    expect(a.params(1, 0)).toBe(a.params(0, 1))
    b.params(2, 3)
    expect(b.params(0, 1).latencyMs).toBe(x)
  })
})

describe('simulated transport (byte level, memory transport)', () => {
  it('connects after one round trip', async () => {
    const w = world()
    const { dialMs } = await connect(w)
    expect(dialMs).toBe(100)
  })

  it('delivers a chunk after exactly latency + size / bandwidth (50 ms, 1 MB/s)', async () => {
    const w = world({ bandwidth: 1_000_000 })
    const { dialer, listener } = await connect(w)
    const got = arrivals(w, listener.stream)
    const t0 = w.scheduler.nowMs()
    dialer.stream.write(new Uint8Array(20_000))
    await w.scheduler.run(t0 + 1_000)
    expect(got).toEqual([{ at: t0 + 50 + 20, bytes: 20_000 }])
    expect(w.traffic.sent[0]).toBe(20_000)
    expect(w.traffic.received[1]).toBe(20_000)
  })

  it('queues back-to-back chunks behind each other', async () => {
    const w = world({ bandwidth: 1_000_000 })
    const { dialer, listener } = await connect(w)
    const got = arrivals(w, listener.stream)
    const t0 = w.scheduler.nowMs()
    dialer.stream.write(new Uint8Array(5_000))
    dialer.stream.write(new Uint8Array(5_000))
    await w.scheduler.run(t0 + 1_000)
    expect(got.map((g) => g.at - t0)).toEqual([55, 60])
  })

  it('charges a limited uplink before the link', async () => {
    const w = world({ bandwidth: 1_000_000 })
    w.simnet.setUplink(0, 100_000, Number.POSITIVE_INFINITY)
    const { dialer, listener } = await connect(w)
    const got = arrivals(w, listener.stream)
    const t0 = w.scheduler.nowMs()
    dialer.stream.write(new Uint8Array(1_000))
    await w.scheduler.run(t0 + 1_000)
    // 10 ms on the uplink, then 1 ms on the link, then 50 ms of latency.
    expect(got.map((g) => g.at - t0)).toEqual([61])
  })

  it('keeps order under per-chunk jitter', async () => {
    const w = world({ jitter: { distribution: 'uniform', min: 0, max: 30 } })
    const { dialer, listener } = await connect(w)
    const got = arrivals(w, listener.stream)
    const t0 = w.scheduler.nowMs()
    for (let i = 0; i < 50; i++) {
      w.scheduler.schedule(i, () => dialer.stream.write(new Uint8Array([i])))
    }
    await w.scheduler.run(t0 + 1_000)
    const times = got.map((g) => g.at - t0)
    expect(times).toHaveLength(50)
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number)
    for (const t of times) expect(t).toBeGreaterThanOrEqual(50)
  })

  it('models loss as retransmission delay: bytes are never lost, each loss costs a timeout', async () => {
    const w = world({ loss: 0.3 })
    const { dialer, listener } = await connect(w)
    const received: number[] = []
    listener.stream.on('data', (chunk: Uint8Array) => received.push(...chunk))
    const t0 = w.scheduler.nowMs()
    for (let i = 0; i < 100; i++) w.scheduler.schedule(i * 10, () => dialer.stream.write(new Uint8Array([i])))
    await w.scheduler.run(t0 + 60_000)
    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(w.traffic.retransmits).toBeGreaterThan(10)
    expect(w.traffic.sent[0]).toBe(100)
  })

  it('tail-drops into a full buffer and retransmits after the timeout (doubling)', async () => {
    const w = world({ bandwidth: 1_000, bufferBytes: 1_500 })
    const { dialer, listener } = await connect(w)
    const got = arrivals(w, listener.stream)
    const t0 = w.scheduler.nowMs()
    dialer.stream.write(new Uint8Array(1_000))
    dialer.stream.write(new Uint8Array(1_000))
    await w.scheduler.run(t0 + 10_000)
    // First chunk: 1 s of serialization + 50 ms. Second: dropped at 0 (backlog 1000 + 1000 > 1500) and at
    // 200 ms (800 + 1000), accepted at 600 ms (400 + 1000), queued behind the first until 2 s.
    expect(got.map((g) => g.at - t0)).toEqual([1_050, 2_050])
    expect(w.traffic.retransmits).toBe(2)
  })

  it('delivers nothing over a cut link, and resumes in order when it heals', async () => {
    const w = world({ bandwidth: 1_000_000 })
    const { dialer, listener } = await connect(w)
    const got = arrivals(w, listener.stream)
    const t0 = w.scheduler.nowMs()
    w.simnet.cut([0], [1])
    expect(w.simnet.isCut(0, 1)).toBe(true)
    expect(w.simnet.isCut(1, 0)).toBe(true)
    dialer.stream.write(new Uint8Array(1_000))
    dialer.stream.write(new Uint8Array(2_000))
    await w.scheduler.run(t0 + 5_000)
    expect(got).toEqual([])
    w.simnet.heal([0], [1])
    await w.scheduler.run(t0 + 10_000)
    expect(got).toEqual([
      { at: t0 + 5_000 + 51, bytes: 1_000 },
      { at: t0 + 5_000 + 53, bytes: 2_000 },
    ])
  })

  it('holds bytes in flight when a cut happens, and dials across a partition until it heals', async () => {
    const w = world({}, 3)
    const { dialer, listener } = await connect(w)
    const got = arrivals(w, listener.stream)
    const t0 = w.scheduler.nowMs()
    dialer.stream.write(new Uint8Array(10))
    w.scheduler.schedule(20, () => w.simnet.partition(Int32Array.from([0, 1, 1])))
    await w.scheduler.run(t0 + 1_000)
    expect(got).toEqual([])
    await (w.transports[2] as MemoryTransport).listen('memory://n2', () => {})
    let dialedAt = -1
    void (w.transports[0] as MemoryTransport)
      .dial('memory://n2', { signal: new AbortController().signal })
      .then(() => {
        dialedAt = w.scheduler.nowMs()
      })
    await w.scheduler.run(t0 + 2_000)
    expect(dialedAt).toBe(-1)
    w.simnet.healAll()
    await w.scheduler.run(t0 + 3_000)
    expect(got).toEqual([{ at: t0 + 2_000 + 50, bytes: 10 }])
    expect(dialedAt).toBe(t0 + 2_000 + 100)
  })

  it('resets the connections of a crashed node one latency later, and refuses dials to it', async () => {
    const w = world()
    const { listener } = await connect(w)
    let closedAt = -1
    listener.stream.on('close', () => {
      closedAt = w.scheduler.nowMs()
    })
    listener.stream.on('error', () => {})
    const t0 = w.scheduler.nowMs()
    w.simnet.crash((w.transports[0] as MemoryTransport).endpoint)
    expect(w.simnet.connectionsOf((w.transports[1] as MemoryTransport).endpoint)).toBe(1)
    await w.scheduler.run(t0 + 1_000)
    expect(closedAt).toBe(t0 + 50)
    expect(w.simnet.connectionsOf((w.transports[1] as MemoryTransport).endpoint)).toBe(0)
    const refused = (w.transports[1] as MemoryTransport)
      .dial('memory://n0-never', { signal: new AbortController().signal })
      .catch((e: unknown) => e)
    await (w.transports[0] as MemoryTransport).listen('memory://n0', () => {})
    const toDead = (w.transports[1] as MemoryTransport)
      .dial('memory://n0', { signal: new AbortController().signal })
      .catch((e: unknown) => e)
    await w.scheduler.run(t0 + 2_000)
    expect(await refused).toMatchObject({ code: 'ERR_CONNECTION_REFUSED' })
    expect(await toDead).toMatchObject({ code: 'ERR_CONNECTION_REFUSED' })
  })

  it('resets a connection after too many consecutive losses (TCP gives up)', async () => {
    const w = world({ loss: 0.99 })
    const { dialer, listener } = await connect(w)
    let closed = false
    listener.stream.on('error', () => {})
    dialer.stream.on('error', () => {})
    dialer.stream.on('close', () => {
      closed = true
    })
    dialer.stream.write(new Uint8Array(10))
    await w.scheduler.run(w.scheduler.nowMs() + 600_000)
    expect(closed).toBe(true)
  })
})

import { randomBytes } from 'node:crypto'
import { AbortError } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { afterEach, describe, expect, it } from 'vitest'
import {
  allocatedHost,
  createMemoryNetwork,
  createMemoryTransport,
  type Listener,
  type MemoryConnection,
  type MemoryDialAttempt,
  MemoryNetwork,
  type MemoryScheduler,
  type MemoryTransmission,
  type RawConnection,
  TransportError,
} from '../src/transport/index'
import { readAll, readBytes, type StalledDial, transportCompliance, whenClosed } from './transport-compliance'

/** Lets nextTick deliveries and promise chains run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

let names = 0
const fresh = (): string => `node-${++names}`

const shared = new MemoryNetwork()

transportCompliance('memory', {
  create: () => createMemoryTransport({ network: shared }),
  protocol: 'memory:',
  listenAddress: () => `memory://${fresh()}`,
  refusedAddress: async () => `memory://${fresh()}`,
  invalidAddresses: [
    'memory://',
    'memory://a b',
    'memory://a/b',
    'memory://a:1',
    `memory://${'x'.repeat(256)}`,
  ],
  foreignAddress: 'tcp://127.0.0.1:4000',
  stalled: async (): Promise<StalledDial> => {
    // A scheduler that never lets a dial through: the SYN is lost in a partition.
    const network = createMemoryNetwork({ scheduler: { transmit: (t) => t.deliver(), connect: () => {} } })
    const listener = await createMemoryTransport({ network }).listen('memory://partitioned', () => {})
    return {
      address: 'memory://partitioned',
      transport: createMemoryTransport({ network }),
      close: () => listener.close(),
    }
  },
})

/** A netsim-like scheduler on a ManualClock: per-link latency, bandwidth, and cuttable links. */
class TestScheduler implements MemoryScheduler {
  readonly clock = new ManualClock({ start: 0 })
  latency = 50
  /** Bytes per ms; Infinity for no serialisation delay. */
  bandwidth = Number.POSITIVE_INFINITY
  cut = false
  dropWhileCut = false
  readonly held: MemoryTransmission[] = []
  readonly busyUntil = new Map<unknown, number>()
  readonly openedConnections: MemoryConnection[] = []
  readonly closedConnections: MemoryConnection[] = []
  onConnect: ((attempt: MemoryDialAttempt) => void) | undefined

  transmit(t: MemoryTransmission): void {
    if (this.cut) {
      if (this.dropWhileCut) t.drop()
      else this.held.push(t)
      return
    }
    const now = this.clock.now()
    const start = Math.max(now, this.busyUntil.get(t.link) ?? now)
    const done = start + t.byteLength / this.bandwidth
    this.busyUntil.set(t.link, done)
    this.clock.setTimeout(() => t.deliver(), done + this.latency - now)
  }

  connect(attempt: MemoryDialAttempt): void {
    if (this.onConnect !== undefined) this.onConnect(attempt)
    else this.clock.setTimeout(() => attempt.accept(), this.latency * 2)
  }

  connectionOpened = (c: MemoryConnection): void => {
    this.openedConnections.push(c)
  }

  heal(): void {
    this.cut = false
    for (const t of this.held.splice(0)) this.transmit(t)
  }

  /** Advances virtual time, letting deliveries (next tick) run after each step. */
  async advance(ms: number): Promise<void> {
    await this.clock.advanceAsync(ms)
    await settle()
  }
}

function withScheduler(scheduler: TestScheduler): MemoryNetwork {
  return createMemoryNetwork({
    scheduler: {
      transmit: (t) => scheduler.transmit(t),
      connect: (a) => scheduler.connect(a),
      opened: (c) => scheduler.connectionOpened(c),
      closed: (c) => {
        scheduler.closedConnections.push(c)
      },
    },
  })
}

describe('memory transport', () => {
  const listeners: Listener[] = []
  const connections: RawConnection[] = []

  afterEach(async () => {
    for (const c of connections.splice(0)) c.close()
    await Promise.all(listeners.splice(0).map((l) => l.close()))
  })

  async function connect(
    network: MemoryNetwork,
    options: { dialerHost?: string; listenerHost?: string; highWaterMark?: number } = {},
    advance?: () => Promise<void>,
  ): Promise<{ outbound: RawConnection; inbound: RawConnection }> {
    const server = createMemoryTransport(
      { network },
      { host: options.listenerHost, highWaterMark: options.highWaterMark },
    )
    const client = createMemoryTransport(
      { network },
      { host: options.dialerHost, highWaterMark: options.highWaterMark },
    )
    const name = fresh()
    let inbound: RawConnection | undefined
    listeners.push(
      await server.listen(`memory://${name}`, (c) => {
        connections.push(c)
        inbound = c
      }),
    )
    const dialing = client.dial(`memory://${name}`, { signal: new AbortController().signal })
    if (advance !== undefined) await advance()
    const outbound = await dialing
    connections.push(outbound)
    if (inbound === undefined) throw new Error('no inbound connection')
    return { outbound, inbound }
  }

  describe('synthetic IPs', () => {
    it('gives each endpoint a distinct 10.x.y.z, seen as remoteHost by its peers both ways', async () => {
      const network = new MemoryNetwork()
      const a = createMemoryTransport({ network })
      const b = createMemoryTransport({ network })
      expect(a.endpoint.id).toBe(1)
      expect(a.endpoint.host).toBe('10.1.0.1')
      expect(b.endpoint.host).toBe('10.2.0.1')
      expect(a.endpoint.label).toBe('endpoint-1')
      let inbound: RawConnection | undefined
      listeners.push(
        await b.listen('memory://b', (c) => {
          connections.push(c)
          inbound = c
        }),
      )
      const outbound = await a.dial('memory://b', { signal: new AbortController().signal })
      connections.push(outbound)
      expect(outbound.remoteHost).toBe(b.endpoint.host)
      expect(inbound?.remoteHost).toBe(a.endpoint.host)
      expect(outbound.remoteAddress).toBe('memory://b')
      expect(outbound.localAddress).toBe('memory://endpoint-1')
      expect(inbound?.remoteAddress).toBe('memory://endpoint-1')
      expect(inbound?.localAddress).toBe('memory://b')
    })

    it('allocates distinct /16s for the first 256 endpoints and distinct IPs far beyond', () => {
      const seen = new Set<string>()
      const subnets = new Set<string>()
      for (let id = 1; id <= 70_000; id++) {
        const ip = allocatedHost(id)
        seen.add(ip)
        if (id <= 255) subnets.add(ip.split('.').slice(0, 2).join('.'))
        const last = Number(ip.split('.')[3])
        expect(last === 0 || last === 255).toBe(false)
      }
      expect(seen.size).toBe(70_000)
      expect(subnets.size).toBe(255)
    })

    it('lets several dialers appear from one chosen IP (for per-IP limits)', async () => {
      const network = new MemoryNetwork()
      const seen: string[] = []
      listeners.push(
        await createMemoryTransport({ network }).listen('memory://server', (c) => {
          connections.push(c)
          seen.push(c.remoteHost)
        }),
      )
      for (let i = 0; i < 3; i++) {
        const t = createMemoryTransport({ network }, { host: '192.0.2.7', label: `client-${i}` })
        connections.push(await t.dial('memory://server', { signal: new AbortController().signal }))
      }
      expect(seen).toEqual(['192.0.2.7', '192.0.2.7', '192.0.2.7'])
    })

    it('normalises IPv6 hosts and rejects non-IP hosts and bad labels with ERR_INVALID_OPTIONS', () => {
      const network = new MemoryNetwork()
      expect(createMemoryTransport({ network }, { host: '2001:DB8:0::1' }).endpoint.host).toBe('2001:db8::1')
      expect(createMemoryTransport({ network }, { host: '::ffff:198.51.100.1' }).endpoint.host).toBe(
        '198.51.100.1',
      )
      for (const options of [
        { host: 'example.org' },
        { host: '10.0.0.256' },
        { label: 'a b' },
        { highWaterMark: 0 },
      ]) {
        let err: unknown
        try {
          createMemoryTransport({ network }, options)
        } catch (e) {
          err = e
        }
        expect((err as TransportError).code).toBe('ERR_INVALID_OPTIONS')
      }
    })
  })

  it('refuses to listen twice on one name with ERR_LISTEN_FAILED', async () => {
    const network = new MemoryNetwork()
    listeners.push(await createMemoryTransport({ network }).listen('memory://taken', () => {}))
    const err = await createMemoryTransport({ network })
      .listen('memory://taken', () => {})
      .catch((e: unknown) => e)
    expect((err as TransportError).code).toBe('ERR_LISTEN_FAILED')
    expect(network.listening()).toEqual(['taken'])
  })

  it('tracks open connections and forgets them when both ends are closed', async () => {
    const network = new MemoryNetwork()
    const { outbound, inbound } = await connect(network)
    const [c] = network.connections()
    expect(c?.dialer.host).toBe(allocatedHost(c?.dialer.id ?? 0))
    expect(c?.closed).toBe(false)
    inbound.stream.resume()
    outbound.stream.resume()
    outbound.close()
    await Promise.all([whenClosed(inbound.stream), whenClosed(outbound.stream)])
    expect(c?.closed).toBe(true)
    expect(network.connections()).toEqual([])
  })

  it('honours highWaterMark: write() returns false once window and buffer are full, then drains', async () => {
    const { outbound, inbound } = await connect(new MemoryNetwork(), { highWaterMark: 16 * 1024 })
    const chunk = Buffer.alloc(8 * 1024, 7)
    let writes = 0
    while (outbound.stream.write(chunk)) writes++
    writes++
    // 16 KiB in flight or buffered at the reader, plus 16 KiB in the writer's own buffer.
    expect(writes * chunk.length).toBeLessThanOrEqual(32 * 1024 + chunk.length)
    await settle()
    expect(inbound.stream.readableLength).toBeLessThanOrEqual(16 * 1024)
    const drained = new Promise((resolve) => outbound.stream.once('drain', resolve))
    const all = readBytes(inbound.stream, writes * chunk.length)
    await drained
    expect((await all).length).toBe(writes * chunk.length)
  })

  it('discards writes towards a destroyed end without blocking the writer', async () => {
    const { outbound, inbound } = await connect(new MemoryNetwork(), { highWaterMark: 1024 })
    inbound.close()
    await settle()
    for (let i = 0; i < 10; i++) outbound.stream.write(Buffer.alloc(4096))
    await settle()
    expect(outbound.stream.writableLength).toBe(0)
    expect((await readAll(outbound.stream)).length).toBe(0)
  })

  describe('scheduler hook (netsim)', () => {
    it('delays each chunk by the link latency on the scheduler clock', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, {}, () => scheduler.advance(100))
      const got: string[] = []
      inbound.stream.on('data', (d: Buffer) => got.push(d.toString()))
      outbound.stream.write('hello')
      await scheduler.advance(49)
      expect(got).toEqual([])
      await scheduler.advance(1)
      expect(got).toEqual(['hello'])
    })

    it('models bandwidth: chunks queue behind each other on the link', async () => {
      const scheduler = new TestScheduler()
      scheduler.bandwidth = 1000 // bytes per ms
      scheduler.latency = 10
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, {}, () => scheduler.advance(20))
      const arrivals: number[] = []
      inbound.stream.on('data', () => arrivals.push(scheduler.clock.now()))
      const t0 = scheduler.clock.now()
      outbound.stream.write(Buffer.alloc(5000))
      outbound.stream.write(Buffer.alloc(5000))
      await scheduler.advance(100)
      expect(arrivals.map((t) => t - t0)).toEqual([15, 20])
    })

    it('delays the dial itself; opened() fires once accepted', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const server = createMemoryTransport({ network })
      let accepted = 0
      listeners.push(
        await server.listen('memory://slow', (c) => {
          connections.push(c)
          accepted++
        }),
      )
      let done = false
      const dialing = createMemoryTransport({ network })
        .dial('memory://slow', { signal: new AbortController().signal })
        .then((c) => {
          connections.push(c)
          done = true
          return c
        })
      await scheduler.advance(99)
      expect(done).toBe(false)
      expect(accepted).toBe(0)
      await scheduler.advance(1)
      await dialing
      expect(accepted).toBe(1)
      expect(scheduler.openedConnections).toHaveLength(1)
    })

    it('keeps per-direction order whatever order the scheduler delivers in', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, {}, () => scheduler.advance(100))
      // Deliver in reverse: each later chunk arrives earlier on the clock.
      let delay = 100
      scheduler.transmit = (t) => {
        scheduler.clock.setTimeout(() => t.deliver(), delay)
        delay -= 10
      }
      const got = readBytes(inbound.stream, 5)
      for (const ch of 'abcde') outbound.stream.write(ch)
      await scheduler.advance(59)
      expect(inbound.stream.readableLength).toBe(0)
      await scheduler.advance(41)
      expect((await got).toString()).toBe('abcde')
    })

    it('holds the bytes of a cut link and delivers them, in order, when it heals', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, {}, () => scheduler.advance(100))
      const got: string[] = []
      inbound.stream.on('data', (d: Buffer) => got.push(d.toString()))
      scheduler.cut = true
      outbound.stream.write('one')
      outbound.stream.write('two')
      await scheduler.advance(10_000)
      expect(got).toEqual([])
      expect(network.connections()[0]?.outbound.bytesInFlight).toBe(6)
      scheduler.heal()
      await scheduler.advance(50)
      expect(got.join('')).toBe('onetwo')
      expect(network.connections()[0]?.outbound.bytesInFlight).toBe(0)
    })

    it('applies backpressure while a cut link holds the bytes', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, { highWaterMark: 4096 }, () =>
        scheduler.advance(100),
      )
      scheduler.cut = true
      let accepted = 0
      while (outbound.stream.write(Buffer.alloc(1024))) accepted++
      expect(accepted).toBeLessThan(8)
      const all = readBytes(inbound.stream, (accepted + 1) * 1024)
      scheduler.heal()
      await scheduler.advance(1000)
      expect((await all).length).toBe((accepted + 1) * 1024)
    })

    it('drops the bytes of a cut link when told to; later bytes still flow', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, {}, () => scheduler.advance(100))
      const got: string[] = []
      inbound.stream.on('data', (d: Buffer) => got.push(d.toString()))
      scheduler.cut = true
      scheduler.dropWhileCut = true
      outbound.stream.write('lost')
      await scheduler.advance(100)
      scheduler.heal()
      outbound.stream.write('kept')
      await scheduler.advance(100)
      expect(got).toEqual(['kept'])
    })

    it('carries end of stream through the link, behind the data', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, {}, () => scheduler.advance(100))
      const all = readAll(inbound.stream)
      const types: string[] = []
      const transmit = scheduler.transmit.bind(scheduler)
      scheduler.transmit = (t) => {
        if (t.link.from === network.connections()[0]?.dialer) types.push(t.type)
        transmit(t)
      }
      outbound.stream.end('fin')
      await scheduler.advance(49)
      expect(inbound.stream.readableEnded).toBe(false)
      await scheduler.advance(1)
      expect((await all).toString()).toBe('fin')
      expect(types).toEqual(['data', 'end'])
    })

    it('reset() destroys both ends at once with ERR_CONNECTION_RESET; closed() fires', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, {}, () => scheduler.advance(100))
      const errors = Promise.all(
        [outbound, inbound].map((c) => new Promise<Error>((resolve) => c.stream.once('error', resolve))),
      )
      scheduler.cut = true
      outbound.stream.write('in flight')
      network.connections()[0]?.reset()
      for (const err of await errors) expect((err as TransportError).code).toBe('ERR_CONNECTION_RESET')
      await Promise.all([whenClosed(outbound.stream), whenClosed(inbound.stream)])
      expect(scheduler.closedConnections).toHaveLength(1)
      expect(network.connections()).toEqual([])
    })

    it('refuses a dial when the scheduler says so', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      listeners.push(await createMemoryTransport({ network }).listen('memory://firewalled', () => {}))
      const client = createMemoryTransport({ network })
      scheduler.onConnect = (attempt) => attempt.refuse()
      const refused = await client
        .dial('memory://firewalled', { signal: new AbortController().signal })
        .catch((e: unknown) => e)
      expect((refused as TransportError).code).toBe('ERR_CONNECTION_REFUSED')
      const custom = new TransportError('ERR_DIAL_FAILED', 'host unreachable')
      scheduler.onConnect = (attempt) => attempt.refuse(custom)
      expect(
        await client.dial('memory://firewalled', { signal: new AbortController().signal }).catch((e) => e),
      ).toBe(custom)
    })

    it('refuses an accepted dial whose listener closed meanwhile', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      const listener = await createMemoryTransport({ network }).listen('memory://leaving', () => {})
      const dialing = createMemoryTransport({ network })
        .dial('memory://leaving', { signal: new AbortController().signal })
        .catch((e: unknown) => e)
      await listener.close()
      await scheduler.advance(100)
      expect(((await dialing) as TransportError).code).toBe('ERR_CONNECTION_REFUSED')
      expect(network.connections()).toEqual([])
    })

    it('aborts a dial waiting on the scheduler; a late accept creates nothing', async () => {
      const scheduler = new TestScheduler()
      const network = withScheduler(scheduler)
      listeners.push(await createMemoryTransport({ network }).listen('memory://far', () => {}))
      const controller = new AbortController()
      const dialing = createMemoryTransport({ network })
        .dial('memory://far', { signal: controller.signal })
        .catch((e: unknown) => e)
      controller.abort()
      expect(AbortError.isInstance(await dialing)).toBe(true)
      await scheduler.advance(1000)
      expect(network.connections()).toEqual([])
      expect(scheduler.openedConnections).toHaveLength(0)
    })

    it('resets the connection when the scheduler throws', async () => {
      const network = createMemoryNetwork({
        scheduler: {
          transmit: () => {
            throw new Error('scheduler bug')
          },
        },
      })
      const { outbound, inbound } = await connect(network)
      const err = new Promise<Error>((resolve) => inbound.stream.once('error', resolve))
      outbound.stream.write('x')
      expect(((await err) as TransportError).code).toBe('ERR_CONNECTION_RESET')
    })

    it('fails the dial and resets the connection when opened() throws', async () => {
      const network = createMemoryNetwork({
        scheduler: {
          transmit: (t) => t.deliver(),
          opened: () => {
            throw new Error('scheduler bug')
          },
        },
      })
      let handed = 0
      listeners.push(await createMemoryTransport({ network }).listen('memory://o', () => handed++))
      const err = await createMemoryTransport({ network })
        .dial('memory://o', { signal: new AbortController().signal })
        .catch((e: unknown) => e)
      expect((err as TransportError).code).toBe('ERR_DIAL_FAILED')
      expect(handed).toBe(0)
      await settle()
      expect(network.connections()).toEqual([])
    })

    it('moves 4 MiB through a latency + bandwidth link intact', async () => {
      const scheduler = new TestScheduler()
      scheduler.bandwidth = 10_000
      const network = withScheduler(scheduler)
      const { outbound, inbound } = await connect(network, {}, () => scheduler.advance(100))
      const data = randomBytes(4 * 1024 * 1024)
      const got = readBytes(inbound.stream, data.length)
      outbound.stream.end(data)
      let spent = 0
      while (inbound.stream.readableLength === 0 || spent < 500) {
        await scheduler.advance(10)
        spent += 10
        if (spent > 10_000) break
      }
      expect((await got).equals(data)).toBe(true)
      expect(spent).toBeGreaterThanOrEqual(data.length / 10_000)
    })
  })
})

import { ManualClock, MemoryMetrics, testPeerId } from '@chainwire/interface/testing'
import { createPeerStore } from '@chainwire/peer-store'
import { describe, expect, it } from 'vitest'
import {
  addressesFromRecords,
  createDnsSeeds,
  createMdnsDiscovery,
  type DnsResolver,
  type MdnsRecord,
  type MulticastDns,
  parseTxt,
} from '../src/index'

function fakeResolver(
  zone: Record<string, { a?: string[]; aaaa?: string[]; txt?: string[][] }>,
  hang = new Set<string>(),
) {
  const cancelled: number[] = []
  const answer = <T>(
    host: string,
    pick: (z: { a?: string[]; aaaa?: string[]; txt?: string[][] }) => T | undefined,
  ) => {
    if (hang.has(host)) return new Promise<T>(() => {})
    const z = zone[host]
    const v = z === undefined ? undefined : pick(z)
    return v === undefined
      ? Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }))
      : Promise.resolve(v)
  }
  const resolver: DnsResolver = {
    resolve4: (h) => answer(h, (z) => z.a),
    resolve6: (h) => answer(h, (z) => z.aaaa),
    resolveTxt: (h) => answer(h, (z) => z.txt),
    cancel: () => void cancelled.push(1),
  }
  return { resolver, cancelled }
}

describe('DNS seeds', () => {
  it('turns A, AAAA and TXT records into addresses', () => {
    const out = addressesFromRecords(
      {
        a: ['203.0.113.5', 'not-an-ip'],
        aaaa: ['2001:db8::7'],
        txt: [
          ['tcp://198.51.100.1:9444 ws://198.51.100.2:8080/p2p'],
          ['wss://seed.example', '.org/p2p'],
          ['v=spf1 -all'],
        ],
      },
      { port: 9333, scheme: 'tcp', max: 10 },
    )
    expect(out).toEqual([
      'tcp://203.0.113.5:9333',
      'tcp://[2001:db8::7]:9333',
      'tcp://198.51.100.1:9444',
      'ws://198.51.100.2:8080/p2p',
      'wss://seed.example.org/p2p',
    ])
    expect(
      addressesFromRecords(
        { a: ['203.0.113.1', '203.0.113.2'], aaaa: [], txt: [] },
        { port: 1, scheme: 'tcp', max: 1 },
      ),
    ).toHaveLength(1)
  })

  it('resolves seeds through the injected resolver; a failing seed contributes nothing', async () => {
    const clock = new ManualClock()
    const { resolver } = fakeResolver({
      'seed1.example': { a: ['203.0.113.5'], txt: [['tcp://198.51.100.1:9444']] },
      'seed2.example': { aaaa: ['2001:db8::9'] },
    })
    const metrics = new MemoryMetrics()
    const dns = createDnsSeeds(
      { clock, dnsResolver: resolver, metrics },
      { seeds: ['seed1.example', 'seed2.example', 'gone.example'], port: 7000 },
    )
    expect((await dns.resolveAll()).sort()).toEqual(
      ['tcp://198.51.100.1:9444', 'tcp://203.0.113.5:7000', 'tcp://[2001:db8::9]:7000'].sort(),
    )
    expect(metrics.get('discovery_peers_discovered_total', { method: 'dns' })).toBe(3)
    await expect(dns.resolveSeed('gone.example')).rejects.toMatchObject({ code: 'ERR_DNS_FAILED' })
  })

  it('a seed that never answers times out on the injected clock and its queries are cancelled', async () => {
    const clock = new ManualClock()
    const { resolver, cancelled } = fakeResolver({}, new Set(['slow.example']))
    const dns = createDnsSeeds(
      { clock, dnsResolver: resolver },
      { seeds: ['slow.example'], timeoutMs: 2_000 },
    )
    const p = dns.resolveAll()
    p.catch(() => undefined)
    await clock.advanceAsync(2_001)
    await expect(p).rejects.toMatchObject({ code: 'ERR_DNS_FAILED' })
    expect(cancelled.length).toBe(1)
    expect(clock.pending()).toBe(0)
  })
})

/** A fake multicast-dns bus: every instance sees every other's packets. */
function mdnsBus() {
  const members: FakeMdns[] = []
  class FakeMdns implements MulticastDns {
    readonly listeners = {
      query: [] as ((p: never, rinfo: never) => void)[],
      response: [] as ((p: never, rinfo: never) => void)[],
    }
    destroyed = false
    /** The IP this member's packets come from. */
    constructor(readonly address = '192.168.1.1') {
      members.push(this)
    }
    on(event: 'query' | 'response', fn: (p: never, rinfo: never) => void): this {
      this.listeners[event].push(fn)
      return this
    }
    removeListener(event: 'query' | 'response', fn: (...args: never[]) => void): this {
      this.listeners[event] = this.listeners[event].filter((f) => f !== fn)
      return this
    }
    query(packet: { questions: { name: string; type: string }[] }): void {
      for (const m of members)
        if (m !== this)
          for (const fn of m.listeners.query) fn(packet as never, { address: this.address } as never)
    }
    respond(packet: { answers: MdnsRecord[] }): void {
      for (const m of members)
        if (m !== this)
          for (const fn of m.listeners.response) fn(packet as never, { address: this.address } as never)
    }
    destroy(cb?: () => void): void {
      this.destroyed = true
      cb?.()
    }
  }
  return { FakeMdns, members }
}

describe('mDNS', () => {
  it('nodes of the same network find each other; other networks and ourselves are ignored', async () => {
    const clock = new ManualClock()
    const { FakeMdns } = mdnsBus()
    const make = async (networkId: string, addr: string) => {
      const store = createPeerStore({ clock }, { allowNonRoutable: true })
      await store.open()
      const peerId = testPeerId(Math.random)
      const mdns = createMdnsDiscovery(
        {
          clock,
          peerStore: store,
          self: { peerId, networkId },
          announcedAddresses: () => [addr],
          mdns: new FakeMdns(addr.slice(6, addr.lastIndexOf(':'))),
        },
        { intervalMs: 5_000 },
      )
      return { store, peerId, mdns }
    }
    const a = await make('chainwire-devnet', 'tcp://192.168.1.10:9333')
    const b = await make('chainwire-devnet', 'tcp://192.168.1.11:9333')
    const c = await make('chainwire-other', 'tcp://192.168.1.12:9333')
    const found: string[] = []
    a.mdns.on('peer:discovered', (e) => found.push(`${e.method}:${e.peerId}`))
    await a.mdns.start()
    await b.mdns.start()
    await c.mdns.start()
    await clock.advanceAsync(5_000)
    expect(found).toEqual([`mdns:${b.peerId}`])
    expect(a.store.getPeer(b.peerId)?.addresses.map((x) => x.address)).toEqual(['tcp://192.168.1.11:9333'])
    expect(a.store.getPeer(c.peerId)).toBeUndefined()
    expect(a.store.getPeer(a.peerId)).toBeUndefined()
    for (const n of [a, b, c]) {
      await n.mdns.stop()
      await n.store.stop()
    }
    expect(clock.pending()).toBe(0)
  })

  it('parses TXT data from strings or buffers and rejects malformed records', () => {
    const id = testPeerId(Math.random)
    expect(parseTxt([Buffer.from(`id=${id}`), 'net=n', 'addr=tcp://10.0.0.1:1', 'addr=bogus'])).toEqual({
      peerId: id,
      networkId: 'n',
      addrs: ['tcp://10.0.0.1:1'],
    })
    expect(parseTxt(['id=not-a-peer', 'net=n', 'addr=tcp://10.0.0.1:1'])).toBeUndefined()
    expect(parseTxt([`id=${id}`, 'net=n'])).toBeUndefined()
    expect(parseTxt(42)).toBeUndefined()
  })
})

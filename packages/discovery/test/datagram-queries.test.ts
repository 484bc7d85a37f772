/**
 * The DHT's datagram queries on a manual clock: the deadline follows the answers' round trips (RFC 6298's RTO
 * between its two bounds), failures are classified, and a reply is trimmed to what fits in the packet.
 */
import { ManualClock, settle } from '@chainwire/interface/testing'
import type { Message } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import type { DiscoveryNetwork } from '../src/components'
import { DatagramQueries, fittingNodes } from '../src/dht/datagram-queries'

const target = new Uint8Array(32)
const nodes: Message = { type: 'nodes', data: { nodes: [] } }

/** A network whose datagram answers take `rtt()` ms, or never come (undefined); records each deadline. */
function fakeNetwork(clock: ManualClock, rtt: () => number | undefined, deadlines: number[]) {
  return {
    canDatagram: (address: string) => address.startsWith('memory://'),
    datagramRequest: async (
      address: string,
      _m: Message,
      o?: { timeoutMs?: number; signal?: AbortSignal },
    ) => {
      deadlines.push(o?.timeoutMs ?? -1)
      const ms = rtt()
      if (ms === undefined || ms > (o?.timeoutMs ?? 0)) {
        await clock.sleep(o?.timeoutMs ?? 0)
        throw Object.assign(new Error('no answer'), { code: 'ERR_REQUEST_TIMEOUT' })
      }
      await clock.sleep(ms)
      return { peerId: 'cw', message: nodes, address }
    },
  } as unknown as DiscoveryNetwork
}

describe('datagram queries', () => {
  it('start at the longest deadline, then follow the round trips down to the shortest', async () => {
    const clock = new ManualClock()
    const deadlines: number[] = []
    let rtt: number | undefined = 100
    const q = new DatagramQueries(
      clock,
      fakeNetwork(clock, () => rtt, deadlines),
      250,
      1_000,
    )
    expect(q.reachable(['ws://a:1/p', 'memory://a'])).toEqual(['memory://a'])
    for (let i = 0; i < 20; i++)
      await settle(clock, q.ask('cw', ['memory://a'], target, new AbortController().signal))
    expect(deadlines[0]).toBe(1_000)
    // first sample: 100 + 4 x 50 = 300 ms
    expect(deadlines[1]).toBe(300)
    // steady 100 ms round trips: the deviation decays and the floor holds
    expect(deadlines.at(-1)).toBe(250)
    // slower answers raise it again, up to the ceiling
    rtt = 600
    for (let i = 0; i < 3; i++) {
      await settle(clock, q.ask('cw', ['memory://a'], target, new AbortController().signal)).catch(
        () => undefined,
      )
    }
    rtt = 900
    await settle(clock, q.ask('cw', ['memory://a'], target, new AbortController().signal)).catch(
      () => undefined,
    )
    expect(Math.max(...deadlines.slice(20))).toBeGreaterThan(250)
    expect(Math.max(...deadlines)).toBeLessThanOrEqual(1_000)
  })

  it('a silent node fails as a timeout, a node without datagram addresses as unreachable', async () => {
    const clock = new ManualClock()
    const q = new DatagramQueries(
      clock,
      fakeNetwork(clock, () => undefined, []),
      250,
      1_000,
    )
    await expect(
      settle(clock, q.ask('cw', ['memory://dead'], target, new AbortController().signal)),
    ).rejects.toMatchObject({
      code: 'ERR_UNREACHABLE',
      details: { failure: 'timeout' },
    })
    await expect(q.ask('cw', [], target, new AbortController().signal)).rejects.toMatchObject({
      details: { failure: 'unreachable' },
    })
  })

  it('trims a reply to the closest nodes that fit', () => {
    const all = Array.from({ length: 16 }, (_, i) => ({ peerId: `cw${i}`, addrs: [`memory://n${i}`] }))
    const reply = fittingNodes(all, {
      fits: (m) => (m as { data: { nodes: unknown[] } }).data.nodes.length <= 5,
    })
    expect((reply as { data: { nodes: { peerId: string }[] } }).data.nodes.map((n) => n.peerId)).toEqual([
      'cw0',
      'cw1',
      'cw2',
      'cw3',
      'cw4',
    ])
  })
})

import { dhtSubnet } from '@chainwire/interface'
import { seededRandom, testPeerId } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import {
  bucketIndex,
  compareDistance,
  leadingZeroBits,
  meetsDifficulty,
  nodeIdOf,
  proofOfWorkBits,
  RoutingTable,
  randomIdInBucket,
  sha256,
  xorDistance,
} from '../src/index'

const OPTS = { k: 20, maxPerSubnetPerBucket: 2, maxPerSubnetPerTable: 10, replacementCacheSize: 4 }

/** A peer id whose node id falls in bucket `index` of `self`'s table, with a distinct /24 per call. */
function peerInBucket(
  self: Uint8Array,
  index: number,
  random: () => number,
): { peerId: string; nodeId: Uint8Array } {
  for (;;) {
    const peerId = testPeerId(random)
    const nodeId = nodeIdOf(peerId) as Uint8Array
    if (bucketIndex(self, nodeId) === index) return { peerId, nodeId }
  }
}

let net = 0
const addr = (subnet?: string): string => {
  net++
  return subnet === undefined
    ? `tcp://10.${(net >> 8) & 255}.${net & 255}.1:9333`
    : `tcp://${subnet}.${net & 255}:9333`
}

describe('node ids and the XOR metric', () => {
  it('derives node ids from the public key, and rejects ids that do not encode one', () => {
    const peerId = testPeerId(Math.random)
    const id = nodeIdOf(peerId) as Uint8Array
    expect(id).toHaveLength(32)
    expect(nodeIdOf(peerId)).toEqual(id)
    expect(nodeIdOf('cwnot-a-key')).toBeUndefined()
  })

  it('XOR distance is symmetric, zero only to itself, and ordered bytewise', () => {
    const r = seededRandom(1)
    const ids = Array.from({ length: 20 }, () => nodeIdOf(testPeerId(r)) as Uint8Array)
    const [a, b, c] = ids as [Uint8Array, Uint8Array, Uint8Array]
    expect(xorDistance(a, b)).toEqual(xorDistance(b, a))
    expect(leadingZeroBits(xorDistance(a, a))).toBe(256)
    expect(compareDistance(a, a, b)).toBeLessThan(0)
    expect(Math.sign(compareDistance(c, a, b))).toBe(-Math.sign(compareDistance(c, b, a)))
    // the triangle inequality holds for XOR read as a number
    const num = (x: Uint8Array): bigint => BigInt(`0x${Buffer.from(x).toString('hex')}`)
    expect(num(xorDistance(a, c)) <= num(xorDistance(a, b)) + num(xorDistance(b, c))).toBe(true)
  })

  it('random ids for a bucket land in that bucket', () => {
    const r = seededRandom(2)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    for (const index of [0, 1, 7, 8, 9, 100, 255]) {
      expect(bucketIndex(self, randomIdInBucket(self, index, r))).toBe(index)
    }
  })

  it('identity proof of work counts leading zero bits of SHA-256(node id)', () => {
    const r = seededRandom(3)
    let found: string | undefined
    for (let i = 0; i < 5_000 && found === undefined; i++) {
      const p = testPeerId(r)
      if (proofOfWorkBits(nodeIdOf(p) as Uint8Array) >= 8) found = p
    }
    expect(found).toBeDefined()
    expect(meetsDifficulty(found as string, 8)).toBe(true)
    expect(leadingZeroBits(sha256(nodeIdOf(found as string) as Uint8Array))).toBeGreaterThanOrEqual(8)
    expect(meetsDifficulty(testPeerId(r), 0)).toBe(true)
    expect(meetsDifficulty('cwbad', 1)).toBe(false)
  })

  it('subnets are the IPv4 /24, the IPv6 /48, or the host', () => {
    expect(dhtSubnet('tcp://203.0.113.7:9333')).toBe(dhtSubnet('ws://203.0.113.200:80/p2p'))
    expect(dhtSubnet('tcp://203.0.113.7:9333')).not.toBe(dhtSubnet('tcp://203.0.114.7:9333'))
    expect(dhtSubnet('tcp://[2001:db8:1:2::1]:9333')).toBe(dhtSubnet('tcp://[2001:db8:1:3::1]:9333'))
    expect(dhtSubnet('memory://a')).not.toBe(dhtSubnet('memory://b'))
  })
})

describe('RoutingTable', () => {
  it('holds at most k contacts per bucket and caches the rest as replacements', () => {
    const r = seededRandom(4)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    const table = new RoutingTable(self, OPTS)
    const outcomes = []
    for (let i = 0; i < 26; i++) {
      const p = peerInBucket(self, 0, r)
      outcomes.push(table.add(p.peerId, p.nodeId, [addr()], i).status)
    }
    expect(outcomes.filter((s) => s === 'added')).toHaveLength(20)
    expect(outcomes.filter((s) => s === 'cached')).toHaveLength(6)
    expect(table.size).toBe(20)
    expect(table.replacementsOf(0)).toHaveLength(4) // bounded
  })

  it('counts the per-subnet limits with a given subnet function (memory:// names mapped to one /24)', () => {
    const r = seededRandom(41)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    const sameNet = (address: string) =>
      address.startsWith('memory://sybil') ? '44.1.0' : dhtSubnet(address)
    const table = new RoutingTable(self, { ...OPTS, subnetOf: sameNet })
    const outcomes: string[] = []
    for (let i = 0; i < 30; i++) {
      const p = peerInBucket(self, 0, r)
      outcomes.push(table.add(p.peerId, p.nodeId, [`memory://sybil${i}`], i).status)
    }
    // one /24: 2 in the bucket, then refused
    expect(outcomes.filter((s) => s === 'added')).toHaveLength(2)
    expect(outcomes.filter((s) => s === 'rejected')).toHaveLength(28)
    // other names keep their own subnets
    const honest = peerInBucket(self, 0, r)
    expect(table.add(honest.peerId, honest.nodeId, ['memory://honest'], 99).status).toBe('added')
    // without the function every sybil name is its own subnet
    const open = new RoutingTable(self, OPTS)
    for (let i = 0; i < 10; i++) {
      const p = peerInBucket(self, 0, r)
      expect(open.add(p.peerId, p.nodeId, [`memory://sybil${i}`], i).status).toBe('added')
    }
  })

  it('a full bucket names its least recently seen contact for a liveness check', () => {
    const r = seededRandom(5)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    const table = new RoutingTable(self, OPTS)
    const first = peerInBucket(self, 0, r)
    table.add(first.peerId, first.nodeId, [addr()], 0)
    for (let i = 1; i < 20; i++) {
      const p = peerInBucket(self, 0, r)
      table.add(p.peerId, p.nodeId, [addr()], i)
    }
    const extra = peerInBucket(self, 0, r)
    const out = table.add(extra.peerId, extra.nodeId, [addr()], 100)
    expect(out.status).toBe('cached')
    expect(out.status === 'cached' && out.probe.peerId).toBe(first.peerId)
    // seen again: moves to the tail, so the next probe is someone else
    table.add(first.peerId, first.nodeId, [], 200)
    const again = table.add(extra.peerId, extra.nodeId, [addr()], 201)
    expect(again.status === 'cached' && again.probe.peerId).not.toBe(first.peerId)
  })

  it('a contact failing its liveness check is replaced by the newest replacement', () => {
    const r = seededRandom(6)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    const table = new RoutingTable(self, OPTS)
    const peers = Array.from({ length: 21 }, () => peerInBucket(self, 1, r))
    for (const [i, p] of peers.entries()) table.add(p.peerId, p.nodeId, [addr()], i)
    const stale = peers[0] as { peerId: string }
    const replacement = peers[20] as { peerId: string }
    expect(table.get(replacement.peerId)).toBeUndefined()
    const promoted = table.markFailed(stale.peerId)
    expect(promoted?.peerId).toBe(replacement.peerId)
    expect(table.get(stale.peerId)).toBeUndefined()
    expect(table.get(replacement.peerId)).toBeDefined()
  })

  it('a failed contact with no replacement stays but is never handed out (liveness-checked only)', () => {
    const r = seededRandom(7)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    const table = new RoutingTable(self, OPTS)
    const a = peerInBucket(self, 0, r)
    const b = peerInBucket(self, 1, r)
    table.add(a.peerId, a.nodeId, [addr()], 0)
    table.add(b.peerId, b.nodeId, [addr()], 0)
    table.markFailed(a.peerId)
    expect(table.size).toBe(2)
    expect(table.closest(self, 20).map((c) => c.peerId)).toEqual([b.peerId])
    table.add(a.peerId, a.nodeId, [], 10) // it answered again
    expect(table.closest(self, 20)).toHaveLength(2)
  })

  it('allows at most 2 contacts of one /24 per bucket and 10 per table', () => {
    const r = seededRandom(8)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    const table = new RoutingTable(self, OPTS)
    const inBucket = [0, 1, 2].map(() => peerInBucket(self, 0, r))
    const results = inBucket.map((p) => table.add(p.peerId, p.nodeId, [addr('198.51.100')], 0).status)
    expect(results).toEqual(['added', 'added', 'rejected'])
    let added = 2
    for (let b = 1; b < 12; b++) {
      for (let j = 0; j < 2; j++) {
        const p = peerInBucket(self, b, r)
        if (table.add(p.peerId, p.nodeId, [addr('198.51.100')], 0).status === 'added') added++
      }
    }
    expect(added).toBe(10)
    // other subnets are unaffected
    const other = peerInBucket(self, 0, r)
    expect(table.add(other.peerId, other.nodeId, [addr('192.0.2')], 0).status).toBe('added')
  })

  it('refuses our own id and unparseable addresses', () => {
    const r = seededRandom(9)
    const selfPeer = testPeerId(r)
    const self = nodeIdOf(selfPeer) as Uint8Array
    const table = new RoutingTable(self, OPTS)
    expect(table.add(selfPeer, self, [addr()], 0)).toEqual({ status: 'rejected', reason: 'self' })
    const p = peerInBucket(self, 0, r)
    expect(table.add(p.peerId, p.nodeId, ['garbage'], 0)).toEqual({ status: 'rejected', reason: 'address' })
  })

  it('returns the closest contacts in XOR order and names stale buckets', () => {
    const r = seededRandom(10)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    const table = new RoutingTable(self, OPTS)
    const ids = []
    for (let i = 0; i < 60; i++) {
      const p = testPeerId(r)
      const id = nodeIdOf(p) as Uint8Array
      if (table.add(p, id, [addr()], 0).status === 'added') ids.push(id)
    }
    const target = nodeIdOf(testPeerId(r)) as Uint8Array
    const got = table.closest(target, 5).map((c) => c.nodeId)
    const expected = [...ids].sort((x, y) => compareDistance(target, x, y)).slice(0, 5)
    expect(got).toEqual(expected)
    expect(table.staleBuckets(1_000, 500)[0]).toBe(0)
    table.touch(randomIdInBucket(self, 0, r), 1_000)
    expect(table.staleBuckets(1_000, 500)).not.toContain(0)
  })
})

describe('RoutingTable: proven and claimed addresses', () => {
  it('counts the subnet of the remote address, keeps claims apart, serves proven contacts only', () => {
    const r = seededRandom(71)
    const self = nodeIdOf(testPeerId(r)) as Uint8Array
    const table = new RoutingTable(self, OPTS)
    // three inbound peers of one bucket from 44.1.5.0/24, each claiming a listen address in another /24
    const peers = [0, 1, 2].map(() => peerInBucket(self, 0, r))
    const outcomes = peers.map((p, i) =>
      table.add(p.peerId, p.nodeId, [], 0, {
        remoteAddress: `tcp://44.1.5.${i + 1}:40000`,
        claimed: [`tcp://77.${i}.0.1:9333`],
      }),
    )
    expect(outcomes.map((o) => o.status)).toEqual(['added', 'added', 'rejected'])
    const first = table.get(peers[0]?.peerId as string)
    expect(first?.subnet).toBe(dhtSubnet('tcp://44.1.5.1:1'))
    expect(first?.addrs).toEqual([])
    expect(first?.claimed).toEqual(['tcp://77.0.0.1:9333'])
    expect(table.closest(self, 20)).toHaveLength(2)
    expect(table.closest(self, 20, undefined, true)).toHaveLength(0)
    // dialing the claim proved it: it moves to addrs, first; a later add without addresses changes nothing
    table.add(peers[0]?.peerId as string, peers[0]?.nodeId as Uint8Array, ['tcp://77.0.0.1:9333'], 1)
    table.add(peers[0]?.peerId as string, peers[0]?.nodeId as Uint8Array, [], 2)
    expect(first?.addrs).toEqual(['tcp://77.0.0.1:9333'])
    expect(first?.claimed).toEqual([])
    expect(first?.subnet).toBe(dhtSubnet('tcp://44.1.5.1:1')) // fixed at entry
    expect(table.closest(self, 20, undefined, true).map((c) => c.peerId)).toEqual([peers[0]?.peerId])
    // no address at all: refused
    const bare = peerInBucket(self, 1, r)
    expect(table.add(bare.peerId, bare.nodeId, [], 0, { remoteAddress: 'tcp://9.9.9.9:1' })).toEqual({
      status: 'rejected',
      reason: 'address',
    })
  })
})

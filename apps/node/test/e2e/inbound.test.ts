/**
 * Inbound peers of a real `chainwire-node` process on loopback: idle honest peers from one IP are held (up to
 * the configured per-IP limit); a peer that completes the handshake and then sends garbage frames, and a peer
 * that floods pings far above the rate limits, are each disconnected and banned (visible in
 * `/api/admin/bans`), their redials refused, and the bans survive a restart of the node.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '@chainwire/interface'
import {
  createIdentity,
  createNetwork,
  type Identity,
  type Network,
  secureOutbound,
} from '@chainwire/network'
import { encodeFrame, PROTOCOL_VERSION } from '@chainwire/protocol-codec'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCookie } from '../../src/data-dir'
import type { DevnetNode } from '../../src/devnet/read'
import { Devnet } from '../../src/devnet/run'
import { CLI, get, until } from './helpers'

const NETWORK_ID = 'chainwire-devnet-local'
/** Every peer of this test dials from 127.0.0.1: the target admits that many from one IP. */
const PER_IP = 40
let devnet: Devnet
let dir: string
let target: DevnetNode
const networks: Network[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-inbound-'))
  devnet = await Devnet.start({
    dir,
    nodes: 1,
    blockTimeMs: 1_000,
    logLevel: 'warn',
    command: CLI,
    say: () => {},
  })
  target = await devnet.add({
    extraArgs: [
      '--set',
      `limits.maxInboundPerIp=${PER_IP}`,
      '--set',
      `limits.maxInboundPerNetGroup=${PER_IP}`,
      '--set',
      `limits.inboundBurstPerIp=${PER_IP}`,
    ],
  })
}, 90_000)

afterAll(async () => {
  await Promise.all(networks.map((n) => n.stop()))
  await devnet?.stop(5_000)
  rmSync(dir, { recursive: true, force: true })
})

const tcp = (n: DevnetNode) => n.p2p.find((a) => a.startsWith('tcp://')) as string

async function bans(n: DevnetNode): Promise<string[]> {
  const res = await fetch(`${n.api}/api/admin/bans`, {
    headers: { authorization: `Bearer ${readCookie(n.dataDir)}` },
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { target: string }[]).map((b) => b.target)
}

/** A chainwire network (the real `createNetwork`) in this process, stopped after the tests. */
async function peerNetwork(identity: Identity = createIdentity()): Promise<Network> {
  const n = createNetwork({ identity }, { networkId: NETWORK_ID, listen: [], roles: ['full'] })
  await n.start()
  networks.push(n)
  return n
}

/**
 * One session of the garbage peer: the Noise handshake of @chainwire/network's secure channel and a valid
 * hello, then length-prefixed frames of random bytes until the node closes the connection.
 */
async function garbageSession(identity: Identity, address: string): Promise<number> {
  const url = new URL(address)
  const socket = connect(Number(url.port), url.hostname)
  socket.on('error', () => {})
  await new Promise<void>((ok, fail) => {
    socket.once('connect', ok)
    socket.once('error', fail)
  })
  const secure = await secureOutbound(socket, { identity, networkId: NETWORK_ID, clock: systemClock })
  const closed = new Promise<void>((done) => secure.stream.once('close', () => done()))
  secure.stream.on('error', () => {})
  secure.stream.resume()
  secure.stream.write(
    encodeFrame({
      type: 'hello',
      data: {
        version: PROTOCOL_VERSION,
        networkId: NETWORK_ID,
        roles: ['full'],
        bestHeight: 0,
        bestHash: new Uint8Array(32),
        totalWork: 0n,
        listenAddrs: [],
        observedAddr: '',
        userAgent: 'garbage/0',
        timestamp: Date.now(),
        capabilities: [],
      },
    }),
  )
  await until(async () => {
    const peers: { peerId: string }[] = await get(target.api, '/api/peers')
    return peers.some((p) => p.peerId === identity.peerId)
  }, 20_000)
  let open = true
  void closed.then(() => {
    open = false
  })
  let frames = 0
  for (let i = 0; i < 2_000 && open; i++) {
    const body = Buffer.from(Array.from({ length: 512 }, () => Math.floor(Math.random() * 256)))
    body[0] = 0xc1 // never a msgpack value: undecodable whatever follows
    const frame = Buffer.alloc(4 + body.length)
    frame.writeUInt32BE(body.length, 0)
    frame.set(body, 4)
    frames++
    if (!secure.stream.write(frame))
      await Promise.race([new Promise((r) => secure.stream.once('drain', r)), closed])
    if (i % 50 === 49) await new Promise((r) => setImmediate(r))
  }
  await Promise.race([closed, new Promise((r) => setTimeout(r, 20_000))])
  expect(open, 'the node closed the garbage connection').toBe(false)
  socket.destroy()
  return frames
}

/** One session of the flooding peer: pings back to back, far above the control class's 20 a second. */
async function floodSession(attacker: Network, peerId: string): Promise<number> {
  let sent = 0
  for (let i = 0; i < 5_000 && attacker.getPeer(peerId) !== undefined; i++) {
    try {
      await attacker.send(peerId, { type: 'ping', id: i + 1, data: { nonce: i } })
      sent++
    } catch {
      break
    }
    if (i % 100 === 99) await new Promise((r) => setImmediate(r))
  }
  await until(async () => attacker.getPeer(peerId) === undefined, 20_000)
  return sent
}

describe('inbound peers of a node process', () => {
  it('holds idle honest peers from one IP up to its per-IP limit', async () => {
    const honest = await Promise.all(Array.from({ length: 16 }, () => peerNetwork()))
    for (const n of honest) await n.dial(tcp(target))
    const ids = new Set(honest.map((n) => n.peerId))
    const held = async () => {
      const peers: { peerId: string }[] = await get(target.api, '/api/peers')
      return peers.filter((p) => ids.has(p.peerId)).length
    }
    await until(async () => (await held()) === ids.size, 10_000)
    // the relay's score runs every second: four of its rounds, and every idle peer is still there
    await new Promise((r) => setTimeout(r, 4_000))
    expect(await held()).toBe(ids.size)
    expect(honest.every((n) => n.getPeer(target.peerId) !== undefined)).toBe(true)
    await Promise.all(honest.map((n) => n.stop()))
  })

  it('disconnects and bans a peer sending garbage after the handshake, and a peer flooding pings; bans survive a restart', async () => {
    // (a) garbage frames: each session ends in a disconnect; the second one crosses the ban threshold
    const garbage = createIdentity()
    let garbageSessions = 0
    while (!(await bans(target)).includes(garbage.peerId)) {
      expect(garbageSessions, 'banned within two sessions').toBeLessThan(2)
      expect(await garbageSession(garbage, tcp(target))).toBeGreaterThan(0)
      garbageSessions++
      await until(async () => {
        const peers: { peerId: string }[] = await get(target.api, '/api/peers')
        return !peers.some((p) => p.peerId === garbage.peerId)
      }, 10_000)
    }
    // (b) a flood of pings by a real chainwire network
    const flooderIdentity = createIdentity()
    const flooder = await peerNetwork(flooderIdentity)
    let floodSessions = 0
    while (!(await bans(target)).includes(flooder.peerId)) {
      expect(floodSessions, 'banned within two sessions').toBeLessThan(2)
      await flooder.dial(tcp(target))
      expect(await floodSession(flooder, target.peerId)).toBeGreaterThan(100)
      floodSessions++
    }
    // banned: the node refuses their handshakes
    const again = await peerNetwork(garbage)
    await expect(again.dial(tcp(target))).rejects.toThrow()
    await expect(flooder.dial(tcp(target))).rejects.toThrow()
    // the bans are in the data dir: still there after a restart
    await devnet.kill(target.name, 'SIGTERM')
    target = await devnet.restart(target.name)
    const after = await bans(target)
    expect(after).toContain(garbage.peerId)
    expect(after).toContain(flooder.peerId)
    await expect(again.dial(tcp(target))).rejects.toThrow()
    await expect(flooder.dial(tcp(target))).rejects.toThrow()
    // an honest peer is still welcome
    const honest = await peerNetwork()
    expect((await honest.dial(tcp(target))).peerId).toBe(target.peerId)
  })
})

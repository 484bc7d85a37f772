/**
 * The datagram wire: signed one-packet request/response over the memory network and over real UDP on
 * loopback, with its bounds (packet size, 3x amplification, replay, per-IP rate, pending requests) and
 * garbage handled without a crash or an answer.
 */
import { ManualClock, MemoryMetrics } from '@chainwire/interface/testing'
import { encode, type Message } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  decodePacket,
  encodeRequest,
  encodeResponse,
  networkTag,
  REQUEST_HEADER,
  RESPONSE,
  requestHash,
  signedBytes,
} from '../src/datagram/packet'
import {
  createIdentity,
  createMemoryNetwork,
  createMemoryTransport,
  createNetwork,
  type DatagramSource,
  type MemoryNetwork,
  type Network,
  sign,
} from '../src/index'
import { memoryNode, NETWORK_ID, stopAll } from './helpers'

afterEach(stopAll)

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5))
const target = new Uint8Array(32).fill(7)
const findNode = { type: 'find_node', data: { target } } as Message
const node = (i: number) => ({ peerId: createIdentity().peerId, addrs: [`memory://node-${i}`] })

/** Serves find_node with `count` made-up nodes, trimmed to what fits. */
function serveNodes(net: Network, count: number, seen?: { from: string; peerId: string }[]): void {
  const all = Array.from({ length: count }, (_, i) => node(i))
  net.handleDatagram('find_node', (_msg, from, reply) => {
    seen?.push({ from: from.address, peerId: from.peerId })
    const nodes = [...all]
    let m: Message = { type: 'nodes', data: { nodes } }
    while (!reply.fits(m) && nodes.length > 0) {
      nodes.pop()
      m = { type: 'nodes', data: { nodes } }
    }
    return m
  })
}

/** A raw datagram socket on the memory network: sends crafted packets and records what comes back. */
async function rawSocket(net: MemoryNetwork, name: string) {
  const got: Uint8Array[] = []
  const transport = createMemoryTransport({ network: net }, { label: name })
  const socket = await transport.bindDatagram?.(
    `memory://${name}`,
    (bytes: Uint8Array, _: DatagramSource) => {
      got.push(bytes.slice())
    },
  )
  if (socket === undefined) throw new Error('memory transport without datagrams')
  return { socket, got }
}

describe('datagram request/response', () => {
  it('answers over the memory network in one exchange, signed by the responder, naming the requester', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    const b = await memoryNode(net, 'b')
    const seen: { from: string; peerId: string }[] = []
    serveNodes(b, 16, seen)
    expect(a.canDatagram('memory://b')).toBe(true)
    expect(a.canDatagram('tcp://127.0.0.1:1')).toBe(false)
    const r = await a.datagramRequest('memory://b', findNode, { peerId: b.peerId })
    expect(r.peerId).toBe(b.peerId)
    expect(r.address).toBe('memory://b')
    expect(r.message.type).toBe('nodes')
    const nodes = (r.message as Extract<Message, { type: 'nodes' }>).data.nodes
    expect(nodes.length).toBeGreaterThan(0)
    expect(nodes.length).toBeLessThanOrEqual(16)
    expect(seen).toEqual([{ from: 'memory://a', peerId: a.peerId }])
    // no connection was opened
    expect(a.peers()).toHaveLength(0)
    expect(b.peers()).toHaveLength(0)
  })

  it('fails with ERR_WRONG_PEER when another key answers at the address', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    const b = await memoryNode(net, 'b')
    serveNodes(b, 2)
    await expect(
      a.datagramRequest('memory://b', findNode, { peerId: createIdentity().peerId }),
    ).rejects.toMatchObject({ code: 'ERR_WRONG_PEER' })
  })

  it('times out on the injected clock when nobody answers, after sending twice; pending requests are bounded', async () => {
    const clock = new ManualClock({ start: 1_000 })
    const metrics = new MemoryMetrics()
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a', { datagrams: { maxPending: 2 } }, { clock, metrics })
    const silentMetrics = new MemoryMetrics()
    await memoryNode(net, 'silent', {}, { metrics: silentMetrics }) // bound, serves no find_node over datagrams
    const first = a.datagramRequest('memory://silent', findNode, { timeoutMs: 800 })
    const failed = expect(first).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' })
    const second = a.datagramRequest('memory://nobody', findNode, { timeoutMs: 800 })
    const failedToo = expect(second).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' })
    await expect(a.datagramRequest('memory://silent', findNode)).rejects.toMatchObject({
      code: 'ERR_TOO_MANY_REQUESTS',
    })
    await settle()
    await clock.advanceAsync(400) // resent with a fresh nonce
    await settle()
    await clock.advanceAsync(400)
    await failed
    await failedToo
    expect(metrics.get('network_datagrams_total', { result: 'sent' })).toBe(4)
    expect(silentMetrics.get('network_datagrams_total', { result: 'unhandled' })).toBe(2)
  })

  it('rejects what cannot be sent: no socket for the scheme, not a request, a stopped network', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    await expect(a.datagramRequest('tcp://127.0.0.1:9', findNode)).rejects.toMatchObject({
      code: 'ERR_NO_DATAGRAMS',
    })
    await expect(
      a.datagramRequest('memory://b', { type: 'nodes', data: { nodes: [] } } as Message),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_MESSAGE' })
    expect(() => a.handleDatagram('nodes', () => undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_MESSAGE' }),
    )
    a.handleDatagram('find_node', () => undefined)
    expect(() => a.handleDatagram('find_node', () => undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_HANDLER_EXISTS' }),
    )
    await a.stop()
    expect(a.canDatagram('memory://b')).toBe(false)
    await expect(a.datagramRequest('memory://b', findNode)).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' })
  })

  it('a pending request fails with an AbortError when the network stops or the signal aborts', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    const controller = new AbortController()
    const aborted = a.datagramRequest('memory://nobody', findNode, { signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    const stopped = a.datagramRequest('memory://nobody', findNode)
    await a.stop()
    await expect(stopped).rejects.toMatchObject({ code: 'ERR_ABORTED' })
  })
})

describe('datagram bounds and bad input', () => {
  it('answers a request at most 3 times its size, drops a replayed one, and ignores garbage without answering', async () => {
    const net = createMemoryNetwork()
    const metrics = new MemoryMetrics()
    const b = await memoryNode(net, 'b', {}, { metrics })
    serveNodes(b, 16)
    const raw = await rawSocket(net, 'raw')
    const envelope = encode(findNode)
    const tag = networkTag(NETWORK_ID)
    const nonce = new Uint8Array(16).fill(1)
    // an unpadded request: the answer must stay within 3x its size
    const small = encodeRequest(tag, nonce, createIdentity().publicKey, envelope, 0)
    raw.socket.send('memory://b', small)
    raw.socket.send('memory://b', small) // replayed
    await settle()
    expect(raw.got).toHaveLength(1)
    const answer = raw.got[0] as Uint8Array
    expect(answer[0]).toBe(RESPONSE)
    expect(answer.length).toBeLessThanOrEqual(3 * small.length)
    expect(metrics.get('network_datagrams_total', { result: 'replay' })).toBe(1)
    // garbage: short, wrong kind, another network, a bad length, non-zero padding, a message that does not decode
    const padded = encodeRequest(tag, new Uint8Array(16).fill(2), createIdentity().publicKey, envelope, 400)
    padded[padded.length - 1] = 1
    const otherNet = encodeRequest(
      networkTag('elsewhere'),
      new Uint8Array(16).fill(3),
      new Uint8Array(32),
      envelope,
      0,
    )
    const badEnvelope = encodeRequest(
      tag,
      new Uint8Array(16).fill(4),
      new Uint8Array(32),
      new Uint8Array([0xc1, 1, 2]),
      0,
    )
    const badLength = small.slice()
    badLength[REQUEST_HEADER - 2] = 0xff
    for (const junk of [
      new Uint8Array(3),
      new Uint8Array(200).fill(9),
      otherNet,
      padded,
      badEnvelope,
      badLength,
    ]) {
      raw.socket.send('memory://b', junk)
    }
    raw.socket.send('memory://b', new Uint8Array(5_000))
    await settle()
    expect(raw.got).toHaveLength(1)
    expect(metrics.get('network_datagrams_total', { result: 'malformed' })).toBe(4)
    expect(metrics.get('network_datagrams_total', { result: 'network' })).toBe(1)
    expect(metrics.get('network_datagrams_total', { result: 'invalid' })).toBe(1)
    expect(metrics.get('network_datagrams_total', { result: 'too-large' })).toBe(1)
    // a forged or unasked answer is dropped, never settles anything
    raw.socket.send('memory://b', answer)
    await settle()
    expect(metrics.get('network_datagrams_total', { result: 'unexpected' })).toBe(1)
    expect(b.isStarted()).toBe(true)
  })

  it('drops requests from one IP past its token bucket', async () => {
    const clock = new ManualClock({ start: 1_000 })
    const net = createMemoryNetwork()
    const metrics = new MemoryMetrics()
    const b = await memoryNode(net, 'b', { datagrams: { ratePerIp: 1, burstPerIp: 3 } }, { metrics, clock })
    serveNodes(b, 1)
    const raw = await rawSocket(net, 'raw')
    const envelope = encode(findNode)
    for (let i = 0; i < 10; i++) {
      const nonce = new Uint8Array(16).fill(i + 1)
      raw.socket.send(
        'memory://b',
        encodeRequest(networkTag(NETWORK_ID), nonce, new Uint8Array(32), envelope, 427),
      )
    }
    await settle()
    expect(raw.got).toHaveLength(3)
    expect(metrics.get('network_datagrams_total', { result: 'rate-limited' })).toBe(7)
    await clock.advanceAsync(2_000)
    raw.socket.send(
      'memory://b',
      encodeRequest(networkTag(NETWORK_ID), new Uint8Array(16).fill(99), new Uint8Array(32), envelope, 427),
    )
    await settle()
    expect(raw.got).toHaveLength(4)
  })

  it('accepts only an answer signed over this request, from the address asked', async () => {
    const net = createMemoryNetwork()
    const metrics = new MemoryMetrics()
    const a = await memoryNode(net, 'a', {}, { metrics })
    const fake = await rawSocket(net, 'fake')
    const elsewhere = await rawSocket(net, 'elsewhere')
    const id = createIdentity()
    const pending = a.datagramRequest('memory://fake', findNode, { peerId: id.peerId })
    await settle()
    const request = decodePacket(fake.got[0] as Uint8Array, networkTag(NETWORK_ID))
    if (request.kind !== 'request') throw new Error('expected a request')
    const reply = encode({ type: 'nodes', data: { nodes: [node(1)] } } as Message)
    const netId = new TextEncoder().encode(NETWORK_ID)
    const answer = (hash: Uint8Array) =>
      encodeResponse(
        networkTag(NETWORK_ID),
        request.nonce,
        id.publicKey,
        sign(id, signedBytes(netId, request.nonce, hash, reply)),
        reply,
      )
    // signed over another request, then a good answer from another address, then the good one
    fake.socket.send(
      'memory://a',
      answer(requestHash(encode({ type: 'find_node', data: { target: new Uint8Array(32) } } as Message))),
    )
    elsewhere.socket.send('memory://a', answer(requestHash(request.envelope)))
    await settle()
    expect(metrics.get('network_datagrams_total', { result: 'bad-signature' })).toBe(1)
    expect(metrics.get('network_datagrams_total', { result: 'wrong-source' })).toBe(1)
    fake.socket.send('memory://a', answer(requestHash(request.envelope)))
    const r = await pending
    expect(r.peerId).toBe(id.peerId)
    // the same answer again settles nothing (the nonce is spent)
    fake.socket.send('memory://a', answer(requestHash(request.envelope)))
    await settle()
    expect(metrics.get('network_datagrams_total', { result: 'unexpected' })).toBe(1)
  })
})

describe('datagrams over real UDP', () => {
  it('binds UDP on the TCP listen port and answers in one exchange on loopback', async () => {
    const nets: Network[] = []
    try {
      for (let i = 0; i < 2; i++) {
        const net = createNetwork(
          { identity: createIdentity() },
          { networkId: NETWORK_ID, listen: ['tcp://127.0.0.1:0'] },
        )
        await net.start()
        nets.push(net)
      }
      const [a, b] = nets as [Network, Network]
      serveNodes(b, 16)
      const address = b.listenAddresses()[0] as string
      expect(a.canDatagram(address)).toBe(true)
      expect(a.canDatagram('tcp://[::1]:9')).toBe(false)
      const r = await a.datagramRequest(address, findNode, { peerId: b.peerId })
      expect(r.peerId).toBe(b.peerId)
      expect((r.message as Extract<Message, { type: 'nodes' }>).data.nodes.length).toBeGreaterThan(8)
      expect(a.peers()).toHaveLength(0)
    } finally {
      await Promise.all(nets.map((n) => n.stop()))
    }
  })
})

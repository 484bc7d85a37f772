import { MemoryMetrics } from '@chainwire/interface/testing'
import { type Block, chunkByteLength, copyChunkBytes } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createIdentity,
  createNetwork,
  createTcpTransport,
  createWebSocketTransport,
  type Network,
  type NetworkComponents,
  type NetworkOptions,
} from '../src/index'
import { NETWORK_ID, recordingSink, stopAll, track, waitFor } from './helpers'

afterEach(stopAll)

async function node(
  options: NetworkOptions = {},
  components: Partial<NetworkComponents> = {},
): Promise<Network> {
  const n = track(
    createNetwork(
      { identity: createIdentity(), ...components },
      { networkId: NETWORK_ID, listen: ['tcp://127.0.0.1:0', 'ws://127.0.0.1:0/p2p'], ...options },
    ),
  )
  await n.start()
  return n
}

describe('over loopback TCP and WebSocket', () => {
  it('listens on port 0 and announces the bound addresses', async () => {
    const a = await node()
    const [tcp, ws] = a.listenAddresses()
    expect(tcp).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
    expect(ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/p2p$/)
    const b = await node()
    const peer = await b.dial(tcp as string)
    expect(peer.hello.listenAddrs).toEqual([tcp, ws])
    expect(peer.hello.observedAddr).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
  })

  it('connects over the default transports, exchanges messages, and records metrics', async () => {
    const metrics = new MemoryMetrics()
    const a = await node({}, { metrics })
    const b = await node()
    const got: number[] = []
    a.on('message:inv', (e) => got.push(e.message.data.items.length))
    a.handle('get_peers', () => ({ type: 'peers', data: { peers: [] } }))
    const peer = await b.dial(a.listenAddresses()[1] as string)
    expect(peer.remoteAddress.startsWith('ws://')).toBe(true)
    for (let i = 0; i < 10; i++) {
      await b.send(a.peerId, { type: 'inv', data: { items: [{ kind: 'block', hash: new Uint8Array(32) }] } })
    }
    await expect(b.request(a.peerId, { type: 'get_peers', data: { limit: 1 } })).resolves.toMatchObject({
      type: 'peers',
    })
    await waitFor(() => got.length === 10)
    expect(metrics.get('network_messages_total', { direction: 'in', type: 'inv' })).toBe(10)
    expect(metrics.get('network_messages_total', { direction: 'out', type: 'peers' })).toBe(1)
    expect(metrics.get('network_peers', { kind: 'inbound' })).toBe(1)
    expect(metrics.total('network_bytes_total')).toBeGreaterThan(0)
    const status = a.getNetworkStatus()
    expect(status.peers[0]).toMatchObject({ direction: 'inbound', kind: 'inbound', remoteHost: '127.0.0.1' })
    expect(status.peers[0]?.messagesIn.inv).toMatchObject({ messages: 10 })
    expect(status.peers[0]?.bytesIn).toBeGreaterThan(0)
  })

  it('large byte fields, sent without a copy, arrive byte for byte and in order among small messages', async () => {
    const a = await node({ listen: ['tcp://127.0.0.1:0'] })
    const b = await node({ listen: [] })
    const sizes = [1_048_576, 8_192, 8_191, 300_000, 65_519, 65_520, 1_048_575]
    const sent = sizes.map((n, i) => {
      const bytes = new Uint8Array(n)
      for (let j = 0; j < n; j += 4093) bytes[j] = (i * 31 + j) & 255
      bytes[n - 1] = i + 1
      return bytes
    })
    const got: { index: number; bytes: Uint8Array; copied: Uint8Array; inPieces: boolean }[] = []
    let invs = 0
    a.on('message:chunk', (e) => {
      const data = e.message.data
      // A chunk of 256 KiB or more comes as the decrypted pieces it arrived in (its bytes an accessor that
      // joins them); its length and a copy come straight from them, before anything joins them.
      const inPieces = Object.getOwnPropertyDescriptor(data, 'bytes')?.get !== undefined
      const copied = new Uint8Array(chunkByteLength(data))
      copyChunkBytes(data, copied)
      got.push({ index: data.transferId, bytes: data.bytes, copied, inPieces })
    })
    a.on('message:inv', () => invs++)
    await b.dial(a.listenAddresses()[0] as string)
    for (const [i, bytes] of sent.entries()) {
      const data = {
        transferId: i,
        index: 0,
        total: 1,
        totalLength: bytes.length,
        chunkSize: bytes.length,
        digest: new Uint8Array(32),
        bytes,
      }
      await b.send(a.peerId, { type: 'chunk', data })
      expect(
        b.trySend(a.peerId, { type: 'inv', data: { items: [{ kind: 'block', hash: new Uint8Array(32) }] } }),
      ).toBe(true)
    }
    await waitFor(() => got.length === sent.length && invs === sent.length, 20_000)
    expect(got.map((g) => g.index)).toEqual(sent.map((_, i) => i))
    for (const [i, g] of got.entries()) {
      expect(Buffer.compare(g.bytes, sent[i] as Uint8Array)).toBe(0)
      expect(Buffer.compare(g.copied, sent[i] as Uint8Array)).toBe(0)
    }
    expect(got.map((g) => g.inPieces)).toEqual(sizes.map((n) => n >= 262_144))
  })

  it('simultaneous dials over TCP end in one connection, the same on both sides', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await node()
      const b = await node()
      await Promise.all([a.dial(b.listenAddresses()[0] as string), b.dial(a.listenAddresses()[0] as string)])
      await waitFor(() => {
        const x = a.getPeer(b.peerId)
        const y = b.getPeer(a.peerId)
        return x !== undefined && y !== undefined && x.direction !== y.direction
      })
      await new Promise((r) => setTimeout(r, 50))
      const x = a.getPeer(b.peerId)
      const y = b.getPeer(a.peerId)
      expect(x?.direction).not.toBe(y?.direction)
      const lower = a.peerId < b.peerId ? a : b
      expect(lower.getPeer(lower === a ? b.peerId : a.peerId)?.direction).toBe('outbound')
      expect(a.peers()).toHaveLength(1)
      expect(b.peers()).toHaveLength(1)
      await stopAll()
    }
  })

  it('uses only the transports it is given', async () => {
    const tcpOnly = track(
      createNetwork(
        { identity: createIdentity(), transports: [createTcpTransport()] },
        { networkId: NETWORK_ID, listen: ['tcp://127.0.0.1:0'] },
      ),
    )
    await tcpOnly.start()
    await expect(tcpOnly.dial('ws://127.0.0.1:1/p2p')).rejects.toMatchObject({ code: 'ERR_NO_TRANSPORT' })
    const wsOnly = track(
      createNetwork(
        { identity: createIdentity(), transports: [createWebSocketTransport()] },
        { networkId: NETWORK_ID, listen: ['tcp://127.0.0.1:0'] },
      ),
    )
    await expect(wsOnly.start()).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_PROTOCOL' })
  })
  it('a peer streaming valid 3.5 MB blocks at full speed for a long time is never charged, reported or dropped', async () => {
    const sink = recordingSink()
    const receiver = await node({ listen: ['tcp://127.0.0.1:0'] }, { misbehaviour: sink })
    const sender = await node({ listen: [] })
    const block = bigBlock(3_500_000)
    sender.handle('get_blocks', () => ({ type: 'blocks', data: { blocks: [block] } }))
    await sender.dial(receiver.listenAddresses()[0] as string)
    await waitFor(() => receiver.getPeer(sender.peerId) !== undefined)
    // 48 blocks of 3.5 MB (168 MB, ten times the junk byte burst), four requests in flight at a time, and
    // announcements on top within the blocks class limits.
    let received = 0
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 12; i++) {
        const response = await receiver.request(sender.peerId, {
          type: 'get_blocks',
          data: { by: 'range', from: 0, count: 1 },
        })
        if (response.type === 'blocks') received += response.data.blocks.length
      }
    }
    let announced = 0
    receiver.on('message:new_block', () => announced++)
    for (let i = 0; i < 8; i++) await sender.send(receiver.peerId, { type: 'new_block', data: { block } })
    await Promise.all([worker(), worker(), worker(), worker()])
    await waitFor(() => announced === 8)
    expect(received).toBe(48)
    const status = receiver.getNetworkStatus()
    const peer = status.peers.find((p) => p.peerId === sender.peerId)
    expect(peer?.bytesIn).toBeGreaterThan(56 * 3_500_000)
    expect(peer?.junkBytes).toBe(0)
    expect(status.limits.messagesRateLimited).toBe(0)
    expect(status.limits.rateLimitDisconnects).toBe(0)
    expect(sink.reports).toEqual([])
  })
  it('a peer downloading blocks for far longer than sendQueueGraceMs, reading all the while, is never dropped as a stalled reader', async () => {
    // Four 3.5 MB responses in flight against a 1 MB send queue: the server's queue is saturated (senders
    // waiting) for the whole download, which goes on for four times the grace; every response is read, each
    // within the grace (one 3.5 MB message, both ends in this process).
    const graceMs = 500
    const receiver = await node({ listen: ['tcp://127.0.0.1:0'] })
    const server = await node({ listen: [], sendQueueGraceMs: graceMs })
    const block = bigBlock(3_500_000)
    server.handle('get_blocks', () => ({ type: 'blocks', data: { blocks: [block] } }))
    await server.dial(receiver.listenAddresses()[0] as string)
    await waitFor(() => receiver.getPeer(server.peerId) !== undefined)
    let requested = 0
    let received = 0
    const started = Date.now()
    const worker = async (): Promise<void> => {
      while (Date.now() - started < 4 * graceMs) {
        requested++
        const response = await receiver.request(server.peerId, {
          type: 'get_blocks',
          data: { by: 'range', from: 0, count: 1 },
        })
        if (response.type === 'blocks') received += response.data.blocks.length
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()])
    expect(received).toBe(requested)
    expect(server.getNetworkStatus().limits.sendQueueStalls).toBe(0)
    expect(receiver.getPeer(server.peerId)).toBeDefined()
  })
  it('sustained block traffic does not starve the bulk lane (addresses, DHT, chunks): the lanes share the send bandwidth', async () => {
    // The receiver takes blocks one at a time (each handler waits 2 ms for the one before), so its receive
    // budget fills and backpressure holds the sender's queue, which a timer keeps topped up with blocks:
    // the blocks lane is never empty. Its rate limits are raised so only the scheduler decides.
    const receiver = await node({
      listen: ['tcp://127.0.0.1:0'],
      rateLimits: {
        blocks: { messagesPerSecond: 1e6, messageBurst: 1e6, bytesPerSecond: 1e12, byteBurst: 1e12 },
      },
    })
    const sender = await node({ listen: [], sendQueueBytes: 4_000_000 })
    await sender.dial(receiver.listenAddresses()[0] as string)
    await waitFor(() => receiver.getPeer(sender.peerId) !== undefined)
    let blocks = 0
    let blocksBeforeChunk: number | undefined
    let previous: Promise<unknown> = Promise.resolve()
    receiver.handle('new_block', () => {
      blocks++
      previous = previous.then(() => new Promise((r) => setTimeout(r, 2)))
      return previous as Promise<undefined>
    })
    receiver.on('message:chunk', () => {
      blocksBeforeChunk ??= blocks
    })
    const newBlock = { type: 'new_block' as const, data: { block: bigBlock(100_000) } }
    let sent = 0
    const topUp = (): void => {
      while (sender.trySend(receiver.peerId, newBlock)) sent++
    }
    topUp()
    const timer = setInterval(topUp, 2)
    try {
      // Let the pipeline fill (the receiver paused, the queue full), then queue one bulk-class message.
      await waitFor(() => blocks >= 20)
      const queuedAt = sent
      expect(
        sender.trySend(receiver.peerId, {
          type: 'chunk',
          data: {
            transferId: 1,
            index: 0,
            total: 1,
            totalLength: 100,
            chunkSize: 100,
            digest: new Uint8Array(32),
            bytes: new Uint8Array(100),
          },
        }),
      ).toBe(true)
      // It leaves within the first round after it was queued, not once the block stream stops (it never does
      // here): at most the blocks already queued ahead of it, plus what was in flight, are handled first.
      await waitFor(() => blocksBeforeChunk !== undefined, 5_000)
      expect(blocksBeforeChunk as number).toBeLessThanOrEqual(queuedAt)
      expect(sent).toBeGreaterThan(queuedAt)
    } finally {
      clearInterval(timer)
    }
  })

  it('rekeys on the configured schedule, and a node with another schedule cannot connect', async () => {
    const rekey = { rekeyAfterMessages: 100, rekeyAfterBytes: 256 * 1024 }
    const a = await node({ listen: ['tcp://127.0.0.1:0'], ...rekey })
    const b = await node({ listen: [], ...rekey })
    const block = bigBlock(3_500_000)
    a.handle('get_blocks', () => ({ type: 'blocks', data: { blocks: [block] } }))
    await b.dial(a.listenAddresses()[0] as string)
    for (let i = 0; i < 6; i++) {
      const response = await b.request(a.peerId, {
        type: 'get_blocks',
        data: { by: 'range', from: 0, count: 1 },
      })
      expect(response.type === 'blocks' && response.data.blocks[0]?.transactions.length).toBe(
        block.transactions.length,
      )
    }
    expect(b.getNetworkStatus().peers[0]?.bytesIn).toBeGreaterThan(6 * 3_500_000)
    const other = await node({ listen: [] })
    await expect(other.dial(a.listenAddresses()[0] as string)).rejects.toMatchObject({
      code: 'ERR_NETWORK_MISMATCH',
    })
  })
})

/** A valid block of about `size` bytes: transactions carrying the largest data field allowed. */
function bigBlock(size: number): Block {
  const perTx = 65_536
  const count = Math.ceil(size / (perTx + 200))
  return {
    header: {
      version: 1,
      height: 1,
      prevHash: new Uint8Array(32),
      merkleRoot: new Uint8Array(32),
      timestamp: 1_700_000_000_000,
      bits: 0x1d00ffff,
      nonce: 0,
    },
    transactions: Array.from({ length: count }, (_, i) => ({
      version: 1,
      from: new Uint8Array(32).fill(1),
      to: new Uint8Array(32).fill(2),
      amount: 1n,
      fee: 1n,
      nonce: i,
      data: new Uint8Array(perTx).fill(i & 0xff),
      signature: new Uint8Array(64),
    })),
  }
}

/*
 * One side of the network benchmark's chainwire cases, run as a child process (see `child.ts`): the parent
 * sends commands over IPC (`{ id, op, args }`) and gets `{ id, ok, result | error }` back. The same worker
 * plays the sender (client) or the receiver (listener) of every case, so chainwire, raw TCP and the bounds
 * (sealing, handshake crypto) run in the same pair of processes, each with a core of its own. js-libp2p runs
 * in a pair of its own (`libp2p-worker.ts`): a process that loads it carries its module graph in the heap
 * every garbage collection marks, which is not chainwire's cost.
 */
import {
  createCipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto'
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { systemClock } from '@chainwire/interface'
import {
  createIdentity,
  createNetwork,
  createTcpTransport,
  type Network,
  type NetworkOptions,
  type SecureConnection,
  secureInbound,
  secureOutbound,
} from '@chainwire/network'
import { type ChunkData, chunkByteLength, copyChunkBytes } from '@chainwire/protocol-codec'
import { type Args, commonOps, count, MESSAGE_BYTES, now, num, payload, pool, sleep, str } from './counters'
import { BENCH_LIMITS, chunkMessage } from './limits'
import { serveOps } from './serve'

/** Plaintext bytes of one Noise transport message (65535 minus the 16-byte tag). */
const NOISE_PLAINTEXT = 65_519
const NETWORK_ID = 'chainwire-bench'

export { BENCH_LIMITS }

// -------------------------------------------------------------------------------------------------- helpers

async function listenTcp(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ noDelay: true }, onSocket)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { server, port: address.port }
}

async function connectTcp(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true })
  await once(socket, 'connect')
  return socket
}

/** A TCP listener whose sockets are secured as Noise responders; `onSecure` gets each connection; the port. */
async function listenSecure(onSecure: (conn: SecureConnection) => void): Promise<number> {
  const identity = createIdentity()
  const { server, port } = await listenTcp((socket) => {
    sockets.push(socket)
    secureInbound(socket, { identity, networkId: NETWORK_ID, clock: systemClock }).then(onSecure, () =>
      socket.destroy(),
    )
  })
  servers.push(server)
  return port
}

/** Writes `messages` times through `write`, waiting for 'drain' whenever it asks to. */
async function writeAll(
  stream: NodeJS.WritableStream,
  messages: number,
  write: () => boolean,
): Promise<void> {
  for (let i = 0; i < messages; i++) {
    if (!write()) await once(stream, 'drain')
  }
}

/** Sends `messages` 1 MiB messages with the codec's framing (a 4-byte length, then the message); the start time. */
async function sendChannel(stream: NodeJS.WritableStream, messages: number): Promise<number> {
  const header = Buffer.alloc(4)
  header.writeUInt32BE(MESSAGE_BYTES)
  const start = now()
  await writeAll(stream, messages, () => {
    stream.write(header)
    return stream.write(payload)
  })
  return start
}

/** Sends `messages` 1 MiB `chunk` messages to `peerId`, each when the send queue takes it; the start time. */
async function sendStack(network: Network, peerId: string, messages: number): Promise<number> {
  const start = now()
  for (let i = 0; i < messages; i++) await network.send(peerId, chunkMessage(i, payload))
  return start
}

const benchNetwork = (options: NetworkOptions = {}): Network =>
  createNetwork(
    { identity: createIdentity(), clock: systemClock, transports: [createTcpTransport()] },
    { networkId: NETWORK_ID, ...BENCH_LIMITS, ...options },
  )

/*
 * What the receivers do with what they get. The plain cases (`channel`, `stack`, ...) count the bytes as they
 * arrive: the channel's stream pieces, the stack's `chunk` messages by `chunkByteLength` (a large chunk
 * arrives as its decrypted pieces, and nothing joins them). The copy cases (`channel-copy`, `stack-copy`,
 * ...) do what a bulk consumer does with them: copy every message's bytes into a reassembly buffer of a
 * message's size, reused for every message (one per case), the channel's stream pieces in stream order, the
 * stack's chunks with `copyChunkBytes` (straight from the pieces, as `ChunkReassembler` does).
 */
const sinks = new Map<string, { buffer: Uint8Array; fill: number }>()
function sinkOf(kind: string): { buffer: Uint8Array; fill: number } {
  let sink = sinks.get(kind)
  if (sink === undefined) {
    // A message and its 4-byte frame header: the channel's stream carries both.
    sink = { buffer: new Uint8Array(MESSAGE_BYTES + 4), fill: 0 }
    sinks.set(kind, sink)
  }
  return sink
}

/** The channel's receiver of `kind`: counts stream pieces, and copies them when `kind` is a copy case. */
function channelReceiver(kind: string): (c: Buffer) => void {
  if (!kind.includes('-copy')) return (c) => count(kind, c.length)
  const sink = sinkOf(kind)
  return (c) => {
    let at = 0
    while (at < c.length) {
      const take = Math.min(sink.buffer.length - sink.fill, c.length - at)
      sink.buffer.set(take === c.length ? c : c.subarray(at, at + take), sink.fill)
      sink.fill = (sink.fill + take) % sink.buffer.length
      at += take
    }
    count(kind, c.length)
  }
}

/** The stack's `message:chunk` listener of `kind`: counts chunks, and copies them when `kind` is a copy case. */
function stackReceiver(kind: string): (e: { message: { data: ChunkData } }) => void {
  if (!kind.includes('-copy')) return (e) => count(kind, chunkByteLength(e.message.data))
  const sink = sinkOf(kind)
  return (e) => {
    copyChunkBytes(e.message.data, sink.buffer, 0)
    count(kind, chunkByteLength(e.message.data))
  }
}

// ---------------------------------------------------------------------------------------------- the state

const servers: Server[] = []
const sockets: Socket[] = []
/** The sending ends of the channel cases, by case (`channel`, `channel-down`, `channel-copy`, ...). */
const channelEnds = new Map<string, SecureConnection>()
let rawSocket: Socket | undefined
/** The sending nodes of the stack cases and their peer, by case (`stack`, `stack-down`, `stack-copy`, ...). */
const stackEnds = new Map<string, { network: Network; peerId: Promise<string> }>()
/**
 * The download direction (`*-down`): the sending process listens and the receiving one dials, as a syncing
 * node dials the peers it downloads from. The sender's end of each connection, once the receiver dialed.
 */
/** The receiver's dialing ends of the download cases. */
const downloaders: { networks: Network[]; channels: SecureConnection[] } = { networks: [], channels: [] }
/** Listener node of chainwire's handshake and memory cases. */
let stackListener: Network | undefined
/** Dialer pools of the handshake case. */
const stackDialers: Network[] = []
/** Connections made by `stack:handshakes`, closed by `stack:hangup`. */
const stackConnected: { network: Network; peerId: string }[] = []
/** Connections held open by the memory case (dialer side). */
const held: { networks: Network[]; sockets: Socket[] } = { networks: [], sockets: [] }

/** Memory after two full GCs: RSS, and the JS heap in use (its part of RSS), in bytes. */
function gcAndMemory(): { rss: number; heap: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run the worker with --expose-gc')
  gc()
  gc()
  const m = process.memoryUsage()
  return { rss: m.rss, heap: m.heapUsed }
}

// ---------------------------------------------------------------------------------------------- operations

/**
 * The operations of a channel case `kind` (`channel` or `channel-copy`) in both directions: up, where the
 * receiver listens, and down (`<kind>-down`), where the sender listens and the receiver dials through
 * chainwire's TCP transport (the same path `createNetwork` dials with).
 */
function channelOps(kind: string): Record<string, (a: Args) => Promise<unknown>> {
  const down = `${kind}-down`
  const sendOn = (k: string, a: Args): Promise<number> =>
    sendChannel((channelEnds.get(k) as SecureConnection).stream, num(a, 'messages'))
  return {
    // the receiving process
    [`${kind}:listen`]: async () => listenSecure((conn) => conn.stream.on('data', channelReceiver(kind))),
    [`${down}:connect`]: async (a) => {
      const raw = await createTcpTransport().dial(`tcp://127.0.0.1:${num(a, 'port')}`, {
        signal: AbortSignal.timeout(5_000),
      })
      const conn = await secureOutbound(raw, {
        identity: createIdentity(),
        networkId: NETWORK_ID,
        clock: systemClock,
      })
      conn.stream.on('data', channelReceiver(down))
      downloaders.channels.push(conn)
    },
    // the sending process
    [`${kind}:connect`]: async (a) => {
      const socket = await connectTcp(num(a, 'port'))
      const conn = await secureOutbound(socket, {
        identity: createIdentity(),
        networkId: NETWORK_ID,
        clock: systemClock,
      })
      channelEnds.set(kind, conn)
    },
    [`${down}:listen`]: async () => listenSecure((conn) => channelEnds.set(down, conn)),
    [`${kind}:send`]: async (a) => sendOn(kind, a),
    [`${down}:send`]: async (a) => sendOn(down, a),
  }
}

/** The operations of a stack case `kind` (`stack` or `stack-copy`) in both directions, as {@link channelOps}. */
function stackOps(kind: string): Record<string, (a: Args) => Promise<unknown>> {
  const down = `${kind}-down`
  const sendOn = async (k: string, a: Args): Promise<number> => {
    const end = stackEnds.get(k) as { network: Network; peerId: Promise<string> }
    return sendStack(end.network, await end.peerId, num(a, 'messages'))
  }
  return {
    // the receiving process
    [`${kind}:listen`]: async () => {
      const network = benchNetwork({ listen: ['tcp://127.0.0.1:0'] })
      network.on('message:chunk', stackReceiver(kind))
      await network.start()
      if (kind === 'stack') stackListener = network
      else downloaders.networks.push(network)
      return network.listenAddresses()[0]
    },
    [`${down}:connect`]: async (a) => {
      const network = benchNetwork()
      network.on('message:chunk', stackReceiver(down))
      await network.start()
      await network.dial(str(a, 'address'))
      downloaders.networks.push(network)
    },
    // the sending process
    [`${kind}:connect`]: async (a) => {
      const network = benchNetwork()
      await network.start()
      const peer = await network.dial(str(a, 'address'))
      stackEnds.set(kind, { network, peerId: Promise.resolve(peer.peerId) })
    },
    [`${down}:listen`]: async () => {
      const network = benchNetwork({ listen: ['tcp://127.0.0.1:0'] })
      const peerId = new Promise<string>((resolve) =>
        network.once('peer:connected', (e) => resolve(e.peer.peerId)),
      )
      await network.start()
      stackEnds.set(down, { network, peerId })
      return network.listenAddresses()[0]
    },
    [`${kind}:send`]: async (a) => sendOn(kind, a),
    [`${down}:send`]: async (a) => sendOn(down, a),
  }
}

const ops: Record<string, (a: Args) => Promise<unknown>> = {
  ...commonOps,

  // ---- listeners (the receiving process)
  'raw:listen': async () => {
    const { server, port } = await listenTcp((socket) => {
      sockets.push(socket)
      socket.on('data', (c: Buffer) => count('raw', c.length))
    })
    servers.push(server)
    return port
  },
  ...channelOps('channel'),
  ...channelOps('channel-copy'),
  ...stackOps('stack'),
  ...stackOps('stack-copy'),

  // ---- senders (the sending process)
  'raw:connect': async (a) => {
    rawSocket = await connectTcp(num(a, 'port'))
  },
  'raw:send': async (a) => {
    const socket = rawSocket as Socket
    const start = now()
    await writeAll(socket, num(a, 'messages'), () => socket.write(payload))
    return start
  },
  /**
   * The physical limit of the design on one core: node:crypto ChaCha20-Poly1305 sealing the same bytes in
   * the same Noise messages (65519-byte plaintexts, a fresh cipher per 12-byte nonce, 16-byte tags).
   */
  seal: async (a) => {
    const key = randomBytes(32)
    const iv = Buffer.alloc(12)
    const options = { authTagLength: 16 } as const
    const start = now()
    let n = 0
    for (let m = 0; m < num(a, 'messages'); m++) {
      for (let at = 0; at < MESSAGE_BYTES; at += NOISE_PLAINTEXT) {
        iv.writeUInt32LE(n++, 4)
        const cipher = createCipheriv('chacha20-poly1305', key, iv, options)
        cipher.update(payload.subarray(at, Math.min(at + NOISE_PLAINTEXT, MESSAGE_BYTES)))
        cipher.final()
        cipher.getAuthTag()
      }
    }
    return now() - start
  },

  /**
   * The crypto of `count` handshake sides, one after another on this core: what one side of a Noise XX
   * handshake with chainwire's payload cannot do without. An X25519 key pair, three key agreements (each
   * importing the remote's raw public key, as node:crypto needs a key object), one Ed25519 signature and one
   * verification over the 59-byte signed data. Resolves with the elapsed ms.
   */
  'handshake-crypto': async (a) => {
    const remote = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x as string
    const identity = generateKeyPairSync('ed25519')
    const signed = randomBytes(59)
    const signature = sign(null, signed, identity.privateKey)
    const start = now()
    for (let i = 0; i < num(a, 'count'); i++) {
      const ephemeral = generateKeyPairSync('x25519')
      for (let k = 0; k < 3; k++) {
        const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: remote }, format: 'jwk' })
        diffieHellman({ privateKey: ephemeral.privateKey, publicKey })
      }
      sign(null, signed, identity.privateKey)
      if (!verify(null, signed, identity.publicKey, signature)) throw new Error('verify failed')
    }
    return now() - start
  },

  // ---- handshakes: dialer pools, each dials once per batch (one identity per dialer: a chainwire node keeps
  // one connection per peer)
  'stack:dialers': async (a) => {
    while (stackDialers.length < num(a, 'count')) {
      const network = benchNetwork()
      await network.start()
      stackDialers.push(network)
    }
  },
  /**
   * `count` dials, `concurrency` at a time, each until the peer is connected (Noise + hello done), dial `i`
   * by dialer `i` (never one already connected). The connections stay open for `stack:hangup` (so the
   * parent can read both processes' CPU time before they are closed).
   */
  'stack:handshakes': async (a) => {
    const address = str(a, 'address')
    const count = num(a, 'count')
    if (count > stackDialers.length) throw new Error('not enough dialers')
    const start = now()
    await pool(count, num(a, 'concurrency'), async (i) => {
      const network = stackDialers[i] as Network
      const peer = await network.dial(address)
      stackConnected.push({ network, peerId: peer.peerId })
    })
    return now() - start
  },
  /** Closes the connections `stack:handshakes` made. */
  'stack:hangup': async () => {
    const connected = stackConnected.splice(0)
    await Promise.all(connected.map((c) => c.network.disconnect(c.peerId)))
    await sleep(100)
  },

  // ---- memory: the listener measures its RSS after a GC; the dialer holds the other ends
  /** `process.memoryUsage()` after two full GCs. */
  memory: async () => {
    gcAndMemory()
    return process.memoryUsage()
  },
  rss: async () => {
    await sleep(200)
    return gcAndMemory()
  },
  'stack:hold': async (a) => {
    const address = str(a, 'address')
    const start = held.networks.length
    for (let i = 0; i < num(a, 'count'); i++) held.networks.push(benchNetwork())
    await pool(num(a, 'count'), 32, async (i) => {
      const network = held.networks[start + i] as Network
      await network.start()
      await network.dial(address)
    })
  },
  'raw:hold': async (a) => {
    await pool(num(a, 'count'), 32, async () => {
      held.sockets.push(await connectTcp(num(a, 'port')))
    })
  },
  'stack:peers': async () => stackListener?.peers().length ?? 0,
  'raw:peers': async () => sockets.length,

  close: async () => {
    const stops: Promise<unknown>[] = []
    for (const n of [
      ...[...stackEnds.values()].map((e) => e.network),
      stackListener,
      ...downloaders.networks,
      ...stackDialers,
      ...held.networks,
    ]) {
      if (n !== undefined) stops.push(n.stop().catch(() => {}))
    }
    await Promise.race([Promise.all(stops), sleep(3_000)])
    for (const s of [...sockets, ...held.sockets]) s.destroy()
    rawSocket?.destroy()
    for (const c of channelEnds.values()) c.close()
    for (const c of downloaders.channels) c.close()
    for (const s of servers) s.close()
  },
}

serveOps(ops)

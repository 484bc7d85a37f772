/*
 * One side of the network benchmark, run as a child process (see `child.ts`): the parent sends commands
 * over IPC (`{ id, op, args }`) and gets `{ id, ok, result | error }` back. The same worker plays the
 * sender (client) or the receiver (listener) of every case, so chainwire, raw TCP and js-libp2p run in the
 * same pair of processes, each with a core of its own.
 *
 * Time stamps are `performance.timeOrigin + performance.now()`: wall-clock milliseconds with sub-millisecond
 * resolution, comparable between the two processes of one machine.
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
import { realpathSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
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
import type { MessageOf } from '@chainwire/protocol-codec'

/** Size of one application message of the bulk cases: protocol-codec's largest `chunk` payload (1 MiB). */
export const MESSAGE_BYTES = 1_048_576
/** Plaintext bytes of one Noise transport message (65535 minus the 16-byte tag). */
const NOISE_PLAINTEXT = 65_519
const NETWORK_ID = 'chainwire-bench'
const LIBP2P_PROTOCOL = '/chainwire-bench/bulk/1'
/** The js-libp2p protocol that carries whole messages (it-length-prefixed framing, as libp2p's own protocols). */
const LIBP2P_MESSAGES = '/chainwire-bench/messages/1'
/** Both again in the download direction: the dialer opens the stream and the listener sends on it. */
const LIBP2P_BULK_DOWN = '/chainwire-bench/bulk-down/1'
const LIBP2P_MESSAGES_DOWN = '/chainwire-bench/messages-down/1'

const now = (): number => performance.timeOrigin + performance.now()
const payload = randomBytes(MESSAGE_BYTES)

/** The connection limits and rate limits a benchmark listener needs (defaults protect a public node). */
export const BENCH_LIMITS: NetworkOptions = {
  maxConnections: 5_000,
  maxInbound: 5_000,
  maxInboundPerIp: 5_000,
  maxInboundPerNetGroup: 5_000,
  maxPendingInbound: 256,
  inboundRatePerIp: 1_000_000,
  inboundBurstPerIp: 1_000_000,
  maxManual: 5_000,
  rateLimits: {
    bulk: {
      messagesPerSecond: 1e9,
      messageBurst: 1e9,
      bytesPerSecond: 1e12,
      byteBurst: 1e12,
    },
  },
}

// ----------------------------------------------------------------------------------------- receive counters

type Kind =
  | 'raw'
  | 'channel'
  | 'stack'
  | 'channel-down'
  | 'stack-down'
  | 'libp2p'
  | 'libp2p-msg'
  | 'libp2p-down'
  | 'libp2p-msg-down'

const received: Record<Kind, number> = {
  raw: 0,
  channel: 0,
  stack: 0,
  'channel-down': 0,
  'stack-down': 0,
  libp2p: 0,
  'libp2p-msg': 0,
  'libp2p-down': 0,
  'libp2p-msg-down': 0,
}
const waiters: { kind: Kind; target: number; resolve: (at: number) => void }[] = []

function count(kind: Kind, n: number): void {
  const total = (received[kind] += n)
  for (let i = 0; i < waiters.length; i++) {
    const w = waiters[i] as (typeof waiters)[number]
    if (w.kind === kind && total >= w.target) {
      waiters.splice(i--, 1)
      w.resolve(now())
    }
  }
}

/** Resolves with the time the cumulative bytes received of `kind` reach `target`. */
function waitFor(kind: Kind, target: number): Promise<number> {
  if (received[kind] >= target) return Promise.resolve(now())
  return new Promise((resolve) => waiters.push({ kind, target, resolve }))
}

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

/**
 * Counts the whole messages of a js-libp2p stream framed with it-length-prefixed, each handed over as one
 * contiguous array (the stack's workload).
 */
async function countMessages(
  lp: typeof import('it-length-prefixed'),
  source: AsyncIterable<Any>,
  kind: Kind,
): Promise<void> {
  for await (const message of lp.decode(source, { maxDataLength: 4_000_000 })) {
    const bytes: Uint8Array = message.subarray()
    count(kind, bytes.byteLength)
  }
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
  for (let i = 0; i < messages; i++) await network.send(peerId, chunkMessage(i))
  return start
}

const benchNetwork = (options: NetworkOptions = {}): Network =>
  createNetwork(
    { identity: createIdentity(), clock: systemClock, transports: [createTcpTransport()] },
    { networkId: NETWORK_ID, ...BENCH_LIMITS, ...options },
  )

function chunkMessage(index: number): MessageOf<'chunk'> {
  return {
    type: 'chunk',
    data: {
      transferId: 1,
      index: index % 256,
      total: 256,
      totalLength: 256 * MESSAGE_BYTES,
      chunkSize: MESSAGE_BYTES,
      digest: DIGEST,
      bytes: payload,
    },
  }
}
const DIGEST = new Uint8Array(32)

// ------------------------------------------------------------------------------------------------- js-libp2p

/* js-libp2p is loaded only when a case uses it, so the chainwire cases never pay for its modules. */
// biome-ignore lint/suspicious/noExplicitAny: js-libp2p's types are not worth importing for a benchmark driver
type Any = any

/** js-libp2p 2.x's dependencies call `Promise.withResolvers` (Node 22+); Node 20 lacks it. */
function polyfillWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: () => unknown }
  P.withResolvers ??= () => {
    let resolve!: (value: unknown) => void
    let reject!: (reason: unknown) => void
    const promise = new Promise((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

async function libp2pNode(listen: boolean): Promise<Any> {
  polyfillWithResolvers()
  const [{ createLibp2p }, { tcp }, { noise }, { yamux }, { identify }] = await Promise.all([
    import('libp2p'),
    import('@libp2p/tcp'),
    import('@chainsafe/libp2p-noise'),
    import('@chainsafe/libp2p-yamux'),
    import('@libp2p/identify'),
  ])
  return createLibp2p({
    addresses: { listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    // The defaults protect a public node (5 inbound connections per second per host, 10 pending): raised
    // like chainwire's for the handshake case.
    connectionManager: {
      maxConnections: 10_000,
      maxIncomingPendingConnections: 1_000,
      inboundConnectionThreshold: 1e9,
      maxParallelDials: 1_000,
    },
  } as Any)
}

/** `multiaddr()` of the @multiformats/multiaddr that js-libp2p itself uses (not a dependency of this package). */
async function multiaddrOf(text: string): Promise<Any> {
  const libp2pDir = dirname(dirname(dirname(realpathSync(fileURLToPath(import.meta.resolve('libp2p'))))))
  const entry = join(libp2pDir, '..', '@multiformats', 'multiaddr', 'dist', 'src', 'index.js')
  const mod = (await import(pathToFileURL(entry).href)) as { multiaddr(s: string): Any }
  return mod.multiaddr(text)
}

/** A source for a libp2p stream's sink that yields what is pushed to it, waiting when empty. */
class Pushable implements AsyncIterable<Uint8Array> {
  private readonly items: Uint8Array[] = []
  private wake: (() => void) | undefined
  private ended = false

  push(item: Uint8Array): void {
    this.items.push(item)
    this.wake?.()
  }

  end(): void {
    this.ended = true
    this.wake?.()
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const item = this.items.shift()
      if (item !== undefined) {
        yield item
        continue
      }
      if (this.ended) return
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
      this.wake = undefined
    }
  }
}

// ---------------------------------------------------------------------------------------------- the state

const servers: Server[] = []
const sockets: Socket[] = []
let channel: SecureConnection | undefined
let rawSocket: Socket | undefined
let stack: { network: Network; peerId: string } | undefined
/**
 * The download direction (`*-down`): the sending process listens and the receiving one dials, as a syncing
 * node dials the peers it downloads from. The sender's end of each connection, once the receiver dialed.
 */
let channelDown: SecureConnection | undefined
let stackDown: { network: Network; peerId: Promise<string> } | undefined
/** js-libp2p's download cases: the sender's ends of the streams the receiver opened, once they are open. */
let libp2pDown: Promise<Pushable> | undefined
let libp2pMsgDown: Promise<{ source: Pushable; encode: (m: Uint8Array) => Uint8Array }> | undefined
let libp2pDownNode: Any
/** The receiver's dialing ends of the download cases. */
const downloaders: { networks: Network[]; channels: SecureConnection[]; libp2p: Any[] } = {
  networks: [],
  channels: [],
  libp2p: [],
}
let libp2p: { node: Any; source: Pushable } | undefined
let libp2pMessages: { source: Pushable; encode: (m: Uint8Array) => Uint8Array } | undefined
/** Listener nodes (chainwire and js-libp2p) of the handshake and memory cases. */
let stackListener: Network | undefined
let libp2pListener: Any
/** Dialer pools of the handshake case. */
const stackDialers: Network[] = []
/** Connections made by `stack:handshakes`, closed by `stack:hangup`. */
const stackConnected: { network: Network; peerId: string }[] = []
const libp2pDialers: Any[] = []
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Runs `total` tasks with at most `concurrency` at once. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const run = async (): Promise<void> => {
    while (next < total) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, run))
}

// ---------------------------------------------------------------------------------------------- operations

type Args = Record<string, unknown>
const num = (a: Args, k: string): number => a[k] as number
const str = (a: Args, k: string): string => a[k] as string

const ops: Record<string, (a: Args) => Promise<unknown>> = {
  /** Received bytes of a kind reached `target`: resolves with the time it happened. */
  wait: async (a) => waitFor(a.kind as Kind, num(a, 'target')),

  // ---- listeners (the receiving process)
  'raw:listen': async () => {
    const { server, port } = await listenTcp((socket) => {
      sockets.push(socket)
      socket.on('data', (c: Buffer) => count('raw', c.length))
    })
    servers.push(server)
    return port
  },
  'channel:listen': async () =>
    listenSecure((conn) => conn.stream.on('data', (c: Buffer) => count('channel', c.length))),
  'stack:listen': async () => {
    const network = benchNetwork({ listen: ['tcp://127.0.0.1:0'] })
    network.on('message:chunk', (e) => count('stack', e.message.data.bytes.length))
    await network.start()
    stackListener = network
    return network.listenAddresses()[0]
  },
  'libp2p:listen': async () => {
    const node = await libp2pNode(true)
    await node.handle(
      LIBP2P_PROTOCOL,
      async ({ stream }: Any) => {
        for await (const chunk of stream.source) count('libp2p', chunk.byteLength as number)
      },
      { maxInboundStreams: 1_000 },
    )
    // The same workload as chainwire's stack: whole 1 MiB messages, each framed with it-length-prefixed
    // (what libp2p's own message protocols use) and handed to the application as one contiguous array.
    const lp = await import('it-length-prefixed')
    await node.handle(
      LIBP2P_MESSAGES,
      async ({ stream }: Any) => countMessages(lp, stream.source, 'libp2p-msg'),
      { maxInboundStreams: 1_000 },
    )
    libp2pListener = node
    return node.getMultiaddrs()[0].toString()
  },

  // ---- the download direction: the sender listens (these two run in the sending process) ...
  'channel-down:listen': async () =>
    listenSecure((conn) => {
      channelDown = conn
    }),
  'stack-down:listen': async () => {
    const network = benchNetwork({ listen: ['tcp://127.0.0.1:0'] })
    const peerId = new Promise<string>((resolve) =>
      network.once('peer:connected', (e) => resolve(e.peer.peerId)),
    )
    await network.start()
    stackDown = { network, peerId }
    return network.listenAddresses()[0]
  },
  'libp2p-down:listen': async () => {
    const node = await libp2pNode(true)
    const lp = await import('it-length-prefixed')
    /** The stream of `protocol` the receiver opens, fed from a Pushable of its own. */
    const opened = (protocol: string): Promise<Pushable> =>
      new Promise((resolve) => {
        void node.handle(protocol, async ({ stream }: Any) => {
          const source = new Pushable()
          void stream.sink(source).catch(() => {})
          resolve(source)
        })
      })
    libp2pDown = opened(LIBP2P_BULK_DOWN)
    libp2pMsgDown = opened(LIBP2P_MESSAGES_DOWN).then((source) => ({
      source,
      encode: (m: Uint8Array) => lp.encode.single(m) as unknown as Uint8Array,
    }))
    libp2pDownNode = node
    return node.getMultiaddrs()[0].toString()
  },
  // ... and the receiver dials through chainwire's TCP transport (the same path `createNetwork` dials with).
  'channel-down:connect': async (a) => {
    const raw = await createTcpTransport().dial(`tcp://127.0.0.1:${num(a, 'port')}`, {
      signal: AbortSignal.timeout(5_000),
    })
    const conn = await secureOutbound(raw, {
      identity: createIdentity(),
      networkId: NETWORK_ID,
      clock: systemClock,
    })
    conn.stream.on('data', (c: Buffer) => count('channel-down', c.length))
    downloaders.channels.push(conn)
  },
  'stack-down:connect': async (a) => {
    const network = benchNetwork()
    network.on('message:chunk', (e) => count('stack-down', e.message.data.bytes.length))
    await network.start()
    await network.dial(str(a, 'address'))
    downloaders.networks.push(network)
  },
  'libp2p-down:connect': async (a) => {
    const node = await libp2pNode(false)
    downloaders.libp2p.push(node)
    const address = await multiaddrOf(str(a, 'address'))
    const bulk = await node.dialProtocol(address, LIBP2P_BULK_DOWN)
    void (async () => {
      for await (const chunk of bulk.source) count('libp2p-down', chunk.byteLength as number)
    })().catch(() => {})
    const messages = await node.dialProtocol(address, LIBP2P_MESSAGES_DOWN)
    const lp = await import('it-length-prefixed')
    void countMessages(lp, messages.source, 'libp2p-msg-down').catch(() => {})
  },
  'libp2p-down:send': async (a) => {
    const source = await (libp2pDown as Promise<Pushable>)
    const start = now()
    for (let i = 0; i < num(a, 'messages'); i++) source.push(payload)
    return start
  },
  'libp2p-msg-down:send': async (a) => {
    const { source, encode } = await (libp2pMsgDown as NonNullable<typeof libp2pMsgDown>)
    const start = now()
    for (let i = 0; i < num(a, 'messages'); i++) source.push(encode(payload))
    return start
  },
  'channel-down:send': async (a) => sendChannel((channelDown as SecureConnection).stream, num(a, 'messages')),
  'stack-down:send': async (a) => {
    const { network, peerId } = stackDown as { network: Network; peerId: Promise<string> }
    return sendStack(network, await peerId, num(a, 'messages'))
  },

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
  'channel:connect': async (a) => {
    const socket = await connectTcp(num(a, 'port'))
    channel = await secureOutbound(socket, {
      identity: createIdentity(),
      networkId: NETWORK_ID,
      clock: systemClock,
    })
  },
  'channel:send': async (a) => sendChannel((channel as SecureConnection).stream, num(a, 'messages')),
  'stack:connect': async (a) => {
    const network = benchNetwork()
    await network.start()
    const peer = await network.dial(str(a, 'address'))
    stack = { network, peerId: peer.peerId }
  },
  'stack:send': async (a) => {
    const { network, peerId } = stack as { network: Network; peerId: string }
    return sendStack(network, peerId, num(a, 'messages'))
  },
  'libp2p:connect': async (a) => {
    const node = await libp2pNode(false)
    const stream = await node.dialProtocol(await multiaddrOf(str(a, 'address')), LIBP2P_PROTOCOL)
    const source = new Pushable()
    void stream.sink(source).catch(() => {})
    libp2p = { node, source }
  },
  'libp2p-msg:connect': async (a) => {
    const node = (libp2p as { node: Any }).node
    const stream = await node.dialProtocol(await multiaddrOf(str(a, 'address')), LIBP2P_MESSAGES)
    const source = new Pushable()
    void stream.sink(source).catch(() => {})
    const lp = await import('it-length-prefixed')
    // encode.single gives a list of the varint prefix and the payload itself (no copy); the stream takes it
    libp2pMessages = { source, encode: (m) => lp.encode.single(m) as unknown as Uint8Array }
  },
  'libp2p-msg:send': async (a) => {
    const { source, encode } = libp2pMessages as { source: Pushable; encode: (m: Uint8Array) => Uint8Array }
    const start = now()
    for (let i = 0; i < num(a, 'messages'); i++) source.push(encode(payload))
    return start
  },
  'libp2p:send': async (a) => {
    const { source } = libp2p as { source: Pushable }
    const start = now()
    for (let i = 0; i < num(a, 'messages'); i++) source.push(payload)
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
  'libp2p:dialers': async (a) => {
    while (libp2pDialers.length < num(a, 'count')) libp2pDialers.push(await libp2pNode(false))
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
  /** `count` dials, `concurrency` at a time, each until identify completed on the dialer; as above. */
  'libp2p:handshakes': async (a) => {
    const address = await multiaddrOf(str(a, 'address'))
    const count = num(a, 'count')
    if (count > libp2pDialers.length) throw new Error('not enough dialers')
    const connected: { node: Any; peer: Any }[] = []
    const start = now()
    await pool(count, num(a, 'concurrency'), async (i) => {
      const node = libp2pDialers[i]
      const identified = new Promise<void>((resolve) => {
        const onIdentify = (): void => {
          node.removeEventListener('peer:identify', onIdentify)
          resolve()
        }
        node.addEventListener('peer:identify', onIdentify)
      })
      const conn = await node.dial(address)
      await identified
      connected.push({ node, peer: conn.remotePeer })
    })
    const elapsed = now() - start
    await Promise.all(connected.map((c) => c.node.hangUp(c.peer)))
    await sleep(100)
    return elapsed
  },

  // ---- memory: the listener measures its RSS after a GC; the dialer holds the other ends
  /** `process.memoryUsage()` after two full GCs. */
  memory: async () => {
    gcAndMemory()
    return process.memoryUsage()
  },
  /** CPU time used by this process so far (user + system), in ms. */
  cpu: async () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1_000
  },
  /** Minor page faults of this process so far. */
  faults: async () => process.resourceUsage().minorPageFault,
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
      stack?.network,
      stackListener,
      stackDown?.network,
      ...downloaders.networks,
      ...stackDialers,
      ...held.networks,
    ]) {
      if (n !== undefined) stops.push(n.stop().catch(() => {}))
    }
    for (const n of [libp2p?.node, libp2pListener, libp2pDownNode, ...downloaders.libp2p, ...libp2pDialers]) {
      if (n !== undefined) stops.push(Promise.resolve(n.stop()).catch(() => {}))
    }
    await Promise.race([Promise.all(stops), sleep(3_000)])
    for (const s of [...sockets, ...held.sockets]) s.destroy()
    rawSocket?.destroy()
    channel?.close()
    channelDown?.close()
    for (const c of downloaders.channels) c.close()
    for (const s of servers) s.close()
  },
}

process.on('message', (msg: { id: number; op: string; args: Args }) => {
  const op = ops[msg.op]
  const reply = (body: object): void => {
    process.send?.({ id: msg.id, ...body })
  }
  if (op === undefined) {
    reply({ ok: false, error: `unknown op ${msg.op}` })
    return
  }
  op(msg.args).then(
    (result) => reply({ ok: true, result }),
    (err: unknown) =>
      reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  )
})
process.on('disconnect', () => process.exit(0))
process.send?.({ id: 0, ok: true, result: 'ready' })

/*
 * js-libp2p for the network benchmark's baselines, in its two current majors (tcp + noise + yamux + identify
 * each). Each major's modules are loaded only when a case asks for its driver, so the chainwire cases never
 * pay for them and a worker on Node 20 never loads 3.x.
 *
 * - 2.x (`libp2p`, `@libp2p/tcp` 10, `@chainsafe/libp2p-noise` 16, `@chainsafe/libp2p-yamux` 7,
 *   `@libp2p/identify` 3): a stream is a duplex, read through its `source` async iterable and written by
 *   handing its `sink` an async iterable; whole messages are framed with it-length-prefixed.
 * - 3.x (`libp2p-v3` and the other `-v3` aliases: `libp2p` 3, `@libp2p/tcp` 11, `@libp2p/noise` 17,
 *   `@libp2p/yamux` 8, `@libp2p/identify` 4, the set libp2p 3's README names): a stream is a message stream,
 *   read through its 'message' events and written with `send()`, which returns false once its buffer is full
 *   ('drain' or `onDrain()` then says when to go on); whole messages are framed with `lpStream` of
 *   `@libp2p/utils` 7, as libp2p 3's own protocols frame theirs (the same unsigned-varint length prefix).
 *   It is measured on Node >= 22 only (`libp2pSupport`).
 *
 * The benchmark workloads are the same for both: one stream carrying 1 MiB writes counted as bytes arrive,
 * and one carrying 1 MiB messages each handed to the application whole and contiguous.
 */
import { realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Stream } from 'libp2p-interface-v3'

// biome-ignore lint/suspicious/noExplicitAny: js-libp2p 2's types are not worth importing for a bench driver
export type Any = any

/** The js-libp2p majors the benchmark compares with. */
export type Major = 2 | 3

/** Largest message the benchmark's framed streams accept: both ends of the 1 MiB workload. */
const MAX_MESSAGE = 4_000_000

/**
 * Why `major` is not measured on Node `nodeVersion` (`process.versions.node`), or undefined when it is.
 * js-libp2p 3's streams and muxer (@libp2p/utils 7's message and byte streams, @libp2p/yamux 8) call
 * `Promise.withResolvers`, which Node 20 lacks: unpatched, a Node 20 listener resets every connection, so
 * js-libp2p 3 is measured where it runs unpatched, on Node >= 22. (2.x's dependencies get the polyfill
 * below on Node 20.)
 */
export function libp2pSupport(major: Major, nodeVersion: string): string | undefined {
  const nodeMajor = Number(nodeVersion.split('.')[0])
  if (major === 3 && nodeMajor < 22) {
    return `the workers run Node ${nodeVersion}; js-libp2p 3 calls Promise.withResolvers (Node >= 22)`
  }
  return undefined
}

/** Sends `messages` copies of the benchmark payload; resolves once the stream has taken them all. */
export type Send = (messages: number) => Promise<void>

/** What the network benchmark does with js-libp2p, the same calls for either major. */
export interface Libp2pDriver {
  readonly major: Major
  /** A node with tcp + noise + yamux + identify; listening on 127.0.0.1, port 0, if `listen`. */
  createNode(listen: boolean): Promise<Any>
  /** `text` as the multiaddr type this major's libp2p dials. */
  multiaddr(text: string): Promise<Any>
  /** Calls `onStream` with each inbound stream of `protocol` on `node`. */
  handle(node: Any, protocol: string, onStream: (stream: Any) => void): Promise<void>
  /** Opens a stream of `protocol` to `address` (a multiaddr string), dialing if needed. */
  open(node: Any, address: string, protocol: string): Promise<Any>
  /** Calls `onBytes` with the length of each piece of `stream` as it arrives. */
  countBytes(stream: Any, onBytes: (n: number) => void): void
  /** Calls `onMessage` with the length of each whole length-prefixed message, made contiguous. */
  countMessages(stream: Any, onMessage: (n: number) => void): void
  /** Writes `payload` to `stream` per message: as it is, or length-prefixed if `framed`. */
  sender(stream: Any, payload: Uint8Array, framed: boolean): Promise<Send>
}

/** The driver of `major`, its modules imported on the first call. */
export function libp2pDriver(major: Major): Promise<Libp2pDriver> {
  let driver = drivers.get(major)
  if (driver === undefined) {
    driver = major === 2 ? loadV2() : loadV3()
    drivers.set(major, driver)
  }
  return driver
}

const drivers = new Map<Major, Promise<Libp2pDriver>>()

/** The connection manager's defaults protect a public node (5 inbound connections per second per host, 10
 * pending): raised like chainwire's for the handshake case. The same options in both majors. */
const CONNECTION_MANAGER = {
  maxConnections: 10_000,
  maxIncomingPendingConnections: 1_000,
  inboundConnectionThreshold: 1e9,
  maxParallelDials: 1_000,
}

/** Options of `handle()`: room for every stream the benchmark opens on one connection. */
const HANDLE_OPTIONS = { maxInboundStreams: 1_000 }

const listenOn = (listen: boolean): { listen: string[] } => ({
  listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [],
})

// ------------------------------------------------------------------------------------------------------ 2.x

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

/** A source for a 2.x stream's sink that yields what is pushed to it, waiting when empty. */
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

async function loadV2(): Promise<Libp2pDriver> {
  polyfillWithResolvers()
  const [{ createLibp2p }, { tcp }, { noise }, { yamux }, { identify }, lp] = await Promise.all([
    import('libp2p'),
    import('@libp2p/tcp'),
    import('@chainsafe/libp2p-noise'),
    import('@chainsafe/libp2p-yamux'),
    import('@libp2p/identify'),
    import('it-length-prefixed'),
  ])
  // `multiaddr()` of the @multiformats/multiaddr 12 that js-libp2p 2 itself uses (not a dependency here).
  const libp2pDir = dirname(dirname(dirname(realpathSync(fileURLToPath(import.meta.resolve('libp2p'))))))
  const entry = join(libp2pDir, '..', '@multiformats', 'multiaddr', 'dist', 'src', 'index.js')
  const { multiaddr } = (await import(pathToFileURL(entry).href)) as { multiaddr(s: string): Any }
  return {
    major: 2,
    createNode: (listen) =>
      createLibp2p({
        addresses: listenOn(listen),
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: { identify: identify() },
        connectionManager: CONNECTION_MANAGER,
      } as Any),
    multiaddr: async (text) => multiaddr(text),
    handle: (node, protocol, onStream) =>
      node.handle(protocol, ({ stream }: Any) => onStream(stream), HANDLE_OPTIONS),
    open: async (node, address, protocol) => node.dialProtocol(multiaddr(address), protocol),
    countBytes(stream, onBytes) {
      void (async () => {
        for await (const chunk of stream.source) onBytes(chunk.byteLength as number)
      })().catch(() => {})
    },
    countMessages(stream, onMessage) {
      void (async () => {
        for await (const message of lp.decode(stream.source, { maxDataLength: MAX_MESSAGE })) {
          const bytes: Uint8Array = message.subarray()
          onMessage(bytes.byteLength)
        }
      })().catch(() => {})
    },
    async sender(stream, payload, framed) {
      const source = new Pushable()
      void stream.sink(source).catch(() => {})
      // encode.single gives a list of the varint prefix and the payload itself (no copy); the stream takes it
      const item = (): Uint8Array => (framed ? (lp.encode.single(payload) as unknown as Uint8Array) : payload)
      // The sink pulls from the source as yamux's window allows: pushing never waits.
      return async (messages) => {
        for (let i = 0; i < messages; i++) source.push(item())
      }
    },
  }
}

// ------------------------------------------------------------------------------------------------------ 3.x

async function loadV3(): Promise<Libp2pDriver> {
  const [{ createLibp2p }, { tcp }, { noise }, { yamux }, { identify }, { lpStream }, { multiaddr }] =
    await Promise.all([
      import('libp2p-v3'),
      import('libp2p-tcp-v3'),
      import('libp2p-noise-v3'),
      import('libp2p-yamux-v3'),
      import('libp2p-identify-v3'),
      import('libp2p-utils-v3'),
      import('multiaddr-v3'),
    ])
  return {
    major: 3,
    createNode: (listen) =>
      createLibp2p({
        addresses: listenOn(listen),
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: { identify: identify() },
        connectionManager: CONNECTION_MANAGER,
      }),
    multiaddr: async (text) => multiaddr(text),
    handle: (node, protocol, onStream) =>
      node.handle(protocol, (stream: Stream) => onStream(stream), HANDLE_OPTIONS),
    open: async (node, address, protocol) => node.dialProtocol(multiaddr(address), protocol),
    countBytes(stream: Stream, onBytes) {
      stream.addEventListener('message', (event) => onBytes(event.data.byteLength))
    },
    countMessages(stream: Stream, onMessage) {
      const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE })
      void (async () => {
        for (;;) {
          const message = await lp.read()
          const bytes: Uint8Array = message.subarray()
          onMessage(bytes.byteLength)
        }
      })().catch(() => {})
    },
    async sender(stream: Stream, payload, framed) {
      if (framed) {
        // write() sends the varint prefix and the payload as one list (no copy), waiting for 'drain' when
        // send() says the stream's buffer is full.
        const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE })
        return async (messages) => {
          for (let i = 0; i < messages; i++) await lp.write(payload)
        }
      }
      return async (messages) => {
        for (let i = 0; i < messages; i++) {
          if (!stream.send(payload)) await stream.onDrain()
        }
      }
    },
  }
}

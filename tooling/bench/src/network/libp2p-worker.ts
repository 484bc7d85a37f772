/*
 * One side of the network benchmark's js-libp2p cases, run as a child process like `worker.ts` (see
 * `child.ts`), in a pair of processes of its own: each js-libp2p major's modules are loaded on the first
 * operation that needs them (`libp2p.ts`), and nothing of chainwire is loaded here, so neither
 * implementation's module graph and state sit in the heap the other's garbage collections mark.
 */
import { type Args, commonOps, count, type Kind, now, num, payload, pool, sleep, str } from './counters'
import { type Any, libp2pDriver, type Major, type Send } from './libp2p'
import { serveOps } from './serve'

const LIBP2P_PROTOCOL = '/chainwire-bench/bulk/1'
/** The js-libp2p protocol of whole length-prefixed messages, framed as libp2p's protocols frame theirs. */
const LIBP2P_MESSAGES = '/chainwire-bench/messages/1'
/** Both again in the download direction: the dialer opens the stream and the listener sends on it. */
const LIBP2P_BULK_DOWN = '/chainwire-bench/bulk-down/1'
const LIBP2P_MESSAGES_DOWN = '/chainwire-bench/messages-down/1'

/** Every js-libp2p node this worker made, of either major: `close` stops them. */
const libp2pNodes: Any[] = []

/**
 * The js-libp2p operations of one major, named `<prefix>...` (`libp2p` for 2.x, `libp2p3` for 3.x), each
 * loading that major's modules on first use (`libp2p.ts`). The receiver counts `<prefix>` (one stream of
 * 1 MiB writes, counted as bytes arrive) and `<prefix>-msg` (1 MiB messages framed as that major's own
 * protocols frame theirs, each handed over whole), and the same two `-down` with the receiver dialing; the
 * handshake case dials with `<prefix>:dialers`.
 */
function libp2pOps(prefix: string, major: Major): Record<string, (a: Args) => Promise<unknown>> {
  const driver = () => libp2pDriver(major)
  const node = async (listen: boolean): Promise<Any> => {
    const n = await (await driver()).createNode(listen)
    libp2pNodes.push(n)
    return n
  }
  /** The sending ends of this major's cases, by kind, once their streams are open. */
  const senders = new Map<Kind, Promise<Send>>()
  const send = async (kind: Kind, messages: number): Promise<number> => {
    const write = await (senders.get(kind) as Promise<Send>)
    const start = now()
    await write(messages)
    return start
  }
  /** The sender's dialing node of the upload cases (both streams on one connection). */
  let uploader: Any
  /** Dialer pool of the handshake case. */
  const dialers: Any[] = []
  const bulk = (kind: Kind): Promise<Send> => senders.get(kind) as Promise<Send>
  return {
    // ---- the receiver listens for the upload direction ...
    [`${prefix}:listen`]: async () => {
      const d = await driver()
      const n = await node(true)
      await d.handle(n, LIBP2P_PROTOCOL, (stream) => d.countBytes(stream, (b) => count(prefix, b)))
      await d.handle(n, LIBP2P_MESSAGES, (stream) =>
        d.countMessages(stream, (b) => count(`${prefix}-msg`, b)),
      )
      return n.getMultiaddrs()[0].toString()
    },
    // ... which the sender dials, one stream of each workload on one connection.
    [`${prefix}:connect`]: async (a) => {
      const d = await driver()
      uploader = await node(false)
      const stream = await d.open(uploader, str(a, 'address'), LIBP2P_PROTOCOL)
      senders.set(prefix, d.sender(stream, payload, false))
      await bulk(prefix)
    },
    [`${prefix}-msg:connect`]: async (a) => {
      const d = await driver()
      const stream = await d.open(uploader, str(a, 'address'), LIBP2P_MESSAGES)
      senders.set(`${prefix}-msg`, d.sender(stream, payload, true))
      await bulk(`${prefix}-msg`)
    },
    // ---- the download direction: the sender listens and sends on the streams the receiver opens ...
    [`${prefix}-down:listen`]: async () => {
      const d = await driver()
      const n = await node(true)
      const opened = (protocol: string, framed: boolean): Promise<Send> =>
        new Promise((resolve) => {
          void d.handle(n, protocol, (stream) => resolve(d.sender(stream, payload, framed)))
        })
      senders.set(`${prefix}-down`, opened(LIBP2P_BULK_DOWN, false))
      senders.set(`${prefix}-msg-down`, opened(LIBP2P_MESSAGES_DOWN, true))
      return n.getMultiaddrs()[0].toString()
    },
    // ... and the receiver dials.
    [`${prefix}-down:connect`]: async (a) => {
      const d = await driver()
      const n = await node(false)
      const bytes = await d.open(n, str(a, 'address'), LIBP2P_BULK_DOWN)
      d.countBytes(bytes, (b) => count(`${prefix}-down`, b))
      const messages = await d.open(n, str(a, 'address'), LIBP2P_MESSAGES_DOWN)
      d.countMessages(messages, (b) => count(`${prefix}-msg-down`, b))
    },
    [`${prefix}:send`]: async (a) => send(prefix, num(a, 'messages')),
    [`${prefix}-msg:send`]: async (a) => send(`${prefix}-msg`, num(a, 'messages')),
    [`${prefix}-down:send`]: async (a) => send(`${prefix}-down`, num(a, 'messages')),
    [`${prefix}-msg-down:send`]: async (a) => send(`${prefix}-msg-down`, num(a, 'messages')),

    // ---- handshakes
    [`${prefix}:dialers`]: async (a) => {
      while (dialers.length < num(a, 'count')) dialers.push(await node(false))
    },
    /**
     * `count` dials, `concurrency` at a time, each until identify completed on the dialer, dial `i` by dialer
     * `i`; the connections are closed after the time is taken. Resolves with the elapsed ms.
     */
    [`${prefix}:handshakes`]: async (a) => {
      const address = await (await driver()).multiaddr(str(a, 'address'))
      const total = num(a, 'count')
      if (total > dialers.length) throw new Error('not enough dialers')
      const connected: { node: Any; peer: Any }[] = []
      const start = now()
      await pool(total, num(a, 'concurrency'), async (i) => {
        const dialer = dialers[i]
        const identified = new Promise<void>((resolve) => {
          const onIdentify = (): void => {
            dialer.removeEventListener('peer:identify', onIdentify)
            resolve()
          }
          dialer.addEventListener('peer:identify', onIdentify)
        })
        const conn = await dialer.dial(address)
        await identified
        connected.push({ node: dialer, peer: conn.remotePeer })
      })
      const elapsed = now() - start
      await Promise.all(connected.map((c) => c.node.hangUp(c.peer)))
      await sleep(100)
      return elapsed
    },
  }
}

serveOps({
  ...commonOps,
  ...libp2pOps('libp2p', 2),
  ...libp2pOps('libp2p3', 3),
  close: async () => {
    const stops = libp2pNodes.map((n) => Promise.resolve(n.stop()).catch(() => {}))
    await Promise.race([Promise.all(stops), sleep(3_000)])
  },
})

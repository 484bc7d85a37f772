import type { Duplex } from 'node:stream'
import { type Clock, systemClock } from '@chainwire/interface'
import {
  type DisconnectReason,
  decode,
  encodeFrame,
  FrameDecoder,
  type HelloData,
  type Message,
  PROTOCOL_VERSION,
} from '@chainwire/protocol-codec'
import {
  createIdentity,
  createMemoryTransport,
  createNetwork,
  type Identity,
  type MemoryNetwork,
  type Network,
  type NetworkComponents,
  type NetworkOptions,
  type RawConnection,
} from '../src/index'
import { type SecureConnection, secureOutbound } from '../src/noise/index'

export const NETWORK_ID = 'chainwire-test'

/** Networks created by a test, stopped by {@link stopAll}. */
const created: Network[] = []
/** Raw peers created by a test, closed by {@link stopAll}. */
const raws: RawPeer[] = []

/** A node on a memory network, listening on `memory://<name>`. */
export async function memoryNode(
  network: MemoryNetwork,
  name: string,
  options: NetworkOptions = {},
  components: Partial<NetworkComponents> & { host?: string } = {},
): Promise<Network> {
  const node = memoryNetworkNode(network, name, options, components)
  await node.start()
  return node
}

/** Like {@link memoryNode}, not started. */
export function memoryNetworkNode(
  network: MemoryNetwork,
  name: string,
  options: NetworkOptions = {},
  components: Partial<NetworkComponents> & { host?: string } = {},
): Network {
  const { host, ...rest } = components
  const node = createNetwork(
    {
      identity: createIdentity(),
      transports: [
        createMemoryTransport({ network }, { label: name, ...(host === undefined ? {} : { host }) }),
      ],
      ...rest,
    },
    { networkId: NETWORK_ID, listen: [`memory://${name}`], ...options },
  )
  created.push(node)
  return node
}

/** Registers a network for {@link stopAll}. */
export function track(node: Network): Network {
  created.push(node)
  return node
}

/** Stops every network and closes every raw peer the test created. */
export async function stopAll(): Promise<void> {
  for (const r of raws.splice(0)) r.close()
  await Promise.all(created.splice(0).map((n) => n.stop()))
}

/** Resolves when `check` returns true, polling every `intervalMs` (real time) up to `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5_000, intervalMs = 5): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor timed out')
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** A valid hello for `networkId`, with overrides. */
export function helloData(overrides: Partial<HelloData> = {}, now = Date.now()): HelloData {
  return {
    version: PROTOCOL_VERSION,
    networkId: NETWORK_ID,
    roles: ['full'],
    bestHeight: 0,
    bestHash: new Uint8Array(32),
    totalWork: 0n,
    listenAddrs: [],
    observedAddr: '',
    userAgent: 'raw-test-peer',
    timestamp: now,
    capabilities: [],
    ...overrides,
  }
}

/**
 * A hand-driven peer on the lower layers: the Noise handshake as initiator, then whatever the test writes.
 * It decodes what it receives (unless told not to read) so tests can see the disconnect reason.
 */
export interface RawPeer {
  readonly identity: Identity
  readonly secure: SecureConnection
  /** Messages received, in order. */
  readonly received: Message[]
  /** Resolves when the secure stream closes. */
  readonly closed: Promise<void>
  /** Clock time (Date.now) the stream closed, once it did. */
  closedAt: number | undefined
  /** The reason of the disconnect message received, if any. */
  disconnectReason(): DisconnectReason | undefined
  send(message: Message): boolean
  write(bytes: Uint8Array): boolean
  close(): void
}

export interface RawPeerOptions {
  networkId?: string
  identity?: Identity
  clock?: Clock
  /** Keep reading what the node sends. @default true */
  read?: boolean
  /** Send a valid hello right after Noise. @default true */
  hello?: boolean | Partial<HelloData>
}

/** Runs Noise over `raw` and returns a {@link RawPeer}. */
export async function rawPeer(raw: RawConnection | Duplex, options: RawPeerOptions = {}): Promise<RawPeer> {
  const identity = options.identity ?? createIdentity()
  const clock = options.clock ?? systemClock
  const secure = await secureOutbound(raw, {
    identity,
    networkId: options.networkId ?? NETWORK_ID,
    clock,
  })
  const received: Message[] = []
  const decoder = new FrameDecoder()
  const closed = new Promise<void>((resolve) =>
    secure.stream.once('close', () => {
      peer.closedAt = Date.now()
      resolve()
    }),
  )
  secure.stream.on('error', () => {})
  if (options.read === false) secure.stream.pause()
  else {
    secure.stream.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) received.push(decode(frame))
      } catch {
        secure.close()
      }
    })
  }
  const peer: RawPeer = {
    identity,
    secure,
    received,
    closed,
    closedAt: undefined,
    disconnectReason: () => {
      const d = received.find((m) => m.type === 'disconnect')
      return d?.type === 'disconnect' ? d.data.reason : undefined
    },
    send: (message) => secure.stream.write(encodeFrame(message)),
    write: (bytes) => secure.stream.write(bytes),
    close: () => secure.close(),
  }
  raws.push(peer)
  if (options.hello !== false) {
    const overrides = typeof options.hello === 'object' ? options.hello : {}
    peer.send({ type: 'hello', data: helloData(overrides, clock.now()) })
  }
  return peer
}

/** A recording misbehaviour sink. */
export function recordingSink(): {
  reports: { peerId: string; behaviour: string; detail?: string }[]
  report(peerId: string, behaviour: string, options?: { detail?: string }): void
} {
  const reports: { peerId: string; behaviour: string; detail?: string }[] = []
  return {
    reports,
    report(peerId, behaviour, options) {
      reports.push({
        peerId,
        behaviour,
        ...(options?.detail === undefined ? {} : { detail: options.detail }),
      })
    },
  }
}

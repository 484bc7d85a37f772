import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { noopLogger, systemClock } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, type Identity, sign } from '../src/identity/index'
import {
  CipherState,
  createHandshakePayload,
  encodeHandshakePayload,
  FrameDecoder,
  generateX25519KeyPair,
  HandshakeState,
  MAX_NOISE_MESSAGE,
  MAX_PLAINTEXT,
  NoiseError,
  NoiseStream,
  noisePrologue,
  type RekeySchedule,
  type SecureChannelOptions,
  type SecureConnection,
  SendBudget,
  SOLO_TURNS,
  secureInbound,
  secureOutbound,
  staticKeySignedData,
  type TransportCiphers,
  x25519KeyPairFromPrivateKey,
} from '../src/noise/index'
import { createTcpTransport } from '../src/transport/tcp'
import type { RawConnection } from '../src/transport/transport'

const NETWORK = 'chainwire-testnet'
const EMPTY = Buffer.alloc(0)
const alice = createIdentity()
const bob = createIdentity()

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Two ends of a real loopback TCP connection (port 0). */
async function tcpPair(): Promise<{ client: Socket; server: Socket }> {
  const server: Server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const accepted = once(server, 'connection') as Promise<[Socket]>
  const client = connect(port, '127.0.0.1')
  const [socket] = await accepted
  await once(client, 'connect').catch(() => {})
  cleanups.push(() => {
    client.destroy()
    socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { client, server: socket }
}

/**
 * Two ends of an in-memory byte pipe; destroying one end destroys the other. `onWrite` sees every chunk
 * written to end `i` (writes complete at once).
 */
function memoryPair(onWrite?: (i: number, chunk: Buffer) => void): [Duplex, Duplex] {
  const ends: Duplex[] = []
  const make = (i: number): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        onWrite?.(i, chunk)
        const peer = ends[1 - i] as Duplex
        if (!peer.destroyed) peer.push(chunk)
        callback()
      },
      final(callback) {
        const peer = ends[1 - i] as Duplex
        if (!peer.destroyed) peer.push(null)
        callback()
      },
      destroy(err, callback) {
        const peer = ends[1 - i] as Duplex
        process.nextTick(() => peer.destroy())
        callback(err)
      },
    })
  ends.push(make(0), make(1))
  cleanups.push(() => {
    for (const e of ends) e.destroy()
  })
  return ends as [Duplex, Duplex]
}

function options(identity: Identity, extra: Partial<SecureChannelOptions> = {}): SecureChannelOptions {
  return { identity, networkId: NETWORK, clock: systemClock, ...extra }
}

async function securePair(): Promise<{
  a: SecureConnection
  b: SecureConnection
  client: Socket
  server: Socket
}> {
  const { client, server } = await tcpPair()
  const [a, b] = await Promise.all([
    secureOutbound(client, options(alice)),
    secureInbound(server, options(bob)),
  ])
  cleanups.push(() => {
    a.close()
    b.close()
  })
  return { a, b, client, server }
}

/**
 * Pauses `reader`, writes 48 MB to `writer` as fast as it accepts, and checks that the writer is held well
 * before the end (the kernel absorbs a few MB) with at most `slack` bytes of plaintext beyond the reader's
 * high-water mark; then resumes the reader and checks that every byte arrives in order.
 */
async function pausedReaderHoldsWriter(writer: Duplex, reader: Duplex, slack: number): Promise<void> {
  reader.pause()
  const chunk = randomBytes(1024 * 1024)
  const target = 48
  let written = 0
  let refused = false
  const writeSome = (): void => {
    while (written < target) {
      written++
      if (!writer.write(chunk)) {
        refused = true
        writer.once('drain', writeSome)
        return
      }
    }
  }
  writeSome()
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(refused).toBe(true)
  expect(written).toBeLessThan(target)
  expect(reader.readableLength).toBeLessThanOrEqual(reader.readableHighWaterMark + slack)
  const expected = createHash('sha256')
  for (let i = 0; i < target; i++) expected.update(chunk)
  const hash = createHash('sha256')
  let got = 0
  await new Promise<void>((resolve) => {
    reader.on('data', (d: Buffer) => {
      hash.update(d)
      got += d.length
      if (got === target * chunk.length) resolve()
    })
    reader.resume()
  })
  expect(hash.digest('hex')).toBe(expected.digest('hex'))
}

/** Resolves with the error a promise rejected with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<NoiseError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  return err as NoiseError
}

/** Resolves with the error a stream was destroyed with, or null after a clean close. */
function closed(stream: Duplex): Promise<Error | null> {
  if (stream.destroyed) return Promise.resolve(stream.errored)
  return new Promise((resolve) => stream.once('close', () => resolve(stream.errored)))
}

function readExactly(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let got = 0
    const onData = (d: Buffer): void => {
      chunks.push(d)
      got += d.length
      if (got >= n) {
        stream.off('data', onData)
        stream.off('error', reject)
        stream.pause()
        const all = Buffer.concat(chunks)
        if (all.length > n) stream.unshift(all.subarray(n))
        resolve(all.subarray(0, n))
      }
    }
    stream.on('data', onData)
    stream.once('error', reject)
    stream.resume()
    if (n === 0) onData(EMPTY)
  })
}

const framed = (message: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from([message.length >> 8, message.length & 0xff]), message])

/** The Noise messages of a captured wire (2-byte length, message), in order. */
function splitFrames(wire: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let at = 0; at + 2 <= wire.length; ) {
    const length = wire.readUInt16BE(at)
    out.push(wire.subarray(at + 2, at + 2 + length))
    at += 2 + length
  }
  return out
}

/** A hand-driven Noise peer on a raw stream, for feeding the real implementation what it should reject. */
class ManualPeer {
  private readonly decoder = new FrameDecoder()
  private readonly frames: Buffer[] = []
  private waiter: (() => void) | undefined
  readonly received: Buffer[] = []

  constructor(readonly stream: Duplex) {
    stream.on('error', () => {})
    stream.on('data', (d: Buffer) => {
      this.received.push(d)
      this.decoder.push(d)
      for (let n = this.decoder.nextFrame(0, MAX_NOISE_MESSAGE); n !== undefined; ) {
        this.frames.push(Buffer.concat(this.decoder.take(n)))
        this.decoder.frameDone()
        n = this.decoder.nextFrame(0, MAX_NOISE_MESSAGE)
      }
      this.waiter?.()
    })
  }

  async nextFrame(): Promise<Buffer> {
    while (this.frames.length === 0) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve
      })
    }
    return this.frames.shift() as Buffer
  }

  send(message: Uint8Array): void {
    this.stream.write(framed(message))
  }

  /** Plays the responder through the whole handshake with an honest payload unless one is given. */
  async respond(identity: Identity, payload?: Buffer): Promise<TransportCiphers> {
    const s = generateX25519KeyPair()
    const hs = new HandshakeState({ initiator: false, prologue: noisePrologue(NETWORK), staticKey: s })
    hs.readMessage(await this.nextFrame())
    this.send(
      hs.writeMessage(payload ?? encodeHandshakePayload(createHandshakePayload(identity, s.publicKey))),
    )
    hs.readMessage(await this.nextFrame())
    return hs.transportCiphers()
  }

  /** Plays the initiator through the whole handshake with an honest payload unless one is given. */
  async initiate(identity: Identity, payload?: Buffer): Promise<TransportCiphers> {
    const s = generateX25519KeyPair()
    const hs = new HandshakeState({ initiator: true, prologue: noisePrologue(NETWORK), staticKey: s })
    this.send(hs.writeMessage(EMPTY))
    hs.readMessage(await this.nextFrame())
    this.send(
      hs.writeMessage(payload ?? encodeHandshakePayload(createHandshakePayload(identity, s.publicKey))),
    )
    return hs.transportCiphers()
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describe('secure channel over loopback TCP', () => {
  it('authenticates both peers and agrees on the handshake hash', async () => {
    const { a, b } = await securePair()
    expect(a.remotePeerId).toBe(bob.peerId)
    expect(b.remotePeerId).toBe(alice.peerId)
    expect(Buffer.from(a.remoteIdentityKey)).toEqual(Buffer.from(bob.publicKey))
    expect(Buffer.from(b.remoteIdentityKey)).toEqual(Buffer.from(alice.publicKey))
    expect(a.direction).toBe('outbound')
    expect(b.direction).toBe('inbound')
    expect(Buffer.from(a.handshakeHash)).toEqual(Buffer.from(b.handshakeHash))
  })

  it('carries 4 MB each way at once, and many small writes, byte for byte', async () => {
    const { a, b } = await securePair()
    const big1 = randomBytes(4 * 1024 * 1024)
    const big2 = randomBytes(4 * 1024 * 1024 + 17)
    const gotB = readExactly(b.stream, big1.length)
    const gotA = readExactly(a.stream, big2.length)
    a.stream.write(big1)
    b.stream.write(big2)
    expect(sha(await gotB)).toBe(sha(big1))
    expect(sha(await gotA)).toBe(sha(big2))

    const small = Array.from({ length: 5000 }, (_, i) => randomBytes(i % 301))
    const total = small.reduce((n, s) => n + s.length, 0)
    const got = readExactly(a.stream, total)
    const back = readExactly(b.stream, total)
    for (const s of small) {
      b.stream.write(s)
      a.stream.write(s)
    }
    expect((await got).equals(Buffer.concat(small))).toBe(true)
    expect((await back).equals(Buffer.concat(small))).toBe(true)
  })

  it('writes every message as Noise frames of at most 65535 bytes', async () => {
    const { client, server } = await tcpPair()
    const wire: Buffer[] = []
    server.on('data', (d: Buffer) => wire.push(d))
    const [a, b] = await Promise.all([
      secureOutbound(client, options(alice)),
      secureInbound(server, options(bob)),
    ])
    const payload = randomBytes(300_000)
    const got = readExactly(b.stream, payload.length)
    a.stream.write(payload)
    expect((await got).equals(payload)).toBe(true)
    const decoder = new FrameDecoder()
    decoder.push(Buffer.concat(wire))
    const lengths: number[] = []
    for (let n = decoder.nextFrame(0, 65535); n !== undefined; n = decoder.nextFrame(0, 65535)) {
      lengths.push(n)
      decoder.take(n)
      decoder.frameDone()
    }
    // Handshake messages 1 and 3, then the transport messages.
    expect(lengths.slice(0, 2)).toEqual([32, 161])
    expect(lengths.slice(2).every((n) => n <= MAX_NOISE_MESSAGE && n > 16)).toBe(true)
    expect(lengths.slice(2).reduce((x, n) => x + n - 16, 0)).toBe(payload.length)
    a.close()
    b.close()
  })

  it('ends cleanly both ways: end() on one side ends the other', async () => {
    const { a, b } = await securePair()
    const data = randomBytes(1000)
    const got = readExactly(b.stream, data.length)
    a.stream.end(data)
    expect((await got).equals(data)).toBe(true)
    b.stream.resume()
    a.stream.resume()
    const [ea, eb] = await Promise.all([closed(a.stream), closed(b.stream)])
    expect(ea).toBeNull()
    expect(eb).toBeNull()
  })

  it('applies backpressure: a paused reader stops the writer, then everything arrives', async () => {
    const { a, b } = await securePair()
    // Node's reads of the accepted socket are at most 64 KB, each decrypted whole.
    await pausedReaderHoldsWriter(a.stream, b.stream, 65535)
  })

  it('works on a RawConnection and closes it with the secure connection', async () => {
    const { client, server } = await tcpPair()
    const closes: (Error | undefined)[] = []
    const raw: RawConnection = {
      stream: client,
      remoteAddress: 'tcp://127.0.0.1:1',
      localAddress: 'tcp://127.0.0.1:2',
      remoteHost: '127.0.0.1',
      direction: 'outbound',
      close: (err) => {
        closes.push(err)
        client.destroy()
      },
    }
    const [a, b] = await Promise.all([
      secureOutbound(raw, options(alice)),
      secureInbound(server, options(bob)),
    ])
    a.close()
    expect(closes).toHaveLength(1)
    expect(a.stream.destroyed).toBe(true)
    b.stream.resume()
    await closed(b.stream)
  })

  it('leaves no timer behind after a handshake', async () => {
    const clock = new ManualClock()
    const { client, server } = await tcpPair()
    const [a, b] = await Promise.all([
      secureOutbound(client, options(alice, { clock })),
      secureInbound(server, options(bob, { clock })),
    ])
    expect(clock.pending()).toBe(0)
    a.close()
    b.close()
  })

  it('checks expectedPeerId: a match connects, a mismatch fails before the initiator reveals itself', async () => {
    {
      const { client, server } = await tcpPair()
      const [a, b] = await Promise.all([
        secureOutbound(client, options(alice, { expectedPeerId: bob.peerId })),
        secureInbound(server, options(bob)),
      ])
      expect(a.remotePeerId).toBe(bob.peerId)
      a.close()
      b.close()
    }
    const { client, server } = await tcpPair()
    const out = secureOutbound(client, options(alice, { expectedPeerId: createIdentity().peerId }))
    const inbound = secureInbound(server, options(bob))
    const err = await rejection(out)
    expect(NoiseError.isInstance(err)).toBe(true)
    expect(err.code).toBe('ERR_PEER_ID_MISMATCH')
    expect(err.details).toMatchObject({ actual: bob.peerId })
    expect((await rejection(inbound)).code).toBe('ERR_CONNECTION_CLOSED')
    expect(client.destroyed).toBe(true)
  })
})

describe('secure channel on dialed TCP connections (reads from the shared read buffer)', () => {
  /**
   * A dial through chainwire's TCP transport (its sockets read into one buffer shared by every dialed socket)
   * to a plain listener, secured both ways. `rawBytes` counts what still arrives as 'data' on the dialed
   * socket itself: nothing once the Noise stream takes the reads over.
   */
  async function dialedPair(): Promise<{ a: SecureConnection; b: SecureConnection; rawBytes: () => number }> {
    const server: Server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as { port: number }
    const accepted = once(server, 'connection') as Promise<[Socket]>
    const raw = await createTcpTransport().dial(`tcp://127.0.0.1:${port}`, {
      signal: AbortSignal.timeout(5_000),
    })
    expect(typeof raw.setReadSink).toBe('function')
    const [socket] = await accepted
    const [a, b] = await Promise.all([
      secureOutbound(raw, options(alice)),
      secureInbound(socket, options(bob)),
    ])
    let rawBytes = 0
    raw.stream.on('data', (d: Buffer) => {
      rawBytes += d.length
    })
    cleanups.push(() => {
      a.close()
      b.close()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    })
    return { a, b, rawBytes: () => rawBytes }
  }

  it('receives 8 MB and many small writes byte for byte, none of it through the socket as copies', async () => {
    const { a, b, rawBytes } = await dialedPair()
    const big = randomBytes(8 * 1024 * 1024 + 5)
    const got = readExactly(a.stream, big.length)
    b.stream.write(big)
    expect(sha(await got)).toBe(sha(big))
    const small = Array.from({ length: 3000 }, (_, i) => randomBytes(i % 257))
    const total = small.reduce((n, x) => n + x.length, 0)
    const back = readExactly(a.stream, total)
    for (const x of small) b.stream.write(x)
    expect((await back).equals(Buffer.concat(small))).toBe(true)
    expect(rawBytes()).toBe(0)
  })

  it('keeps eight connections apart that receive at once through the one buffer', async () => {
    const pairs = await Promise.all(Array.from({ length: 8 }, () => dialedPair()))
    const payloads = pairs.map(() => randomBytes(2 * 1024 * 1024 + 333))
    const got = pairs.map((p, i) => readExactly(p.a.stream, (payloads[i] as Buffer).length))
    for (const [i, p] of pairs.entries()) p.b.stream.write(payloads[i])
    const results = await Promise.all(got)
    expect(results.map(sha)).toEqual(payloads.map(sha))
  })

  it('stops reading while its reader is paused, then delivers everything', async () => {
    const { a, b } = await dialedPair()
    // At most one read of the socket (256 KiB) beyond the high-water mark is decrypted ahead.
    await pausedReaderHoldsWriter(b.stream, a.stream, 256 * 1024)
  })

  it('ends cleanly, and closes with ERR_NOISE_DECRYPT on a tampered message', async () => {
    const clean = await dialedPair()
    const data = randomBytes(100_000)
    const got = readExactly(clean.a.stream, data.length)
    clean.b.stream.end(data)
    expect((await got).equals(data)).toBe(true)
    clean.a.stream.resume()
    expect(await closed(clean.a.stream)).toBeNull()

    const server: Server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as { port: number }
    const accepted = once(server, 'connection') as Promise<[Socket]>
    const raw = await createTcpTransport().dial(`tcp://127.0.0.1:${port}`, {
      signal: AbortSignal.timeout(5_000),
    })
    const peer = new ManualPeer((await accepted)[0])
    const [conn, ciphers] = await Promise.all([secureOutbound(raw, options(alice)), peer.respond(bob)])
    const good = ciphers.send.encryptWithAd(EMPTY, randomBytes(60_000))
    const bad = ciphers.send.encryptWithAd(EMPTY, randomBytes(60_000))
    bad[100] = (bad[100] as number) ^ 1
    peer.send(good)
    peer.send(bad)
    conn.stream.resume()
    expect(await closed(conn.stream)).toMatchObject({ code: 'ERR_NOISE_DECRYPT' })
    expect(raw.stream.destroyed).toBe(true)
  })
})

describe('secure channel key material', () => {
  it("given keys (a simulator's seeded ones) repeat the handshake hash; fresh random keys never do", async () => {
    const keys = (seed: number) => ({
      staticKey: x25519KeyPairFromPrivateKey(createHash('sha256').update(`static ${seed}`).digest()),
      ephemeralKey: x25519KeyPairFromPrivateKey(createHash('sha256').update(`ephemeral ${seed}`).digest()),
    })
    const handshake = async (seeded: boolean): Promise<[Buffer, Buffer]> => {
      const [x, y] = memoryPair()
      const [a, b] = await Promise.all([
        secureOutbound(x, options(alice, seeded ? keys(1) : {})),
        secureInbound(y, options(bob, seeded ? keys(2) : {})),
      ])
      a.close()
      b.close()
      expect(Buffer.from(a.handshakeHash)).toEqual(Buffer.from(b.handshakeHash))
      return [Buffer.from(a.handshakeHash), Buffer.from(b.handshakeHash)]
    }
    const [first] = await handshake(true)
    const [second] = await handshake(true)
    expect(second).toEqual(first)
    const [fresh] = await handshake(false)
    const [fresh2] = await handshake(false)
    expect(fresh).not.toEqual(first)
    expect(fresh2).not.toEqual(fresh)
  })
})

describe('secure channel rekeying over loopback TCP', () => {
  it('rekeys both directions on a shared schedule through a long stream, byte for byte', async () => {
    const { client, server } = await tcpPair()
    const rekey = { messages: 50, bytes: 512 * 1024 }
    const [a, b] = await Promise.all([
      secureOutbound(client, options(alice, { rekey })),
      secureInbound(server, options(bob, { rekey })),
    ])
    cleanups.push(() => {
      a.close()
      b.close()
    })
    const up = randomBytes(24 * 1024 * 1024)
    const down = randomBytes(16 * 1024 * 1024 + 3)
    const gotB = readExactly(b.stream, up.length)
    const gotA = readExactly(a.stream, down.length)
    for (let at = 0; at < up.length; at += 1_000_000) a.stream.write(up.subarray(at, at + 1_000_000))
    b.stream.write(down)
    expect((await gotB).equals(up)).toBe(true)
    expect((await gotA).equals(down)).toBe(true)
    expect(a.rekeys.sent).toBe(b.rekeys.received)
    expect(b.rekeys.sent).toBe(a.rekeys.received)
    // A key carries at most `bytes` plus one message (the one that crosses the mark).
    expect(a.rekeys.sent).toBeGreaterThanOrEqual(Math.floor(up.length / (rekey.bytes + MAX_PLAINTEXT)))
    expect(b.rekeys.sent).toBeGreaterThanOrEqual(Math.floor(down.length / (rekey.bytes + MAX_PLAINTEXT)))
  })

  it('fails the handshake between peers with different rekey schedules (the prologue binds it)', async () => {
    const { client, server } = await tcpPair()
    const outcome = await Promise.allSettled([
      secureOutbound(client, options(alice, { rekey: { messages: 1_000, bytes: 2 ** 30 } })),
      secureInbound(server, options(bob)),
    ])
    expect(outcome[0]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_NOISE_DECRYPT' } })
    expect(noisePrologue(NETWORK).toString()).toBe(`chainwire/noise/2\n${NETWORK}\nrekey 1048576 1073741824`)
  })
})

describe('secure channel rejects bad peers', () => {
  it('fails the handshake between different networks', async () => {
    const { client, server } = await tcpPair()
    const out = secureOutbound(client, options(alice, { networkId: 'mainnet' }))
    const inbound = secureInbound(server, options(bob, { networkId: 'testnet' }))
    const err = await rejection(out)
    expect(NoiseError.isInstance(err)).toBe(true)
    expect(err.code).toBe('ERR_NOISE_DECRYPT')
    expect((await rejection(inbound)).code).toBe('ERR_CONNECTION_CLOSED')
  })

  it('rejects an identity key that did not sign the static key (initiator lies)', async () => {
    const { client, server } = await tcpPair()
    const inbound = secureInbound(server, options(bob))
    const peer = new ManualPeer(client)
    // Alice's key with a signature over some other static key.
    const lie = encodeHandshakePayload({
      identityKey: alice.publicKey,
      signature: sign(alice, staticKeySignedData(generateX25519KeyPair().publicKey)),
    })
    await peer.initiate(alice, lie)
    const err = await rejection(inbound)
    expect(NoiseError.isInstance(err)).toBe(true)
    expect(err.code).toBe('ERR_INVALID_IDENTITY')
  })

  it('rejects a responder whose signature comes from another key, without sending msg 3', async () => {
    const { client, server } = await tcpPair()
    const out = secureOutbound(client, options(alice))
    const peer = new ManualPeer(server)
    const s = generateX25519KeyPair()
    const hs = new HandshakeState({ initiator: false, prologue: noisePrologue(NETWORK), staticKey: s })
    hs.readMessage(await peer.nextFrame())
    // Claims Alice's identity key, signed by Bob.
    peer.send(
      hs.writeMessage(
        encodeHandshakePayload({
          identityKey: alice.publicKey,
          signature: sign(bob, staticKeySignedData(s.publicKey)),
        }),
      ),
    )
    expect((await rejection(out)).code).toBe('ERR_INVALID_IDENTITY')
    await closed(server)
    expect(Buffer.concat(peer.received).length).toBe(2 + 32)
  })

  it('rejects a malformed payload', async () => {
    const { client, server } = await tcpPair()
    const inbound = secureInbound(server, options(bob))
    await new ManualPeer(client).initiate(alice, Buffer.from('hello'))
    expect((await rejection(inbound)).code).toBe('ERR_INVALID_IDENTITY')
  })

  it('rejects garbage with a typed error', async () => {
    {
      const { client, server } = await tcpPair()
      const inbound = secureInbound(server, options(bob))
      client.write('GET / HTTP/1.1\r\nHost: example\r\n\r\n')
      const err = await rejection(inbound)
      expect(NoiseError.isInstance(err)).toBe(true)
      expect(err.code).toBe('ERR_NOISE_FRAME')
    }
    {
      // A responder answering with random bytes in a well-formed frame.
      const { client, server } = await tcpPair()
      const out = secureOutbound(client, options(alice))
      server.on('data', () => server.write(framed(randomBytes(193))))
      expect((await rejection(out)).code).toBe('ERR_NOISE_DECRYPT')
    }
    {
      // An all-zero (small-order) ephemeral key.
      const { client, server } = await tcpPair()
      const inbound = secureInbound(server, options(bob))
      client.write(framed(Buffer.alloc(32)))
      expect((await rejection(inbound)).code).toBe('ERR_NOISE_HANDSHAKE')
    }
    {
      // A first message with a payload.
      const { client, server } = await tcpPair()
      const inbound = secureInbound(server, options(bob))
      client.write(framed(Buffer.concat([generateX25519KeyPair().publicKey, Buffer.from('x')])))
      expect((await rejection(inbound)).code).toBe('ERR_NOISE_HANDSHAKE')
    }
  })

  it('rejects a handshake message over the size bound as soon as its length arrives', async () => {
    const [mine, theirs] = memoryPair()
    const inbound = secureInbound(mine, options(bob))
    theirs.write(Buffer.from([0x04, 0x01]))
    const err = await rejection(inbound)
    expect(err.code).toBe('ERR_NOISE_FRAME')
    expect(err.details).toMatchObject({ length: 1025 })
  })

  it('rejects a replayed first message', async () => {
    const { client, server } = await tcpPair()
    const inbound = secureInbound(server, options(bob))
    const hs = new HandshakeState({
      initiator: true,
      prologue: noisePrologue(NETWORK),
      staticKey: generateX25519KeyPair(),
    })
    const msg1 = framed(hs.writeMessage(EMPTY))
    client.write(msg1)
    client.write(msg1)
    const err = await rejection(inbound)
    expect(NoiseError.isInstance(err)).toBe(true)
    expect(err.code).toBe('ERR_NOISE_HANDSHAKE')
  })

  it('rejects a whole initiator session replayed to a new responder', async () => {
    const captured: Buffer[] = []
    {
      const { client, server } = await tcpPair()
      server.on('data', (d: Buffer) => captured.push(d))
      const [a, b] = await Promise.all([
        secureOutbound(client, options(alice)),
        secureInbound(server, options(bob)),
      ])
      const got = readExactly(b.stream, 5)
      a.stream.write('hello')
      await got
      a.close()
      b.close()
    }
    const { client, server } = await tcpPair()
    const inbound = secureInbound(server, options(bob))
    client.write(Buffer.concat(captured))
    const err = await rejection(inbound)
    expect(err.code).toBe('ERR_NOISE_DECRYPT')
  })

  it('times out a peer dripping one byte a second: progress does not extend the deadline', async () => {
    const clock = new ManualClock()
    const [mine, theirs] = memoryPair()
    const start = clock.now()
    let failedAt = -1
    const inbound = secureInbound(mine, options(bob, { clock, handshakeTimeoutMs: 5000 }))
    inbound.catch(() => {
      failedAt = clock.now()
    })
    const peer = new ManualPeer(theirs)
    const s = generateX25519KeyPair()
    const hs = new HandshakeState({ initiator: true, prologue: noisePrologue(NETWORK), staticKey: s })
    peer.send(hs.writeMessage(EMPTY))
    hs.readMessage(await peer.nextFrame())
    const msg3 = framed(hs.writeMessage(encodeHandshakePayload(createHandshakePayload(alice, s.publicKey))))
    for (let i = 0; i < msg3.length && failedAt < 0; i++) {
      theirs.write(msg3.subarray(i, i + 1))
      await clock.advanceAsync(1000)
    }
    const err = await rejection(inbound)
    expect(NoiseError.isInstance(err)).toBe(true)
    expect(err.code).toBe('ERR_HANDSHAKE_TIMEOUT')
    expect(failedAt - start).toBe(5000)
    expect(mine.destroyed).toBe(true)
    expect(clock.pending()).toBe(0)
  })

  it('times out a silent responder (default 5 s)', async () => {
    const clock = new ManualClock()
    const [mine] = memoryPair()
    const out = secureOutbound(mine, options(alice, { clock }))
    await clock.advanceAsync(4999)
    let settled = false
    out
      .catch(() => {})
      .finally(() => {
        settled = true
      })
    await clock.advanceAsync(0)
    expect(settled).toBe(false)
    await clock.advanceAsync(1)
    expect((await rejection(out)).code).toBe('ERR_HANDSHAKE_TIMEOUT')
  })

  it('honours an AbortSignal', async () => {
    const [mine] = memoryPair()
    const controller = new AbortController()
    const out = secureOutbound(mine, options(alice, { signal: controller.signal }))
    controller.abort()
    expect((await rejection(out)).code).toBe('ERR_ABORTED')
    expect(mine.destroyed).toBe(true)
    const [other] = memoryPair()
    expect((await rejection(secureInbound(other, options(bob, { signal: AbortSignal.abort() })))).code).toBe(
      'ERR_ABORTED',
    )
  })

  it('reports a connection closed during the handshake', async () => {
    const [mine, theirs] = memoryPair()
    const inbound = secureInbound(mine, options(bob))
    theirs.end()
    expect((await rejection(inbound)).code).toBe('ERR_CONNECTION_CLOSED')
    const [gone] = memoryPair()
    gone.destroy()
    expect((await rejection(secureInbound(gone, options(bob)))).code).toBe('ERR_CONNECTION_CLOSED')
  })
})

describe('secure channel transport phase', () => {
  async function withManualResponder(): Promise<{
    conn: SecureConnection
    peer: ManualPeer
    ciphers: TransportCiphers
  }> {
    const { client, server } = await tcpPair()
    const out = secureOutbound(client, options(alice))
    const peer = new ManualPeer(server)
    const ciphers = await peer.respond(bob)
    const conn = await out
    expect(conn.remotePeerId).toBe(bob.peerId)
    return { conn, peer, ciphers }
  }

  it('closes with ERR_NOISE_DECRYPT on a bad tag (no error listener needed)', async () => {
    const { conn, peer, ciphers } = await withManualResponder()
    const good = ciphers.send.encryptWithAd(EMPTY, Buffer.from('good'))
    const bad = ciphers.send.encryptWithAd(EMPTY, Buffer.from('evil'))
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1
    peer.send(good)
    peer.send(bad)
    expect((await readExactly(conn.stream, 4)).toString()).toBe('good')
    const err = await closed(conn.stream)
    expect(NoiseError.isInstance(err)).toBe(true)
    expect((err as NoiseError).code).toBe('ERR_NOISE_DECRYPT')
    await closed(peer.stream)
  })

  it('closes with ERR_NOISE_DECRYPT on a replayed transport message', async () => {
    const { conn, peer, ciphers } = await withManualResponder()
    const msg = ciphers.send.encryptWithAd(EMPTY, Buffer.from('once'))
    peer.send(msg)
    peer.send(msg)
    conn.stream.resume()
    expect(await closed(conn.stream)).toMatchObject({ code: 'ERR_NOISE_DECRYPT' })
  })

  it('closes with ERR_NOISE_FRAME on a frame shorter than the tag', async () => {
    const { conn, peer } = await withManualResponder()
    peer.send(Buffer.alloc(15))
    expect(await closed(conn.stream)).toMatchObject({ code: 'ERR_NOISE_FRAME' })
  })

  it('closes with ERR_CONNECTION_CLOSED when the peer stops mid-message', async () => {
    const { conn, peer, ciphers } = await withManualResponder()
    const msg = framed(ciphers.send.encryptWithAd(EMPTY, Buffer.from('truncated')))
    peer.stream.end(msg.subarray(0, 10))
    conn.stream.resume()
    expect(await closed(conn.stream)).toMatchObject({ code: 'ERR_CONNECTION_CLOSED' })
  })

  it('decrypts transport data sent right behind the last handshake message', async () => {
    const { client, server } = await tcpPair()
    const inbound = secureInbound(server, options(bob))
    const peer = new ManualPeer(client)
    const ciphers = await peer.initiate(alice)
    peer.send(ciphers.send.encryptWithAd(EMPTY, Buffer.from('early')))
    const conn = await inbound
    expect((await readExactly(conn.stream, 5)).toString()).toBe('early')
    conn.close()
  })
})

describe('NoiseStream', () => {
  /** Two NoiseStreams over an in-memory pipe with the given cipher states (no handshake). */
  function streams(
    nonce = 0n,
    rekey?: RekeySchedule,
    key1 = randomBytes(32),
  ): { a: NoiseStream; b: NoiseStream; wire: Buffer[]; rawA: Duplex } {
    const [x, y] = memoryPair()
    const wire: Buffer[] = []
    y.on('data', (d: Buffer) => wire.push(d))
    const key2 = randomBytes(32)
    const cipher = (key: Buffer): CipherState => {
      const c = new CipherState()
      c.initializeKey(key)
      c.setNonce(nonce)
      return c
    }
    const a = new NoiseStream({
      raw: x,
      send: cipher(key1),
      receive: cipher(key2),
      decoder: new FrameDecoder(),
      logger: noopLogger,
      ...(rekey === undefined ? {} : { rekey }),
    })
    const b = new NoiseStream({
      raw: y,
      send: cipher(key2),
      receive: cipher(key1),
      decoder: new FrameDecoder(),
      logger: noopLogger,
      ...(rekey === undefined ? {} : { rekey }),
    })
    return { a, b, wire, rawA: x }
  }

  it("rekeys with the spec's REKEY() after the scheduled number of messages, as a plain CipherState reads it", async () => {
    const key = randomBytes(32)
    const { a, b, wire } = streams(0n, { messages: 3, bytes: 2 ** 40 }, key)
    const messages = Array.from({ length: 10 }, (_, i) => randomBytes(1_000 + i))
    for (const m of messages) {
      const got = readExactly(b, m.length)
      a.write(m)
      expect((await got).equals(m)).toBe(true)
    }
    expect(a.rekeys).toEqual({ sent: 3, received: 0 })
    expect(b.rekeys).toEqual({ sent: 0, received: 3 })
    // The same wire bytes, opened by a reference CipherState that calls rekey() after messages 3, 6 and 9.
    const frames = splitFrames(Buffer.concat(wire))
    expect(frames).toHaveLength(10)
    const reference = new CipherState()
    reference.initializeKey(key)
    frames.forEach((frame, i) => {
      expect(reference.decryptWithAd(EMPTY, frame).equals(messages[i] as Buffer)).toBe(true)
      if (i % 3 === 2) reference.rekey()
    })
    // Without the rekey the fourth message does not open.
    const stale = new CipherState()
    stale.initializeKey(key)
    stale.setNonce(3n)
    expect(() => stale.decryptWithAd(EMPTY, frames[3] as Buffer)).toThrow(NoiseError)
  })

  it('rekeys after the scheduled number of bytes, whichever comes first', async () => {
    const { a, b } = streams(0n, { messages: 2 ** 20, bytes: 100_000 })
    const payload = randomBytes(1_000_000)
    const got = readExactly(b, payload.length)
    a.write(payload)
    expect((await got).equals(payload)).toBe(true)
    // 1,000,000 bytes in messages of 65,519: a rekey after the message that crosses each 100,000 bytes.
    expect(a.rekeys.sent).toBe(b.rekeys.received)
    expect(a.rekeys.sent).toBeGreaterThanOrEqual(5)
    expect(a.rekeys.sent).toBeLessThanOrEqual(10)
  })

  it('coalesces a burst of small writes into one Noise message', async () => {
    const { a, b, wire } = streams()
    const parts = Array.from({ length: 1000 }, (_, i) => Buffer.from([i & 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    const got = readExactly(b, 10_000)
    for (const p of parts) a.write(p)
    expect((await got).equals(Buffer.concat(parts))).toBe(true)
    const bytes = Buffer.concat(wire)
    expect(bytes.length).toBe(2 + 10_000 + 16)
    expect(bytes.readUInt16BE(0)).toBe(10_016)
  })

  it('destroys the stream with ERR_NONCE_EXHAUSTED when the send nonce runs out', async () => {
    const { a, b } = streams(2n ** 64n - 2n)
    const got = readExactly(b, 4)
    a.write('last')
    expect((await got).toString()).toBe('last')
    a.write('one too many')
    expect(await closed(a)).toMatchObject({ code: 'ERR_NONCE_EXHAUSTED' })
  })

  it('destroys the stream with ERR_NONCE_EXHAUSTED when the receive nonce runs out', async () => {
    const { b, rawA } = streams(2n ** 64n - 1n)
    // The sender is exhausted too, so put a frame on the wire by hand.
    rawA.write(framed(Buffer.alloc(40)))
    expect(await closed(b)).toMatchObject({ code: 'ERR_NONCE_EXHAUSTED' })
  })
})

describe('secure channel under random input', () => {
  const junk = fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => new Uint8Array(framed(b))),
    ),
    { maxLength: 5 },
  )

  it('a responder fed random bytes rejects with a NoiseError only', async () => {
    await fc.assert(
      fc.asyncProperty(junk, async (pieces) => {
        const [mine, theirs] = memoryPair()
        const inbound = secureInbound(mine, options(bob, { clock: new ManualClock() }))
        for (const p of pieces) theirs.write(p)
        theirs.end()
        const err = await rejection(inbound)
        expect(NoiseError.isInstance(err), String(err)).toBe(true)
        mine.destroy()
      }),
      { numRuns: 150 },
    )
  })

  it('an established connection fed random bytes closes with a NoiseError only', async () => {
    await fc.assert(
      fc.asyncProperty(junk, async (pieces) => {
        const [mine, theirs] = memoryPair()
        const inbound = secureInbound(mine, options(bob, { clock: new ManualClock() }))
        await new ManualPeer(theirs).initiate(alice)
        const conn = await inbound
        conn.stream.resume()
        for (const p of pieces) theirs.write(p)
        theirs.end()
        const err = await closed(conn.stream)
        if (pieces.every((p) => p.length === 0)) expect(err).toBeNull()
        else expect(NoiseError.isInstance(err), String(err)).toBe(true)
      }),
      { numRuns: 100 },
    )
  })
})

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function track(a: SecureConnection, b: SecureConnection): void {
  cleanups.push(() => {
    a.close()
    b.close()
  })
}

describe('secure streams sharing a send budget over loopback TCP', () => {
  it('one sender writing 8 MB to 4 peers seals at most the budget per turn; a timer runs meanwhile; all arrives intact', async () => {
    const bytesPerTurn = 256 * 1024
    const budget = new SendBudget(bytesPerTurn)
    const peers = 4
    const pairs: { socket: Socket; a: SecureConnection; b: SecureConnection }[] = []
    for (let i = 0; i < peers; i++) {
      const { client, server } = await tcpPair()
      const [a, b] = await Promise.all([
        secureOutbound(client, options(alice, { sendBudget: budget })),
        secureInbound(server, options(bob)),
      ])
      track(a, b)
      pairs.push({ socket: client, a, b })
    }
    const payloads = pairs.map(() => randomBytes(2 * 1024 * 1024))
    const total = payloads.reduce((n, p) => n + p.length, 0)
    const arrived = pairs.map((p, i) => readExactly(p.b.stream, (payloads[i] as Buffer).length))
    const wire = (): number => pairs.reduce((n, p) => n + p.socket.bytesWritten, 0)
    const start = wire()
    // at most the budget plus the one message that crosses it, with its framing (prefix and tag); a stream
    // sealing alone in a turn may go on to SOLO_TURNS times the budget
    const framed = (bytes: number): number =>
      bytes + MAX_PLAINTEXT + Math.ceil((bytes + MAX_PLAINTEXT) / MAX_PLAINTEXT) * 18
    const perTurn = framed(bytesPerTurn)
    const alone = framed(SOLO_TURNS * bytesPerTurn)
    let sealedWhenTimerRan: number | undefined
    const timer = setTimeout(() => {
      sealedWhenTimerRan = wire() - start
    }, 1)
    for (const [i, p] of pairs.entries()) p.a.stream.write(payloads[i] as Buffer)
    // the writes themselves seal no more than one turn's budget (the first stream alone: SOLO_TURNS times it)
    expect(wire() - start).toBeLessThanOrEqual(alone)
    expect(wire() - start).toBeGreaterThanOrEqual(bytesPerTurn)
    let turns = 0
    let most = 0
    let mostShared = 0
    let sharedTurns = 0
    const each = (): number[] => pairs.map((p) => p.socket.bytesWritten)
    for (let last = each(); wire() - start < total && turns < 10_000; turns++) {
      await nextTurn()
      const now = each()
      const sealed = now.reduce((n, x, i) => n + x - (last[i] as number), 0)
      const writers = now.filter((x, i) => x > (last[i] as number)).length
      most = Math.max(most, sealed)
      if (writers > 1) {
        sharedTurns++
        mostShared = Math.max(mostShared, sealed)
      }
      last = now
    }
    clearTimeout(timer)
    // every turn in which several streams sealed sealed at most the budget (and a message), a turn with one
    // stream at most SOLO_TURNS times it, so sending took many turns ...
    expect(sharedTurns).toBeGreaterThan(0)
    expect(mostShared).toBeLessThanOrEqual(perTurn)
    expect(most).toBeLessThanOrEqual(alone)
    expect(turns).toBeGreaterThanOrEqual(Math.floor(total / alone) - 1)
    // ... and a 1 ms timer set before the writes ran before the sending was done
    expect(sealedWhenTimerRan).toBeDefined()
    expect(sealedWhenTimerRan as number).toBeLessThan(total)
    const got = await Promise.all(arrived)
    for (const [i, g] of got.entries()) expect(sha(g)).toBe(sha(payloads[i] as Buffer))
  })
})

describe('secure streams of an in-process connection', () => {
  /** Ends of an in-memory pipe, and the bytes written to the first. */
  function countingPair(): { ends: [Duplex, Duplex]; written: () => number } {
    let written = 0
    const ends = memoryPair((i, chunk) => {
      if (i === 0) written += chunk.length
    })
    return { ends, written: () => written }
  }

  function raw(stream: Duplex, inProcess: boolean | undefined): RawConnection {
    return {
      stream,
      remoteAddress: 'memory://b',
      localAddress: 'memory://a',
      remoteHost: '10.0.0.2',
      direction: 'outbound',
      ...(inProcess === undefined ? {} : { inProcess }),
      close: () => stream.destroy(),
    }
  }

  it('seals the small writes of one event-loop turn together, even when they come in different ticks', async () => {
    const { ends, written } = countingPair()
    const [a, b] = await Promise.all([
      secureOutbound(raw(ends[0], false), options(alice)),
      secureInbound(ends[1], options(bob)),
    ])
    track(a, b)
    const arrived = readExactly(b.stream, 30)
    const before = written()
    a.stream.write(Buffer.alloc(10, 1))
    await new Promise((resolve) => process.nextTick(resolve))
    a.stream.write(Buffer.alloc(10, 2))
    await Promise.resolve()
    a.stream.write(Buffer.alloc(10, 3))
    expect(written()).toBe(before)
    await nextTurn()
    // one Noise message: a 2-byte length, 30 bytes of ciphertext and a 16-byte tag
    expect(written() - before).toBe(2 + 30 + 16)
    const got = await arrived
    expect([got[0], got[10], got[20]]).toEqual([1, 2, 3])
  })

  for (const inProcess of [true, false]) {
    it(`${inProcess ? 'ignore' : 'keep to'} the budget (inProcess: ${inProcess})`, async () => {
      const budget = new SendBudget(64 * 1024)
      const { ends, written } = countingPair()
      const [a, b] = await Promise.all([
        secureOutbound(raw(ends[0], inProcess), options(alice, { sendBudget: budget })),
        secureInbound(ends[1], options(bob)),
      ])
      track(a, b)
      const payload = randomBytes(1024 * 1024)
      const arrived = readExactly(b.stream, payload.length)
      const before = written()
      // another stream has spent this turn's budget
      budget.spend(64 * 1024, { resumeSealing() {} })
      a.stream.write(payload)
      // limited: nothing sealed until a later turn; not limited: sealed at once, well beyond the budget
      if (inProcess) expect(written() - before).toBeGreaterThan(SOLO_TURNS * 64 * 1024)
      else expect(written() - before).toBe(0)
      expect(sha(await arrived)).toBe(sha(payload))
    })
  }
})

import { createHash, randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import { AbortError } from '@chainwire/interface'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type Listener,
  parseAddress,
  type RawConnection,
  type Transport,
  TransportError,
} from '../src/transport/index'

/** An address whose dial never completes until aborted, with what is needed to dial it and clean up. */
export interface StalledDial {
  address: string
  /** The transport to dial it with. @default a fresh transport from `create()` */
  transport?: Transport
  close(): Promise<void>
}

/** What {@link transportCompliance} needs to know about one transport. */
export interface TransportComplianceFixture {
  /** Creates a transport; the two ends of a test use separate instances. */
  create(): Transport
  /** The scheme the transport's addresses use, such as `'tcp:'`. */
  protocol: string
  /** A fresh address to listen on: port 0 for socket transports, an unused name for memory. */
  listenAddress(): string
  /** An address nobody listens on: dialing it must fail with `ERR_CONNECTION_REFUSED`. */
  refusedAddress(): Promise<string>
  /** Addresses that must fail with `ERR_INVALID_ADDRESS` on dial and on listen. */
  invalidAddresses: readonly string[]
  /** An address of a scheme this transport does not handle (`ERR_UNSUPPORTED_PROTOCOL`). */
  foreignAddress: string
  /** A dial that stays pending until aborted, when the transport can produce one. */
  stalled?(): Promise<StalledDial>
}

/** Reads a stream to its end, resolving with everything read. */
export function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.once('end', () => resolve(Buffer.concat(chunks)))
    stream.once('error', reject)
    stream.resume()
  })
}

/** Reads `n` bytes (the chunk that completes them may carry more), then pauses the stream. */
export function readBytes(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let got = 0
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      got += chunk.length
      if (got >= n) {
        stream.removeListener('data', onData)
        stream.removeListener('error', reject)
        stream.pause()
        resolve(Buffer.concat(chunks))
      }
    }
    stream.on('data', onData)
    stream.once('error', reject)
    stream.resume()
  })
}

/** Resolves when `stream` emits `event`. */
export function once(stream: Duplex, event: string): Promise<void> {
  return new Promise((resolve) => stream.once(event, () => resolve()))
}

/** Resolves once `stream` has emitted 'close' (at once if it already has). */
export function whenClosed(stream: Duplex): Promise<void> {
  return stream.closed ? Promise.resolve() : once(stream, 'close')
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex')
}

function signal(): AbortSignal {
  return new AbortController().signal
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

function expectCode(err: unknown, code: string): void {
  expect(TransportError.isInstance(err) || AbortError.isInstance(err)).toBe(true)
  expect((err as TransportError).code).toBe(code)
}

/**
 * Registers the compliance tests every chainwire transport passes: dial/listen, bytes both ways (4 MiB
 * included), concurrency, cancellation, refusals, port release, close propagation, backpressure and
 * address validation.
 */
export function transportCompliance(name: string, fixture: TransportComplianceFixture): void {
  describe(`${name}: transport compliance`, () => {
    const listeners: Listener[] = []
    const connections: RawConnection[] = []

    afterEach(async () => {
      for (const c of connections.splice(0)) c.close()
      await Promise.all(listeners.splice(0).map((l) => l.close()))
    })

    /** Listens and dials once; returns both ends. */
    async function pair(): Promise<{ outbound: RawConnection; inbound: RawConnection; listener: Listener }> {
      const server = fixture.create()
      const client = fixture.create()
      let onInbound: (c: RawConnection) => void = () => {}
      const inboundP = new Promise<RawConnection>((resolve) => {
        onInbound = resolve
      })
      const listener = await server.listen(fixture.listenAddress(), (c) => {
        connections.push(c)
        onInbound(c)
      })
      listeners.push(listener)
      const outbound = await client.dial(listener.addresses[0] as string, { signal: signal() })
      connections.push(outbound)
      return { outbound, inbound: await inboundP, listener }
    }

    it('listens and reports a real, dialable address', async () => {
      const listener = await fixture.create().listen(fixture.listenAddress(), () => {})
      listeners.push(listener)
      expect(listener.addresses.length).toBeGreaterThan(0)
      for (const a of listener.addresses) {
        const parsed = parseAddress(a)
        expect(`${parsed.scheme}:`).toBe(fixture.protocol)
        if (parsed.scheme !== 'memory') expect(parsed.port).toBeGreaterThan(0)
      }
    })

    it('connects both directions with addresses, hosts and directions filled in', async () => {
      const { outbound, inbound } = await pair()
      expect(outbound.direction).toBe('outbound')
      expect(inbound.direction).toBe('inbound')
      for (const c of [outbound, inbound]) {
        expect(`${parseAddress(c.remoteAddress).scheme}:`).toBe(fixture.protocol)
        expect(`${parseAddress(c.localAddress).scheme}:`).toBe(fixture.protocol)
        expect(isIP(c.remoteHost)).not.toBe(0)
        expect(c.remoteHost.startsWith('::ffff:')).toBe(false)
      }
    })

    it('carries bytes both ways', async () => {
      const { outbound, inbound } = await pair()
      outbound.stream.write(Buffer.from('ping'))
      expect((await readBytes(inbound.stream, 4)).toString()).toBe('ping')
      inbound.stream.write(Buffer.from('pong'))
      expect((await readBytes(outbound.stream, 4)).toString()).toBe('pong')
    })

    it('carries 4 MiB each way at once, intact', async () => {
      const { outbound, inbound } = await pair()
      const up = randomBytes(4 * 1024 * 1024)
      const down = randomBytes(4 * 1024 * 1024)
      const gotUp = readBytes(inbound.stream, up.length)
      const gotDown = readBytes(outbound.stream, down.length)
      outbound.stream.write(up)
      inbound.stream.write(down)
      expect(sha(await gotUp)).toBe(sha(up))
      expect(sha(await gotDown)).toBe(sha(down))
    })

    it('handles 64 concurrent connections', async () => {
      const listener = await fixture.create().listen(fixture.listenAddress(), (c) => {
        connections.push(c)
        c.stream.pipe(c.stream)
      })
      listeners.push(listener)
      const client = fixture.create()
      const address = listener.addresses[0] as string
      const results = await Promise.all(
        Array.from({ length: 64 }, async (_, i) => {
          const c = await client.dial(address, { signal: signal() })
          connections.push(c)
          const msg = Buffer.from(`message ${i} `.repeat(10))
          c.stream.write(msg)
          return (await readBytes(c.stream, msg.length)).toString() === msg.toString()
        }),
      )
      expect(results.every(Boolean)).toBe(true)
    })

    it('rejects a dial with an already-aborted signal with AbortError', async () => {
      const listener = await fixture.create().listen(fixture.listenAddress(), (c) => connections.push(c))
      listeners.push(listener)
      const controller = new AbortController()
      controller.abort(new Error('gone'))
      const err = await rejection(
        fixture.create().dial(listener.addresses[0] as string, { signal: controller.signal }),
      )
      expect(AbortError.isInstance(err)).toBe(true)
      expectCode(err, 'ERR_ABORTED')
    })

    it('rejects a dial aborted while in progress with AbortError', async () => {
      const listener = await fixture.create().listen(fixture.listenAddress(), (c) => connections.push(c))
      listeners.push(listener)
      const controller = new AbortController()
      const dialing = fixture.create().dial(listener.addresses[0] as string, { signal: controller.signal })
      controller.abort()
      const err = await rejection(dialing)
      expectCode(err, 'ERR_ABORTED')
    })

    if (fixture.stalled !== undefined) {
      const stalled = fixture.stalled
      it('aborts a dial that is stuck connecting', async () => {
        const target = await stalled()
        try {
          const transport = target.transport ?? fixture.create()
          const controller = new AbortController()
          let settled = false
          const dialing = transport.dial(target.address, { signal: controller.signal })
          dialing.then(
            () => {
              settled = true
            },
            () => {
              settled = true
            },
          )
          await new Promise((r) => setTimeout(r, 100))
          expect(settled).toBe(false)
          controller.abort()
          const err = await rejection(dialing)
          expect(AbortError.isInstance(err)).toBe(true)
        } finally {
          await target.close()
        }
      })
    }

    it('fails a dial nobody answers with ERR_CONNECTION_REFUSED', async () => {
      const err = await rejection(fixture.create().dial(await fixture.refusedAddress(), { signal: signal() }))
      expect(TransportError.isInstance(err)).toBe(true)
      expectCode(err, 'ERR_CONNECTION_REFUSED')
    })

    it('frees the address on listener close: dials are refused and it can be listened on again', async () => {
      const transport = fixture.create()
      const first = await transport.listen(fixture.listenAddress(), () => {})
      const address = first.addresses[0] as string
      await first.close()
      await first.close()
      expectCode(
        await rejection(fixture.create().dial(address, { signal: signal() })),
        'ERR_CONNECTION_REFUSED',
      )
      const again = await transport.listen(address, (c) => connections.push(c))
      listeners.push(again)
      expect(again.addresses[0]).toBe(address)
      const c = await fixture.create().dial(address, { signal: signal() })
      connections.push(c)
    })

    it('keeps accepted connections open when the listener closes', async () => {
      const { outbound, inbound, listener } = await pair()
      await listener.close()
      outbound.stream.write(Buffer.from('still here'))
      expect((await readBytes(inbound.stream, 10)).toString()).toBe('still here')
    })

    it('propagates close(): the remote stream ends and closes', async () => {
      const { outbound, inbound } = await pair()
      const ended = readAll(inbound.stream)
      const closed = whenClosed(inbound.stream)
      outbound.stream.write(Buffer.from('last words'))
      outbound.close()
      outbound.close()
      expect((await ended).toString()).toBe('last words')
      await closed
      expect(outbound.stream.destroyed).toBe(true)
    })

    it('propagates end() from the listener side to the dialer', async () => {
      const { outbound, inbound } = await pair()
      const got = readAll(outbound.stream)
      inbound.stream.end(Buffer.from('bye'))
      expect((await got).toString()).toBe('bye')
      await whenClosed(outbound.stream)
    })

    it('applies backpressure: write() returns false while the remote does not read, then drains', async () => {
      const { outbound, inbound } = await pair()
      const chunk = randomBytes(64 * 1024)
      let written = 0
      const limit = 256 * 1024 * 1024
      while (outbound.stream.write(chunk)) {
        written += chunk.length
        if (written > limit) break
      }
      written += chunk.length
      expect(written).toBeLessThanOrEqual(limit + chunk.length)
      expect(outbound.stream.writableNeedDrain).toBe(true)
      const drained = once(outbound.stream, 'drain')
      const received = readBytes(inbound.stream, written)
      await drained
      expect((await received).length).toBe(written)
    })

    it('rejects malformed addresses with ERR_INVALID_ADDRESS', async () => {
      const transport = fixture.create()
      for (const address of fixture.invalidAddresses) {
        expectCode(await rejection(transport.dial(address, { signal: signal() })), 'ERR_INVALID_ADDRESS')
        expectCode(await rejection(transport.listen(address, () => {})), 'ERR_INVALID_ADDRESS')
      }
    })

    it('rejects addresses of another scheme with ERR_UNSUPPORTED_PROTOCOL', async () => {
      const transport = fixture.create()
      expect(transport.protocols).toContain(fixture.protocol)
      expectCode(
        await rejection(transport.dial(fixture.foreignAddress, { signal: signal() })),
        'ERR_UNSUPPORTED_PROTOCOL',
      )
      expectCode(
        await rejection(transport.listen(fixture.foreignAddress, () => {})),
        'ERR_UNSUPPORTED_PROTOCOL',
      )
    })
  })
}

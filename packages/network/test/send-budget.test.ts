import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { systemClock } from '@chainwire/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity } from '../src/identity/index'
import {
  type BudgetWaiter,
  MAX_NOISE_MESSAGE,
  MAX_PLAINTEXT,
  type SecureConnection,
  SendBudget,
  secureInbound,
  secureOutbound,
} from '../src/noise/index'
import type { RawConnection } from '../src/transport/transport'

const NETWORK = 'chainwire-testnet'
const alice = createIdentity()
const bob = createIdentity()
/** Wire bytes of one full Noise message: length prefix, at most 65535 bytes of ciphertext and tag. */
const FRAME = 2 + MAX_NOISE_MESSAGE

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

function waiter(name: string, log: string[], onResume: () => void = () => {}): BudgetWaiter {
  return {
    resumeSealing() {
      log.push(name)
      onResume()
    },
  }
}

describe('SendBudget', () => {
  it('is spent within a turn and comes back in the check phase of that turn', async () => {
    const budget = new SendBudget(1_000)
    expect(budget.available).toBe(true)
    budget.spend(600)
    expect(budget.available).toBe(true)
    budget.spend(600)
    expect(budget.available).toBe(false)
    await nextTurn()
    expect(budget.available).toBe(true)
    budget.spend(999)
    expect(budget.available).toBe(true)
  })

  it('resumes waiters once each, in order, as long as the budget lasts; the rest keep their place', async () => {
    const budget = new SendBudget(100)
    const log: string[] = []
    const a = waiter('a', log, () => budget.spend(60))
    const b = waiter('b', log, () => budget.spend(60))
    const c = waiter('c', log, () => budget.spend(60))
    budget.spend(100)
    budget.wait(a)
    budget.wait(b)
    budget.wait(a) // waiting already: no second place in line
    budget.wait(c)
    expect(budget.waiters).toBe(3)
    await nextTurn()
    // a and b spent 120 of 100: c waits for the next turn, still first in line
    expect(log).toEqual(['a', 'b'])
    budget.wait(a)
    expect(budget.waiters).toBe(2)
    await nextTurn()
    expect(log).toEqual(['a', 'b', 'c', 'a'])
    expect(budget.waiters).toBe(0)
  })

  it('shares the budget fairly between streams that always want more', async () => {
    const budget = new SendBudget(100)
    const log: string[] = []
    const make = (name: string): BudgetWaiter => {
      const w: BudgetWaiter = {
        resumeSealing() {
          log.push(name)
          budget.spend(100)
          budget.wait(w)
        },
      }
      return w
    }
    budget.spend(100)
    for (const name of ['a', 'b', 'c']) budget.wait(make(name))
    for (let i = 0; i < 6; i++) await nextTurn()
    expect(log).toEqual(['a', 'b', 'c', 'a', 'b', 'c'])
  })

  it('goes on serving the others when a waiter throws', async () => {
    const budget = new SendBudget(100)
    const log: string[] = []
    budget.spend(100)
    budget.wait(
      waiter('bad', log, () => {
        throw new Error('boom')
      }),
    )
    budget.wait(waiter('good', log))
    await nextTurn()
    expect(log).toEqual(['bad', 'good'])
  })

  it('refuses a budget that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new SendBudget(bad)).toThrow(RangeError)
    }
  })
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

function readExactly(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let got = 0
    const onData = (d: Buffer): void => {
      chunks.push(d)
      got += d.length
      if (got >= n) {
        stream.off('data', onData)
        resolve(Buffer.concat(chunks))
      }
    }
    stream.on('data', onData)
    stream.once('error', reject)
  })
}

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
        secureOutbound(client, {
          identity: alice,
          networkId: NETWORK,
          clock: systemClock,
          sendBudget: budget,
        }),
        secureInbound(server, { identity: bob, networkId: NETWORK, clock: systemClock }),
      ])
      track(a, b)
      pairs.push({ socket: client, a, b })
    }
    const payloads = pairs.map(() => randomBytes(2 * 1024 * 1024))
    const total = payloads.reduce((n, p) => n + p.length, 0)
    const arrived = pairs.map((p, i) => readExactly(p.b.stream, (payloads[i] as Buffer).length))
    const wire = (): number => pairs.reduce((n, p) => n + p.socket.bytesWritten, 0)
    const start = wire()
    // at most the budget plus the one message that crosses it, with its framing (prefix and tag)
    const perTurn =
      bytesPerTurn + MAX_PLAINTEXT + Math.ceil((bytesPerTurn + MAX_PLAINTEXT) / MAX_PLAINTEXT) * 18
    let sealedWhenTimerRan: number | undefined
    const timer = setTimeout(() => {
      sealedWhenTimerRan = wire() - start
    }, 1)
    for (const [i, p] of pairs.entries()) p.a.stream.write(payloads[i] as Buffer)
    // the writes themselves seal no more than one turn's budget
    expect(wire() - start).toBeLessThanOrEqual(perTurn)
    expect(wire() - start).toBeGreaterThanOrEqual(bytesPerTurn)
    let turns = 0
    let most = 0
    for (let last = wire(); wire() - start < total && turns < 10_000; turns++) {
      await nextTurn()
      const now = wire()
      most = Math.max(most, now - last)
      last = now
    }
    clearTimeout(timer)
    // every turn sealed at most the budget (and a message), so sending took many turns ...
    expect(most).toBeLessThanOrEqual(perTurn)
    expect(turns).toBeGreaterThanOrEqual(Math.floor(total / perTurn) - 1)
    // ... and a 1 ms timer set before the writes ran before the sending was done
    expect(sealedWhenTimerRan).toBeDefined()
    expect(sealedWhenTimerRan as number).toBeLessThan(total)
    const got = await Promise.all(arrived)
    for (const [i, g] of got.entries()) expect(sha(g)).toBe(sha(payloads[i] as Buffer))
  })
})

describe('secure streams of an in-process connection', () => {
  /** An in-memory byte pipe end that counts what is written to it (its writes complete at once). */
  function countingPair(): { ends: [Duplex, Duplex]; written: () => number } {
    let written = 0
    const ends: Duplex[] = []
    const make = (i: number): Duplex =>
      new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, callback) {
          if (i === 0) written += chunk.length
          const peer = ends[1 - i] as Duplex
          if (!peer.destroyed) peer.push(chunk)
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
    return { ends: ends as [Duplex, Duplex], written: () => written }
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
      secureOutbound(raw(ends[0], false), { identity: alice, networkId: NETWORK, clock: systemClock }),
      secureInbound(ends[1], { identity: bob, networkId: NETWORK, clock: systemClock }),
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
        secureOutbound(raw(ends[0], inProcess), {
          identity: alice,
          networkId: NETWORK,
          clock: systemClock,
          sendBudget: budget,
        }),
        secureInbound(ends[1], { identity: bob, networkId: NETWORK, clock: systemClock }),
      ])
      track(a, b)
      const payload = randomBytes(1024 * 1024)
      const arrived = readExactly(b.stream, payload.length)
      const before = written()
      a.stream.write(payload)
      // limited: the budget and the message that crosses it (framing included); not limited: well beyond it
      if (inProcess) expect(written() - before).toBeGreaterThan(4 * 64 * 1024)
      else expect(written() - before).toBeLessThanOrEqual(64 * 1024 + FRAME + 18)
      expect(sha(await arrived)).toBe(sha(payload))
    })
  }
})

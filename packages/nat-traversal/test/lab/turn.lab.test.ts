import { connect, createServer, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NatError } from '../../src/errors'
import { TurnClient } from '../../src/turn/turn-client'
import { Coturn, TURN_USER } from './coturn'

/** The TURN client against Debian's coturn: TCP allocations (RFC 6062) with long-term credentials. */
describe('TURN client against coturn', () => {
  let coturn: Coturn
  let echo: ReturnType<typeof createServer>
  let echoPort: number
  const open = new Set<Socket>()

  beforeAll(async () => {
    coturn = await Coturn.start()
    echo = createServer((s) => {
      open.add(s)
      s.on('error', () => {})
      s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])))
    })
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r))
    echoPort = (echo.address() as { port: number }).port
  }, 30_000)

  afterAll(async () => {
    for (const s of open) s.destroy()
    await new Promise<void>((r) => echo?.close(() => r()))
    await coturn?.stop()
  })

  const config = () => ({
    urls: [`turn:127.0.0.1:${coturn.port}?transport=tcp`],
    username: TURN_USER.username,
    credential: TURN_USER.credential,
  })

  it('allocates a TCP relay, connects out to a peer through it, and the data arrives end to end', async () => {
    const turn = new TurnClient(config())
    try {
      const allocation = await turn.allocate()
      expect(allocation.relayed.host).toBe('127.0.0.1')
      expect(allocation.relayed.port).toBeGreaterThan(0)
      await turn.permit('127.0.0.1')
      const socket = await turn.connectPeer({ host: '127.0.0.1', port: echoPort })
      const got = new Promise<string>((r) => socket.once('data', (d) => r(d.toString())))
      socket.write('hello through coturn')
      expect(await got).toBe('echo:hello through coturn')
      socket.destroy()
    } finally {
      await turn.release()
    }
  })

  it('a peer connecting to the relayed address reaches us; refresh works; after release the address is gone', async () => {
    const turn = new TurnClient(config())
    const allocation = await turn.allocate()
    await turn.permit('127.0.0.1')
    const incoming = new Promise<Socket>((r) => turn.once('connection', (e) => r(e.socket)))
    const peer = connect(allocation.relayed.port, '127.0.0.1')
    open.add(peer)
    peer.on('error', () => {})
    const socket = await incoming
    const atPeer = new Promise<string>((r) => peer.once('data', (d) => r(d.toString())))
    socket.write('from the allocation')
    expect(await atPeer).toBe('from the allocation')
    const atUs = new Promise<string>((r) => socket.once('data', (d) => r(d.toString())))
    peer.write('from the peer')
    expect(await atUs).toBe('from the peer')
    expect(await turn.refresh()).toBeGreaterThan(0)
    await turn.release()
    // The server closes the relayed listener once the allocation is deleted (it may take a moment).
    const tryConnect = () =>
      new Promise<string>((r) => {
        const s = connect(allocation.relayed.port, '127.0.0.1')
        open.add(s)
        s.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'))
        s.once('connect', () => {
          s.destroy()
          r('connected')
        })
      })
    let outcome = await tryConnect()
    for (let i = 0; i < 30 && outcome !== 'ECONNREFUSED'; i++) {
      await new Promise((r) => setTimeout(r, 100))
      outcome = await tryConnect()
    }
    expect(outcome).toBe('ECONNREFUSED')
  })

  it('wrong credentials fail with the 401 error response', async () => {
    const turn = new TurnClient({ ...config(), credential: 'wrong' })
    const err = await turn.allocate().catch((e) => e)
    expect(NatError.isInstance(err) && err.code).toBe('ERR_STUN_ERROR_RESPONSE')
    expect(err.details.code).toBe(401)
    turn.close()
  })
})

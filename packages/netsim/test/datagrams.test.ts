/** Datagrams on the simulated links (the DHT's wire): one latency, lost on cut links and at dead nodes. */
import { createMemoryNetwork, createMemoryTransport, type MemoryTransport } from '@chainwire/network'
import { describe, expect, it } from 'vitest'
import { Random, Scheduler, SimNetwork } from '../src/index'
import { uniformLinks } from './helpers/links'

async function world(link: { latency?: number; loss?: number } = {}) {
  const scheduler = new Scheduler()
  const model = uniformLinks(
    2,
    { latency: { distribution: 'fixed', value: link.latency ?? 40 }, loss: link.loss ?? 0 },
    new Random(1).fork('latency'),
  )
  const simnet = new SimNetwork({ scheduler, model, random: new Random(1).fork('chunks') })
  const memory = createMemoryNetwork({ scheduler: simnet })
  const got: { at: number; from: string }[] = []
  const sockets = []
  const transports: MemoryTransport[] = []
  for (let i = 0; i < 2; i++) {
    const t = createMemoryTransport({ network: memory }, { label: `n${i}` })
    simnet.attach(t.endpoint, i)
    transports.push(t)
    const socket = await t.bindDatagram?.(`memory://n${i}`, (_bytes, from) =>
      got.push({ at: scheduler.nowMs(), from: from.address }),
    )
    sockets.push(socket)
  }
  return { scheduler, simnet, sockets, transports, got }
}

describe('datagrams on simulated links', () => {
  it('arrive one link latency later, without a connection', async () => {
    const w = await world({ latency: 40 })
    w.sockets[0]?.send('memory://n1', new Uint8Array(100))
    await w.scheduler.run(1_000)
    expect(w.got).toEqual([{ at: 40, from: 'memory://n0' }])
  })

  it('are lost on a cut link, at a crashed node and at the link loss rate', async () => {
    const w = await world({ latency: 40 })
    w.simnet.cut([0], [1])
    w.sockets[0]?.send('memory://n1', new Uint8Array(10))
    await w.scheduler.run(100)
    w.simnet.healAll()
    w.simnet.crash((w.transports[1] as MemoryTransport).endpoint)
    w.sockets[0]?.send('memory://n1', new Uint8Array(10))
    await w.scheduler.run(200)
    expect(w.got).toEqual([])
    const lossy = await world({ latency: 10, loss: 0.5 })
    for (let i = 0; i < 200; i++) lossy.sockets[0]?.send('memory://n1', new Uint8Array(10))
    await lossy.scheduler.run(1_000)
    expect(lossy.got.length).toBeGreaterThan(60)
    expect(lossy.got.length).toBeLessThan(140)
  })
})

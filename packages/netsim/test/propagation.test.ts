import type { PeerId } from '@chainwire/interface'
import type { Message } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import { defineScenario, readWorkloadMessage, runScenario, type SimNodeHandle } from '../src/index'

/** A toy propagation service: the origin sends to its peers, and (when `relay`) receivers pass it on once. */
function toyPropagation(node: SimNodeHandle, relay: boolean, log: string[]): () => void {
  const seen = new Set<number>()
  const onMessage = (e: { peerId: PeerId; message: Message }): void => {
    const info = readWorkloadMessage(e.message)
    if (info === undefined || !info.valid || seen.has(info.id)) return
    seen.add(info.id)
    if (relay) node.network.broadcast(e.message, (p) => p.peerId !== e.peerId)
  }
  node.network.on('message:new_block', onMessage)
  node.usePropagation({
    publish: (message, via) => {
      log.push(via ?? '-')
      const info = readWorkloadMessage(message)
      if (info !== undefined) seen.add(info.id)
      node.network.broadcast(message)
    },
  })
  return () => node.network.off('message:new_block', onMessage)
}

const base = {
  duration: '20s',
  nodes: 30,
  topology: { type: 'random' as const, degree: 4 },
  links: { latency: '20ms' },
}

describe('propagation services (usePropagation) and via labels', () => {
  it('workload goes to the service with its label; the report gives delivery and duplicates per label', async () => {
    const log: string[] = []
    const scenario = defineScenario({
      ...base,
      workload: [
        { type: 'block', size: '10KB', every: '3s', via: 'toy' },
        { type: 'block', size: '10KB', every: '4s' },
      ],
      setup: (node) => toyPropagation(node, true, log),
    })
    const { report } = await runScenario(scenario, { seed: 3 })
    expect(log.filter((v) => v === 'toy').length).toBe(report.summary.byVia?.toy?.published)
    expect(log).toContain('-')
    const toy = report.summary.byVia?.toy
    expect(toy?.deliveryRatio).toBe(1)
    // a relay-once flood over degree 4: about 3 copies per node after the first
    expect(toy?.duplicatesPerNodePerMessage).toBeGreaterThan(1.5)
    expect(toy?.duplicatesPerNodePerMessage).toBeLessThan(3.5)
    expect(toy?.duplicateBytesPerNodePerMessage).toBeCloseTo(
      (toy?.duplicatesPerNodePerMessage ?? 0) * (toy?.messageBytes.mean ?? 0),
      -2,
    )
    expect(Object.keys(report.summary.byVia ?? {})).toEqual(['toy'])
    const m = report.messages.find((x) => x.via === 'toy')
    expect(m?.duplicates).toBeGreaterThan(0)
  })

  it('a node with a service no longer floods: a service that does not relay reaches only the neighbours', async () => {
    const scenario = defineScenario({
      ...base,
      workload: [{ type: 'block', size: '10KB', every: '3s', via: 'silent' }],
      setup: (node) => toyPropagation(node, false, []),
    })
    const { report } = await runScenario(scenario, { seed: 3 })
    const r = report.summary.byVia?.silent
    expect(r?.deliveryRatio).toBeLessThan(0.3)
    expect(r?.duplicatesPerNodePerMessage).toBe(0)
  })

  it('a label must be 1 to 64 characters', () => {
    expect(() =>
      defineScenario({ ...base, workload: [{ type: 'block', size: '1KB', every: '1s', via: '' }] }),
    ).toThrow(expect.objectContaining({ code: 'ERR_SCENARIO_INVALID' }))
  })
})

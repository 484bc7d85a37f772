/**
 * `networkFor`: one node's @chainwire/network options merged over the scenario's, so a test can run a node that
 * announces listen addresses it does not have (what an attacker's hello does), while netsim keeps its listen
 * address, persistent peers and identity.
 */
import { describe, expect, it } from 'vitest'
import { defineScenario, parseScenario, runScenario } from '../src/index'

describe('networkFor', () => {
  it('gives one node its own network options; the others keep the scenario’s', async () => {
    const announced = new Map<string, readonly string[]>()
    const asked: number[] = []
    await runScenario(
      defineScenario({
        duration: '3s',
        nodes: { count: 3, startSpread: 0 },
        topology: { type: 'full' },
        network: { userAgent: 'everyone/1' },
        networkFor: (node) => {
          asked.push(node.index)
          return node.name === 'n2' ? { announce: ['memory://elsewhere'], userAgent: 'n2/1' } : undefined
        },
        setup: (node) => {
          if (node.index !== 0) return undefined
          const onConnected = ({
            peer,
          }: {
            peer: { hello: { listenAddrs: readonly string[]; userAgent: string }; remoteAddress: string }
          }) => {
            announced.set(`${peer.remoteAddress} ${peer.hello.userAgent}`, peer.hello.listenAddrs)
          }
          node.network.on('peer:connected', onConnected)
          return () => node.network.off('peer:connected', onConnected)
        },
      }),
      { seed: 1 },
    )
    expect(asked).toEqual([0, 1, 2])
    expect(announced.get('memory://n1 everyone/1')).toEqual(['memory://n1'])
    // n2 still listens (and is reached) at memory://n2, but announces what it was told to
    expect(announced.get('memory://n2 n2/1')).toEqual(['memory://elsewhere'])
  })

  it('is TypeScript only: anything but a function is refused', () => {
    expect(() =>
      parseScenario(JSON.stringify({ duration: '1s', nodes: 2, networkFor: 'n2' }), 'json'),
    ).toThrowError(expect.objectContaining({ code: 'ERR_SCENARIO_INVALID' }))
  })
})

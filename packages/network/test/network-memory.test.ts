import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryNetwork } from '../src/index'
import { memoryNode, stopAll, waitFor } from './helpers'

afterEach(stopAll)

describe('two nodes over the memory transport', () => {
  it('connects with hello both ways, pings and answers requests', async () => {
    const net = createMemoryNetwork()
    const a = await memoryNode(net, 'a')
    const b = await memoryNode(net, 'b')
    b.handle('get_peers', () => ({ type: 'peers', data: { peers: [] } }))
    const peer = await a.dial('memory://b')
    expect(peer.peerId).toBe(b.peerId)
    expect(peer.direction).toBe('outbound')
    await waitFor(() => b.getPeer(a.peerId) !== undefined)
    expect(b.getPeer(a.peerId)?.direction).toBe('inbound')
    const rtt = await a.ping(b.peerId)
    expect(rtt).toBeGreaterThanOrEqual(0)
    const res = await a.request(b.peerId, { type: 'get_peers', data: { limit: 10 } })
    expect(res.type).toBe('peers')
  })
})

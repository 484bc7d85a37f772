import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '@chainwire/interface'
import { createPeerScoring, type PeerScoring } from '@chainwire/peer-scoring'
import { createPeerStore, type PeerStore } from '@chainwire/peer-store'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, createNetwork, createTcpTransport, type Identity, type Network } from '../src/index'
import { NETWORK_ID, stopAll, track, waitFor } from './helpers'

const dirs: string[] = []
const stores: PeerStore[] = []
const scorers: PeerScoring[] = []

afterEach(async () => {
  await stopAll()
  for (const s of scorers.splice(0)) s.stop()
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function openStore(path: string): Promise<PeerStore> {
  const store = createPeerStore({ clock: systemClock }, { path, allowNonRoutable: true })
  await store.open()
  await store.start()
  stores.push(store)
  return store
}

function tcpNetwork(identity: Identity, extra: Partial<Parameters<typeof createNetwork>[0]> = {}): Network {
  return track(
    createNetwork(
      { identity, transports: [createTcpTransport()], ...extra },
      { networkId: NETWORK_ID, listen: ['tcp://127.0.0.1:0'] },
    ),
  )
}

/**
 * The wiring an app does: peer-store is the network's gater, peer-scoring its misbehaviour sink, a ban by
 * the scorer becomes a ban in the store plus a disconnect, and scores persist in the store's metadata.
 */
describe('network with a real peer-store (LevelDB) and peer-scoring, over loopback TCP', () => {
  it('bans a peer the scorer condemns, refuses its redial, and keeps ban and score across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-net-store-'))
    dirs.push(dir)
    const store = await openStore(dir)
    const scoring = createPeerScoring({ clock: systemClock })
    scoring.start()
    scorers.push(scoring)

    const server = tcpNetwork(createIdentity(), { gater: store, misbehaviour: scoring })
    scoring.on('peer:banned', ({ peerId }) => {
      store.ban(peerId, 60 * 60_000, 'peer score fell below the ban threshold')
      void server.disconnect(peerId, 'banned')
    })
    await server.start()
    const address = server.listenAddresses()[0] as string

    const honest = tcpNetwork(createIdentity())
    const villainIdentity = createIdentity()
    const villain = tcpNetwork(villainIdentity)
    await Promise.all([honest.start(), villain.start()])
    await honest.dial(address)
    await villain.dial(address)
    await waitFor(() => server.peers().length === 2)

    // A service (sync, relay) judges a block from the villain invalid and reports it.
    scoring.recordBehavior(villainIdentity.peerId, 'bad-block', { detail: 'invalid proof of work' })
    await waitFor(() => server.getPeer(villainIdentity.peerId) === undefined)
    expect(store.isBanned(villainIdentity.peerId)).toBe(true)
    expect(server.getPeer(honest.peerId)).toBeDefined()

    // The banned peer's redial is refused by the gater once its identity is proven.
    const refused = await villain.dial(address).catch((e: unknown) => e)
    expect((refused as { code?: string }).code).toBe('ERR_REMOTE_DISCONNECT')
    expect((refused as { details?: { reason?: string } }).details?.reason).toBe('banned')
    await waitFor(() => villain.peers().length === 0)
    expect(server.getPeer(villainIdentity.peerId)).toBeUndefined()
    expect(await server.ping(honest.peerId)).toBeGreaterThanOrEqual(0)

    // The app persists the scores in the store; a restart from disk keeps the ban and the score.
    store.putMetadata('peer-scores', scoring.snapshot())
    await store.close()
    stores.splice(stores.indexOf(store), 1)
    const reopened = await openStore(dir)
    const restored = createPeerScoring({ clock: systemClock })
    scorers.push(restored)
    restored.restore(reopened.getMetadata('peer-scores'))
    expect(reopened.isBanned(villainIdentity.peerId)).toBe(true)
    expect(reopened.allowPeer(villainIdentity.peerId)).toBe(false)
    expect(restored.isBanned(villainIdentity.peerId)).toBe(true)
    expect(restored.getScore(villainIdentity.peerId).total).toBeLessThanOrEqual(-50)
  })
})

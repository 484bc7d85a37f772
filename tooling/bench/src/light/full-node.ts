/**
 * A full node in its own process for the `light` bench, assembled from the packages (chain on classic-level,
 * network over loopback TCP, sync serving headers, proofs and compact filters); one JSON line per result.
 *
 *   build <network> <dir> <n>    mines <n> empty blocks on the bench network into a fresh chain in <dir>
 *   serve <network> <dir> <host> opens the chain in <dir>, listens on tcp://<host>:0, prints its address,
 *                                then serves until killed
 */
import { createChain } from '@chainwire/chain'
import { BlockBuilder } from '@chainwire/chain/testing'
import { systemClock } from '@chainwire/interface'
import { createIdentity, createNetwork, createTcpTransport } from '@chainwire/network'
import { createSync, SYNC_CAPABILITIES } from '@chainwire/sync'
import { type NetworkJson, networkFrom } from '../sync/blocks'

const say = (v: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(v)}\n`)
const [role, networkArg, dir, arg] = process.argv.slice(2) as [string, string, string, string]
const params = networkFrom(JSON.parse(networkArg) as NetworkJson)

async function build(n: number): Promise<void> {
  const chain = createChain({ clock: systemClock }, { network: params, path: dir })
  await chain.start()
  const builder = new BlockBuilder(params)
  let parent = params.genesis
  for (let i = 0; i < n; i++) {
    parent = builder.next(parent)
    const r = await chain.acceptBlock(parent)
    if (r !== 'connected') throw new Error(`block ${i + 1}: ${JSON.stringify(r)}`)
  }
  say({ built: chain.tip().height })
  await chain.stop()
}

async function serve(host: string): Promise<void> {
  const chain = createChain({ clock: systemClock }, { network: params, path: dir })
  await chain.start()
  const tip = chain.tip()
  const network = createNetwork(
    { identity: createIdentity(), transports: [createTcpTransport()] },
    {
      networkId: params.id,
      listen: [`tcp://${host}:0`],
      capabilities: [...SYNC_CAPABILITIES],
      localStatus: { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work },
    },
  )
  const sync = createSync({ network, chain, filters: chain })
  sync.start()
  await network.start()
  say({ address: network.listenAddresses()[0], height: tip.height })
}

;(role === 'build' ? build(Number(arg)) : serve(arg)).catch((err: unknown) => {
  say({ error: String(err instanceof Error ? err.stack : err) })
  process.exit(1)
})

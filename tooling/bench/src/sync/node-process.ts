/**
 * A chainwire node in its own process for the `sync` bench's two-process case; one JSON line per result.
 *
 *   validate <network> <blocks> <dir>   connects the blocks into a fresh classic-level chain in <dir>, one
 *                                       `acceptBlock` after another: the chain's own validation speed
 *   seed <network> <blocks>             a chain holding the blocks (memory-level) serving them over loopback
 *                                       TCP; prints its address, then runs until killed
 *   sync <network> <dir> <address> <n>  a fresh classic-level chain in <dir> syncing from <address> until
 *                                       its tip is at height <n>
 */
import { performance } from 'node:perf_hooks'
import { createChain } from '@chainwire/chain'
import { systemClock } from '@chainwire/interface'
import { createIdentity, createNetwork, createTcpTransport } from '@chainwire/network'
import { createSync, SYNC_CAPABILITIES } from '@chainwire/sync'
import { type NetworkJson, networkFrom, readBlocks } from './blocks'

const say = (v: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(v)}\n`)

const [role, networkArg, ...args] = process.argv.slice(2) as [string, string, ...string[]]
const params = networkFrom(JSON.parse(networkArg) as NetworkJson)

async function validate(blocksFile: string, dir: string): Promise<void> {
  const blocks = readBlocks(blocksFile)
  const chain = createChain({ clock: systemClock }, { network: params, path: dir })
  await chain.start()
  const t = performance.now()
  for (const b of blocks) {
    const r = await chain.acceptBlock(b)
    if (r !== 'connected') throw new Error(`block ${b.header.height}: ${JSON.stringify(r)}`)
  }
  const seconds = (performance.now() - t) / 1000
  await chain.stop()
  say({ blocks: blocks.length, seconds, blocksPerSecond: blocks.length / seconds })
}

async function node(path: string | undefined) {
  const chain = createChain(
    { clock: systemClock },
    { network: params, ...(path === undefined ? {} : { path }) },
  )
  await chain.start()
  return chain
}

async function serve(chain: Awaited<ReturnType<typeof node>>) {
  const network = createNetwork(
    { identity: createIdentity(), transports: [createTcpTransport()] },
    { networkId: params.id, listen: ['tcp://127.0.0.1:0'], capabilities: [...SYNC_CAPABILITIES] },
  )
  const sync = createSync({ network, chain })
  sync.start()
  await network.start()
  return { network, sync }
}

async function seed(blocksFile: string): Promise<void> {
  const chain = await node(undefined)
  for (const b of readBlocks(blocksFile)) await chain.acceptBlock(b)
  const { network } = await serve(chain)
  say({ address: network.listenAddresses()[0], height: chain.tip().height })
}

async function syncFrom(dir: string, address: string, target: number): Promise<void> {
  const chain = await node(dir)
  const { network, sync } = await serve(chain)
  const done = new Promise<void>((resolve) => chain.on('tip', (t) => t.height === target && resolve()))
  const t = performance.now()
  await network.dial(address)
  await done
  const seconds = (performance.now() - t) / 1000
  say({ blocks: target, seconds, blocksPerSecond: target / seconds, stats: sync.stats() })
  sync.stop()
  await network.stop()
  await chain.stop()
}

const run =
  role === 'validate'
    ? validate(args[0] as string, args[1] as string)
    : role === 'seed'
      ? seed(args[0] as string)
      : syncFrom(args[0] as string, args[1] as string, Number(args[2]))
run.catch((err: unknown) => {
  say({ error: String(err instanceof Error ? err.stack : err) })
  process.exit(1)
})

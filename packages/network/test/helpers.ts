import {
  createIdentity,
  createMemoryTransport,
  createNetwork,
  type MemoryNetwork,
  type Network,
  type NetworkComponents,
  type NetworkOptions,
} from '../src/index'

/** Networks created by a test, stopped by {@link stopAll}. */
const created: Network[] = []

/** A node on a memory network, listening on `memory://<name>`. */
export async function memoryNode(
  network: MemoryNetwork,
  name: string,
  options: NetworkOptions = {},
  components: Partial<NetworkComponents> & { host?: string } = {},
): Promise<Network> {
  const { host, ...rest } = components
  const node = createNetwork(
    {
      identity: createIdentity(),
      transports: [
        createMemoryTransport({ network }, { label: name, ...(host === undefined ? {} : { host }) }),
      ],
      ...rest,
    },
    { networkId: 'chainwire-test', listen: [`memory://${name}`], ...options },
  )
  created.push(node)
  await node.start()
  return node
}

/** Stops every network the test created. */
export async function stopAll(): Promise<void> {
  await Promise.all(created.splice(0).map((n) => n.stop()))
}

/** Resolves when `check` returns true, polling every `intervalMs` (real time) up to `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5_000, intervalMs = 10): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor timed out')
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/**
 * @packageDocumentation
 * `@chainwire/light`: a header-only light client over chainwire's P2P protocol. It connects with the `light`
 * role to several full nodes, syncs headers with block locators into `@chainwire/chain`'s `HeaderChain`
 * (proof of work, difficulty, time rules, most work, finality), accepts a tip only when peers of different
 * network groups agree or a checkpoint covers it, proves transactions with merkle proofs, and finds the
 * user's own transactions with compact block filters (BIP 157/158) matched locally. The core imports no
 * `node:` module; `createNodeLightClient` adds the Node adapters (LevelDB in a data dir, the identity file).
 */
import { LightClient } from './client'
import type { LightClientOptions } from './options'
import type { LightClientComponents } from './types'

export { LightClient } from './client'
export { LightClientError, type LightClientErrorCode } from './errors'
export { networkFromJson } from './node/chain-params'
export { type Devnet, type DevnetNode, readDevnet } from './node/devnet'
export { createNodeLightClient, type NodeLightClientOptions } from './node/node-client'
export { type Checkpoint, LIGHT_CLIENT_OPTIONS, type LightClientOptions } from './options'
export type * from './types'
export { WatchStream } from './watch-stream'

/**
 * Creates a light client; nothing runs until `start()`. Throws `LightClientError` `ERR_INVALID_OPTIONS` for
 * options out of range.
 */
export function createLightClient(
  components: LightClientComponents,
  options: Partial<LightClientOptions> = {},
): LightClient {
  return new LightClient(components, options)
}

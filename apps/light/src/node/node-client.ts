import { join } from 'node:path'
import type { Network } from '@chainwire/chain'
import type { Clock, Logger } from '@chainwire/interface'
import { loadOrCreateIdentity } from '@chainwire/network'
import { ClassicLevel } from 'classic-level'
import { LightClient } from '../client'
import type { LightClientOptions } from '../options'
import type { LightDatabase } from '../types'

/** Options of {@link createNodeLightClient}: the client's options plus where its data lives. */
export interface NodeLightClientOptions extends Partial<LightClientOptions> {
  /** Directory of the LevelDB store (`db/`) and the identity key (`identity.key`). */
  dataDir: string
  /** The chain network to follow. */
  chain: Network
  /** @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
}

/**
 * The light client with its Node adapters: classic-level (LevelDB) under `dataDir/db`, the P2P identity kept
 * in `dataDir/identity.key`, and network's TCP and WebSocket transports.
 */
export async function createNodeLightClient(options: NodeLightClientOptions): Promise<LightClient> {
  const { dataDir, chain, clock, logger, ...rest } = options
  const identity = await loadOrCreateIdentity(dataDir)
  const db = new ClassicLevel(join(dataDir, 'db')) as unknown as LightDatabase
  return new LightClient({ chain, clock, logger, identity, db }, rest)
}

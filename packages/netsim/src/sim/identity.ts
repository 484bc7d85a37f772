import { type Identity, identityFromPrivateKey } from '@chainwire/network'
import type { Random } from '../random/random'

/**
 * The Ed25519 identity of a node, from 32 seeded bytes: the same seed always gives the same peer ids, so
 * reports (which name peers) do not depend on node:crypto's randomness.
 */
export function seededIdentity(random: Random): Identity {
  return identityFromPrivateKey(random.bytes(32))
}

import type { BlockHeader } from '@chainwire/protocol-codec'
import { bytesToBigInt } from '../bytes'
import { targetFromBits } from './compact'
import { headerHash } from './header'

/** True when `hash`, read as a big-endian 256-bit number, is at most `target`. */
export function hashMeetsTarget(hash: Uint8Array, target: bigint): boolean {
  return bytesToBigInt(hash) <= target
}

/**
 * Bitcoin's CheckProofOfWork: `bits` decodes to a positive target no easier than `powLimit`, and the
 * header's hash meets it. Returns the reason when it does not.
 */
export function checkProofOfWork(
  header: BlockHeader,
  powLimit: bigint,
  hash: Uint8Array = headerHash(header),
): 'ok' | 'bad-bits' | 'bad-pow' {
  const target = targetFromBits(header.bits, powLimit)
  if (target === undefined) return 'bad-bits'
  return hashMeetsTarget(hash, target) ? 'ok' : 'bad-pow'
}

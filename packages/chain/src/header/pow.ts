import type { BlockHeader } from '@chainwire/protocol-codec'
import { bigIntToBytes32 } from '../bytes'
import { decodeBits, memoByBits, targetFromBits } from './compact'
import { headerHash } from './header'

/** True when `hash`, read as a big-endian 256-bit number, is at most `target`. */
export function hashMeetsTarget(hash: Uint8Array, target: bigint): boolean {
  return meetsTargetBytes(hash, bigIntToBytes32(target))
}

function meetsTargetBytes(hash: Uint8Array, t: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const a = hash[i] as number
    const b = t[i] as number
    if (a !== b) return a < b
  }
  return true
}

/** The 32 big-endian bytes of the target of valid `bits` (memoised by bits: compared byte by byte). */
const targetBytesOf = memoByBits((bits) => bigIntToBytes32(decodeBits(bits).target))

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
  return meetsTargetBytes(hash, targetBytesOf(header.bits)) ? 'ok' : 'bad-pow'
}

import type { BlockHeader } from '@chainwire/protocol-codec'
import { equalBytes } from '../bytes'
import { type ChainErrorCode, codeOf, fail } from '../errors'
import type { Network } from '../network/network'
import { workFromBits } from './compact'
import { headerHash } from './header'
import { checkProofOfWork } from './pow'

/** The header version this chain accepts. */
export const HEADER_VERSION = 1

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isU32 = (v: unknown): v is number => typeof v === 'number' && v >>> 0 === v

/**
 * The context-free checks of a header, cheap enough for relay to run before forwarding: field shapes, the
 * version, `bits` within the network's limit, and the proof of work. Throws a `ChainError`
 * (`ERR_BAD_BITS` for malformed fields, `ERR_BAD_VERSION`, `ERR_BAD_HEIGHT`, `ERR_BAD_POW`).
 */
export function checkHeader(header: BlockHeader, network: Network, hash: Uint8Array): void {
  if (
    typeof header !== 'object' ||
    header === null ||
    !(header.prevHash instanceof Uint8Array) ||
    header.prevHash.length !== 32 ||
    !(header.merkleRoot instanceof Uint8Array) ||
    header.merkleRoot.length !== 32 ||
    !isUint(header.timestamp) ||
    !isUint(header.nonce) ||
    !isU32(header.bits)
  ) {
    fail('ERR_BAD_BITS', 'malformed header fields', { hash })
  }
  if (header.version !== HEADER_VERSION)
    fail('ERR_BAD_VERSION', 'unknown header version', { version: header.version })
  if (!isUint(header.height) || header.height === 0)
    fail('ERR_BAD_HEIGHT', 'a non-genesis header needs a height >= 1')
  const pow = checkProofOfWork(header, network.powLimit, hash)
  if (pow === 'bad-bits')
    fail('ERR_BAD_BITS', 'bits do not encode a target within the pow limit', { bits: header.bits })
  if (pow === 'bad-pow') fail('ERR_BAD_POW', 'hash above the target', { bits: header.bits })
}

/** What a header is checked against: facts about its parent's chain, and our clock. */
export interface HeaderContext {
  /** Hash of the parent (the header's `prevHash` must equal it). */
  parentHash: Uint8Array
  parentHeight: number
  /** Median of the timestamps of the parent and its 10 ancestors. */
  medianTimePast: number
  /** The bits the retarget asks of a child of the parent. */
  expectedBits: number
  /** Our clock, ms since the epoch. */
  now: number
}

/**
 * The checks of a header against its parent: the link, the height, the retarget's bits, a timestamp after
 * median-time-past and not beyond the future limit (`ERR_TIME_TOO_NEW` is not permanent: our clock moves).
 */
export function checkHeaderContext(header: BlockHeader, ctx: HeaderContext, network: Network): void {
  if (!equalBytes(header.prevHash, ctx.parentHash)) fail('ERR_UNKNOWN_PARENT', 'prevHash is not the parent')
  if (header.height !== ctx.parentHeight + 1) {
    fail('ERR_BAD_HEIGHT', 'height is not the parent height + 1', {
      height: header.height,
      parent: ctx.parentHeight,
    })
  }
  if (header.bits !== ctx.expectedBits) {
    fail('ERR_BAD_BITS', 'bits differ from the difficulty retarget', {
      bits: header.bits,
      expected: ctx.expectedBits,
    })
  }
  if (header.timestamp <= ctx.medianTimePast) {
    fail('ERR_TIME_TOO_OLD', 'timestamp not after median-time-past', {
      timestamp: header.timestamp,
      mtp: ctx.medianTimePast,
    })
  }
  if (header.timestamp > ctx.now + network.maxFutureBlockTimeMs) {
    fail('ERR_TIME_TOO_NEW', 'timestamp too far in the future', { timestamp: header.timestamp, now: ctx.now })
  }
}

/** What {@link checkHeaderLink} found: the header's own work, or the rule it breaks. */
export type HeaderLinkResult = { work: bigint } | { invalid: ChainErrorCode }

/**
 * Checks a header against its parent alone, storing nothing: the context-free checks (fields, version, proof
 * of work against its own `bits` within the network's limit), the link to `parent` and the height. For
 * following a chain before its work justifies storing it (headers presync): the difficulty retarget and the
 * timestamp rules need the parent's ancestors and are checked when the headers are stored, and claiming
 * easier `bits` than the retarget's only lowers the work the chain is credited with. `hash` saves hashing
 * again when the caller has the header's hash.
 */
export function checkHeaderLink(
  header: BlockHeader,
  parent: { hash: Uint8Array; height: number },
  network: Network,
  hash?: Uint8Array,
): HeaderLinkResult {
  let h = hash
  if (h === undefined) {
    try {
      h = headerHash(header)
    } catch {
      return { invalid: 'ERR_BAD_BITS' } // fields that do not serialise
    }
  }
  try {
    checkHeader(header, network, h)
    if (!equalBytes(header.prevHash, parent.hash)) fail('ERR_NOT_CONTINUOUS', 'prevHash is not the parent')
    if (header.height !== parent.height + 1) fail('ERR_BAD_HEIGHT', 'height is not the parent height + 1')
    return { work: workFromBits(header.bits) }
  } catch (err) {
    return { invalid: codeOf(err) }
  }
}

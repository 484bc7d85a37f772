import type { BlockHeader } from '@chainwire/protocol-codec'
import { equalBytes } from '../bytes'
import { codeOf, fail, isPenalty } from '../errors'
import type { AcceptHeadersResult } from './types'

/**
 * Runs `accept` over a batch of headers in order, each of which must follow the previous one, stopping at
 * the first failure (`ERR_NOT_CONTINUOUS` for a break in the batch). `accept` returns the header's hash and
 * receives the hash it returned for the previous header (undefined for the first), which the header's
 * `prevHash` has been checked to equal.
 */
export async function acceptHeaderBatch(
  headers: readonly BlockHeader[],
  accept: (header: BlockHeader, prev: Uint8Array | undefined) => Uint8Array | Promise<Uint8Array>,
): Promise<AcceptHeadersResult> {
  let accepted = 0
  let prev: Uint8Array | undefined
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i] as BlockHeader
    try {
      if (
        prev !== undefined &&
        !(header?.prevHash instanceof Uint8Array && equalBytes(header.prevHash, prev))
      ) {
        fail('ERR_NOT_CONTINUOUS', 'header does not follow the previous one of the batch', { index: i })
      }
      const hash = accept(header, prev)
      // Most headers are checked synchronously: awaiting only real promises saves a microtask per header.
      prev = hash instanceof Uint8Array ? hash : await hash
      accepted++
    } catch (err) {
      const code = codeOf(err)
      return { accepted, invalid: { index: i, code, penalty: isPenalty(code, 'header') } }
    }
  }
  return { accepted }
}

import { LIMITS } from '@chainwire/protocol-codec'

/**
 * A block locator (Bitcoin's): hashes from `height` down, the first 10 one apart, then doubling the step,
 * always ending with genesis; at most the protocol's 101.
 */
export function buildLocator(
  height: number,
  hashAt: (height: number) => Uint8Array | undefined,
): Uint8Array[] {
  const out: Uint8Array[] = []
  let step = 1
  for (let h = height; h > 0 && out.length < LIMITS.maxLocatorHashes - 1; h -= step) {
    const hash = hashAt(h)
    if (hash !== undefined) out.push(hash)
    if (out.length >= 10) step *= 2
  }
  const genesis = hashAt(0)
  if (genesis !== undefined) out.push(genesis)
  return out
}

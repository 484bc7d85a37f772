/**
 * Searches `count` nonces from `start` for a header hash at or below the target: writes each nonce into the
 * last 8 bytes of the 96 canonical header bytes (big-endian), double-hashes, and compares the hash with the
 * 32-byte big-endian target. Returns the nonce found, -1 when none in the range, or -2 when `stop[0]` was set
 * (checked every 4,096 hashes).
 *
 * Self-contained on purpose (no imports, no outer variables): the miner ships its source text to a worker
 * thread, so the same code runs from sources under vitest or tsx and from the built package, with no
 * worker file to resolve. `hash` is double SHA-256.
 */
export function searchNonce(
  headerBytes: Uint8Array,
  target: Uint8Array,
  start: number,
  count: number,
  hash: (data: Uint8Array) => Uint8Array,
  stop: Int32Array | undefined,
): number {
  const end = Math.min(start + count, Number.MAX_SAFE_INTEGER + 1)
  const view = new DataView(headerBytes.buffer, headerBytes.byteOffset, headerBytes.byteLength)
  for (let nonce = start; nonce < end; nonce++) {
    if ((nonce & 4095) === 0 && stop !== undefined && Atomics.load(stop, 0) !== 0) return -2
    view.setUint32(88, Math.floor(nonce / 4294967296))
    view.setUint32(92, nonce >>> 0)
    const h = hash(headerBytes)
    let i = 0
    while (i < 32 && h[i] === target[i]) i++
    if (i === 32 || (h[i] as number) < (target[i] as number)) return nonce
  }
  return -1
}

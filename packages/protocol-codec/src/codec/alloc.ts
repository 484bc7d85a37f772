/** Outputs at least this long skip the zero fill (see {@link allocFilled}); shorter ones are not worth it. */
const UNZEROED_MIN_BYTES = 64 * 1024

/**
 * A plain `Uint8Array` of `n` bytes that the caller overwrites completely before anyone else sees it. Large
 * ones take their memory from `Buffer.allocUnsafeSlow` (a dedicated `ArrayBuffer` from `malloc`, not zeroed):
 * a fresh zeroed megabyte costs a `calloc` (fresh pages, faulted in on the first write, returned to the
 * system when freed), where `malloc` reuses the heap the previous frame released. The result is a plain
 * `Uint8Array` view (not a `Buffer`) over the whole buffer, like `new Uint8Array(n)`.
 */
export function allocFilled(n: number): Uint8Array {
  if (n < UNZEROED_MIN_BYTES) return new Uint8Array(n)
  const b = Buffer.allocUnsafeSlow(n)
  return new Uint8Array(b.buffer, b.byteOffset, n)
}

import { CodecError } from '../errors'

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Refuses JSON text that nests objects and arrays deeper than `maxDepth`, before `JSON.parse` builds
 * anything: one pass over the text without allocating (string contents are skipped with `indexOf`).
 * Text that is not JSON passes through for `JSON.parse` to refuse.
 */
export function checkJsonNesting(text: string, maxDepth: number): void {
  const n = text.length
  let depth = 0
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i++)
    if (c === QUOTE) {
      // to the closing quote: the first one preceded by an even number of backslashes
      for (;;) {
        const q = text.indexOf('"', i)
        if (q === -1) return
        let k = q - 1
        while (k >= i && text.charCodeAt(k) === BACKSLASH) k--
        i = q + 1
        if ((q - 1 - k) % 2 === 0) break
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) {
        throw new CodecError('ERR_SCHEMA', `JSON nested deeper than ${maxDepth} at offset ${i - 1}`, {
          path: '',
          reason: `nested deeper than ${maxDepth}`,
          offset: i - 1,
          maxDepth,
        })
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
}

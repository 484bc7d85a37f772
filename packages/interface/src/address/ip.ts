/**
 * IP literals as bytes: strict parsing (no octal or shortened IPv4 forms, no zone ids), RFC 5952 text form,
 * and prefix masking for subnet bans. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is folded to IPv4 everywhere, so
 * a dual-stack socket's `::ffff:1.2.3.4` and `1.2.3.4` are the same host.
 */

/** A parsed IP: 4 bytes for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array

/** Parses dotted-decimal IPv4 (`1.2.3.4`) strictly; undefined when it is not one. */
export function parseIpv4(text: string): IpBytes | undefined {
  if (text.length < 7 || text.length > 15) return undefined
  const out = new Uint8Array(4)
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 : text.charCodeAt(i)
    if (c === 46) {
      // '.' or the end: close the current octet
      if (digits === 0 || part > 3) return undefined
      out[part++] = value
      value = 0
      digits = 0
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return undefined // no leading zeros ("01" could be read as octal)
      value = value * 10 + (c - 48)
      if (value > 255) return undefined
      digits++
    } else {
      return undefined
    }
  }
  return part === 4 ? out : undefined
}

/**
 * Parses an IPv6 literal (without brackets or zone id), including an embedded IPv4 tail, in one pass over the
 * characters (addresses arrive by the thousand in `peers` messages, so no regular expressions or splits).
 */
export function parseIpv6(text: string): IpBytes | undefined {
  const n = text.length
  if (n < 2 || n > 45) return undefined
  const words = new Uint16Array(8)
  let count = 0 // words written
  let gap = -1 // index in `words` where `::` stands
  let i = 0
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return undefined // a leading single ':'
    gap = 0
    i = 2
    if (i === n) return new Uint8Array(16) // '::'
  }
  while (i < n) {
    if (count === 8) return undefined
    let value = 0
    let digits = 0
    const start = i
    while (i < n) {
      const c = text.charCodeAt(i)
      let d: number
      if (c >= 48 && c <= 57) d = c - 48
      else if (c >= 97 && c <= 102) d = c - 87
      else if (c >= 65 && c <= 70) d = c - 55
      else break
      value = value * 16 + d
      digits++
      i++
    }
    if (i < n && text.charCodeAt(i) === 46) {
      // an IPv4 tail: the rest of the text, in the last two words
      if (count > 6) return undefined
      const v4 = parseIpv4(text.slice(start))
      if (v4 === undefined) return undefined
      words[count++] = ((v4[0] as number) << 8) | (v4[1] as number)
      words[count++] = ((v4[2] as number) << 8) | (v4[3] as number)
      i = n
      break
    }
    if (digits === 0 || digits > 4) return undefined
    words[count++] = value
    if (i === n) break
    if (text.charCodeAt(i) !== 58) return undefined
    i++
    if (i < n && text.charCodeAt(i) === 58) {
      if (gap !== -1) return undefined // a second '::'
      gap = count
      i++
    } else if (i === n) {
      return undefined // a trailing single ':'
    }
  }
  if (gap === -1 ? count !== 8 : count > 7) return undefined
  const out = new Uint8Array(16)
  const shift = gap === -1 ? 0 : 8 - count
  for (let w = 0; w < count; w++) {
    const at = gap !== -1 && w >= gap ? w + shift : w
    out[2 * at] = (words[w] as number) >> 8
    out[2 * at + 1] = (words[w] as number) & 0xff
  }
  return out
}

/** Parses an IPv4 or IPv6 literal (brackets allowed around IPv6); IPv4-mapped IPv6 becomes 4 bytes. */
export function parseIp(text: string): IpBytes | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const v4 = parseIpv4(t)
  if (v4 !== undefined) return v4
  const v6 = parseIpv6(t)
  if (v6 === undefined) return undefined
  return unmapIpv4(v6)
}

/** `::ffff:a.b.c.d` as its 4 IPv4 bytes; any other address unchanged. */
export function unmapIpv4(ip: IpBytes): IpBytes {
  if (ip.length !== 16) return ip
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return ip
  if (ip[10] !== 0xff || ip[11] !== 0xff) return ip
  return ip.slice(12)
}

/** The canonical text of an IP: dotted decimal for IPv4, RFC 5952 (lowercase, longest zero run as `::`). */
export function formatIp(ip: IpBytes): string {
  if (ip.length === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`
  const words: number[] = []
  for (let i = 0; i < 8; i++) words.push(((ip[2 * i] as number) << 8) | (ip[2 * i + 1] as number))
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':')
  if (bestStart < 0) return hex(words)
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`
}

/** A copy of `ip` with every bit after the first `prefix` bits cleared. */
export function maskIp(ip: IpBytes, prefix: number): IpBytes {
  const out = new Uint8Array(ip.length)
  for (let i = 0; i < ip.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i))
    out[i] = (ip[i] as number) & ((0xff << (8 - bits)) & 0xff)
  }
  return out
}

/** True when the first `prefix` bits of `ip` equal those of `net` (same family). */
export function inPrefix(ip: IpBytes, net: readonly number[], prefix: number): boolean {
  for (let i = 0; i < net.length && 8 * i < prefix; i++) {
    const bits = Math.min(8, prefix - 8 * i)
    const mask = (0xff << (8 - bits)) & 0xff
    if (((ip[i] as number) & mask) !== ((net[i] as number) & mask)) return false
  }
  return true
}

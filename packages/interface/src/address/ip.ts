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

/** Parses an IPv6 literal (without brackets or zone id), including an embedded IPv4 tail. */
export function parseIpv6(text: string): IpBytes | undefined {
  if (text.length < 2 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string): number[] | undefined => {
    if (s === '') return []
    const out: number[] = []
    const items = s.split(':')
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as string
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4(item)
        if (v4 === undefined) return undefined
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number))
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined
        out.push(Number.parseInt(item, 16))
      }
    }
    return out
  }
  const head = groups(halves[0] as string)
  const tail = halves.length === 2 ? groups(halves[1] as string) : []
  if (head === undefined || tail === undefined) return undefined
  let words: number[]
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length
    if (missing < 1) return undefined
    words = [...head, ...new Array<number>(missing).fill(0), ...tail]
  } else {
    words = head
  }
  if (words.length !== 8) return undefined
  const out = new Uint8Array(16)
  for (let i = 0; i < 8; i++) {
    out[2 * i] = (words[i] as number) >> 8
    out[2 * i + 1] = (words[i] as number) & 0xff
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

import { isIPv4, isIPv6 } from 'node:net'

/**
 * The network group of a host, the unit of the per-subnet inbound cap and of eviction diversity: the /16 of
 * an IPv4 address (`ipv4:203.0`), the /32 of an IPv6 address (`ipv6:2001:db8`, IPv4-mapped addresses count
 * as IPv4), and the lowercased name of anything else (`host:example.com`). One operator can cheaply hold many
 * addresses inside one group but few groups, so limits keyed by group bound what one operator can take.
 */
export function netGroupOf(host: string): string {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (isIPv4(h)) return ipv4Group(h)
  const pct = h.indexOf('%')
  const ip = pct === -1 ? h : h.slice(0, pct)
  if (isIPv6(ip)) {
    const words = expandIPv6(ip)
    if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0) {
      if (words[5] === 0xffff) return `ipv4:${(words[6] as number) >> 8}.${(words[6] as number) & 255}`
    }
    return `ipv6:${(words[0] as number).toString(16)}:${(words[1] as number).toString(16)}`
  }
  return `host:${h.toLowerCase()}`
}

function ipv4Group(ip: string): string {
  const [a, b] = ip.split('.')
  return `ipv4:${a}.${b}`
}

/** The eight 16-bit words of an IPv6 literal (already validated), with `::` and a dotted tail expanded. */
function expandIPv6(ip: string): number[] {
  let text = ip.toLowerCase()
  const lastColon = text.lastIndexOf(':')
  const last = text.slice(lastColon + 1)
  if (last.includes('.')) {
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number]
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((w) => Number.parseInt(w, 16))
  const sep = text.indexOf('::')
  if (sep === -1) return parse(text)
  const left = parse(text.slice(0, sep))
  const right = parse(text.slice(sep + 2))
  return [...left, ...new Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0), ...right]
}

import { isAddress } from '@chainwire/interface'

/** What one seed hostname resolved to. */
export interface SeedRecords {
  a: readonly string[]
  aaaa: readonly string[]
  /** TXT records, each as the list of its character strings. */
  txt: readonly (readonly string[])[]
}

/**
 * Turns a seed's records into dialable addresses: A records become `<scheme>://a.b.c.d:<port>`, AAAA records
 * `<scheme>://[v6]:<port>`, and TXT records may carry full address URLs (several separated by whitespace or
 * commas; a record split into character strings is joined first). Anything else is skipped. Deduplicated, at
 * most `max`.
 */
export function addressesFromRecords(
  records: SeedRecords,
  options: { port: number; scheme: 'tcp' | 'ws' | 'wss'; max: number },
): string[] {
  const out = new Set<string>()
  const push = (a: string): void => {
    if (out.size < options.max && isAddress(a)) out.add(a)
  }
  for (const ip of records.a)
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) push(`${options.scheme}://${ip}:${options.port}`)
  for (const ip of records.aaaa)
    if (/^[0-9a-f:.]+$/i.test(ip)) push(`${options.scheme}://[${ip}]:${options.port}`)
  for (const record of records.txt) {
    for (const token of record.join('').split(/[\s,]+/)) if (token !== '') push(token)
  }
  return [...out]
}

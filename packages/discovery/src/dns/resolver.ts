import { Resolver } from 'node:dns/promises'

/**
 * The DNS queries a seed lookup makes; `node:dns/promises`'s `Resolver` fits as it is. Inject a fake in
 * tests, or a resolver pointed at chosen servers.
 */
export interface DnsResolver {
  resolve4(hostname: string): Promise<string[]>
  resolve6(hostname: string): Promise<string[]>
  resolveTxt(hostname: string): Promise<string[][]>
  /** Cancels outstanding queries (called when a lookup's deadline passes). */
  cancel?(): void
}

/** The default resolver: `node:dns/promises` with the system's servers. */
export function defaultResolver(): DnsResolver {
  return new Resolver()
}

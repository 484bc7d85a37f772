import { type OptionSpec, resolveOptions } from '@chainwire/interface'
import { DiscoveryError } from '../errors'

/**
 * Resolves one discovery service's options against its spec with interface's `resolveOptions`: defaults
 * applied, the first bad or unknown option thrown as a {@link DiscoveryError} `ERR_INVALID_OPTIONS` whose
 * message names it with the service's prefix (`option dht.k must be >= 1`).
 */
export function resolveServiceOptions<T>(spec: OptionSpec<T>, given: unknown, service: string): T {
  return resolveOptions(spec, given, {
    prefix: `${service}.`,
    error: (message, details) => new DiscoveryError('ERR_INVALID_OPTIONS', message, details),
  })
}

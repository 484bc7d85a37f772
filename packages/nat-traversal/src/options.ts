import { type OptionSpec, resolveOptions } from '@chainwire/interface'
import { NatError } from './errors'

/** Resolves a component's options against its spec; a bad option throws `ERR_INVALID_OPTIONS` (a NatError). */
export function resolveNatOptions<T>(spec: OptionSpec<T>, given: unknown): T {
  return resolveOptions(spec, given, {
    error: (message, details) => new NatError('ERR_INVALID_OPTIONS', message, details),
  })
}

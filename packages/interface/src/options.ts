import { ChainwireError } from './errors'

/** Thrown for an option that is unknown, of the wrong type or out of range; `details.option` names it. */
export class InvalidOptionsError extends ChainwireError<'ERR_INVALID_OPTIONS'> {
  constructor(message: string, details: { option: string; value?: unknown; problem: string }) {
    super('ERR_INVALID_OPTIONS', message, details)
  }
}

/** How one option is defaulted and checked. Build with {@link option}. */
export interface OptionField<T> {
  /** The value used when the option is absent or `undefined`. */
  readonly default: T
  /** Returns what is wrong with a given value, or undefined when it is acceptable. */
  readonly check: (value: unknown) => string | undefined
  /** For a group of options: the spec its given object is resolved against. */
  readonly nested?: OptionSpec<T & object>
}

/** One {@link OptionField} per field of the resolved options type `T`. */
export type OptionSpec<T> = { readonly [K in keyof T]-?: OptionField<T[K]> }

/** Bounds of a numeric option (inclusive). */
export interface NumberBounds {
  min?: number
  max?: number
}

function bounded(kind: string, value: unknown, b: NumberBounds, integer: boolean): string | undefined {
  if (typeof value !== 'number' || Number.isNaN(value)) return `must be ${kind}`
  if (integer && !Number.isSafeInteger(value) && value !== Number.POSITIVE_INFINITY) return `must be ${kind}`
  if (!integer && !Number.isFinite(value) && value !== Number.POSITIVE_INFINITY) return `must be ${kind}`
  if (b.min !== undefined && value < b.min) return `must be >= ${b.min}`
  if (b.max !== undefined && value > b.max) return `must be <= ${b.max}`
  return undefined
}

/** Builders of {@link OptionField}s: the one way every chainwire package declares its options. */
export const option = {
  /** A safe integer within bounds (Infinity allowed only when `max` is absent: "no limit"). */
  integer(defaultValue: number, bounds: NumberBounds = {}): OptionField<number> {
    return { default: defaultValue, check: (v) => bounded('an integer', v, bounds, true) }
  },
  /** A number within bounds (not NaN). */
  number(defaultValue: number, bounds: NumberBounds = {}): OptionField<number> {
    return { default: defaultValue, check: (v) => bounded('a number', v, bounds, false) }
  },
  /** A boolean. */
  boolean(defaultValue: boolean): OptionField<boolean> {
    return { default: defaultValue, check: (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean') }
  },
  /** A string, optionally bounded in length and matching a pattern. */
  string(defaultValue: string, rules: { maxLength?: number; pattern?: RegExp } = {}): OptionField<string> {
    return {
      default: defaultValue,
      check: (v) => {
        if (typeof v !== 'string') return 'must be a string'
        if (rules.maxLength !== undefined && v.length > rules.maxLength)
          return `must be at most ${rules.maxLength} characters`
        if (rules.pattern !== undefined && !rules.pattern.test(v)) return `must match ${rules.pattern}`
        return undefined
      },
    }
  },
  /** One of a fixed set of values. */
  oneOf<const V>(defaultValue: V, values: readonly V[]): OptionField<V> {
    return {
      default: defaultValue,
      check: (v) => (values.includes(v as V) ? undefined : `must be one of ${values.map(String).join(', ')}`),
    }
  },
  /** A function (callbacks, custom groupings), or absent. */
  callback<F extends ((...args: never[]) => unknown) | undefined>(defaultValue: F): OptionField<F> {
    return {
      default: defaultValue,
      check: (v) => (v === undefined || typeof v === 'function' ? undefined : 'must be a function'),
    }
  },
  /** Any value that `check` accepts (return a problem text to refuse it). */
  custom<V>(defaultValue: V, check: (value: unknown) => string | undefined): OptionField<V> {
    return { default: defaultValue, check }
  },
  /** A group of options resolved against its own spec; absent means all its defaults. */
  group<V extends object>(spec: OptionSpec<V>): OptionField<V> {
    return {
      default: defaultsOf(spec),
      check: (v) =>
        typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be an object',
      nested: spec as OptionSpec<V & object>,
    }
  },
} as const

/** Context of one resolution: a prefix for option names in errors, and the error to throw. */
export interface ResolveContext {
  /** Prefix of option names in errors (`'dht.'` gives `dht.k`). @default '' */
  prefix?: string
  /** Accept keys that the spec does not declare (they are left out of the result). @default false */
  allowUnknown?: boolean
  /** Builds the error thrown for a bad option. @default an {@link InvalidOptionsError} */
  error?: (message: string, details: { option: string; value?: unknown; problem: string }) => Error
}

/**
 * Applies defaults and checks every given option against its field; the first bad or unknown option throws
 * `ERR_INVALID_OPTIONS` naming it (`options.dht.k must be >= 1`). `undefined` means "use the default".
 * Returns a new object with every field of the spec set.
 */
export function resolveOptions<T>(spec: OptionSpec<T>, given: unknown, context: ResolveContext = {}): T {
  const prefix = context.prefix ?? ''
  const fail = (option: string, problem: string, value?: unknown): never => {
    const details = { option, value: preview(value), problem }
    const message = `option ${option} ${problem}`
    throw context.error !== undefined
      ? context.error(message, details)
      : new InvalidOptionsError(message, details)
  }
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    fail(prefix === '' ? 'options' : prefix.slice(0, -1), 'must be an object', given)
  }
  const input = (given ?? {}) as Record<string, unknown>
  const fields = spec as Record<string, OptionField<unknown>>
  if (context.allowUnknown !== true) {
    for (const key of Object.keys(input)) {
      if (!Object.hasOwn(fields, key)) fail(prefix + key, 'is not a known option', input[key])
    }
  }
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(fields)) {
    const value = input[key]
    if (value === undefined) {
      out[key] = field.default
      continue
    }
    const problem = field.check(value)
    if (problem !== undefined) fail(prefix + key, problem, value)
    out[key] =
      field.nested !== undefined
        ? resolveOptions(field.nested, value, { ...context, prefix: `${prefix}${key}.` })
        : value
  }
  return out as T
}

/** Every default of a spec, as a resolved object. */
export function defaultsOf<T>(spec: OptionSpec<T>): T {
  return resolveOptions(spec, undefined)
}

function preview(value: unknown): unknown {
  if (typeof value === 'string' && value.length > 80) return `${value.slice(0, 80)}...`
  if (typeof value === 'function') return 'function'
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'array' : 'object'
  return value
}

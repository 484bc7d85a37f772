const BRAND = Symbol.for('@chainwire/error')
const NAMES = Symbol.for('@chainwire/error-names')

/**
 * The base of every error chainwire throws: a stable machine-readable `code` and optional structured
 * `details`. Use the static `isInstance` rather than `instanceof`, because it also recognises errors thrown by
 * another copy of the package (two versions installed side by side).
 */
export class ChainwireError<Code extends string = string> extends Error {
  /** Stable machine-readable code, such as `ERR_FRAME_TOO_LARGE`. */
  readonly code: Code
  /** Structured context for logs and tests (never secrets). */
  readonly details: Readonly<Record<string, unknown>>
  declare readonly [BRAND]: true
  declare readonly [NAMES]: readonly string[]

  constructor(
    code: Code,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.code = code
    this.details = details
    this.name = new.target.name
    const names: string[] = []
    for (let c: Function | null = new.target; c !== null && c !== Error; c = Object.getPrototypeOf(c)) {
      if (typeof c.name === 'string' && c.name !== '') names.push(c.name)
    }
    Object.defineProperty(this, BRAND, { value: true })
    Object.defineProperty(this, NAMES, { value: names })
  }

  /**
   * Cross-copy type guard: true when `value` is a chainwire error of this class or a subclass, even if
   * it comes from another copy of the package.
   */
  static isInstance<T extends ChainwireError>(
    this: abstract new (
      ...args: never[]
    ) => T,
    value: unknown,
  ): value is T {
    if (typeof value !== 'object' || value === null) return false
    const v = value as { [BRAND]?: unknown; [NAMES]?: unknown }
    if (v[BRAND] !== true) return false
    const names = v[NAMES]
    return Array.isArray(names) && names.includes(this.name)
  }
}

/** Thrown when an operation is cancelled through its `AbortSignal`. */
export class AbortError extends ChainwireError<'ERR_ABORTED'> {
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super('ERR_ABORTED', message, {}, options)
  }
}

/** Thrown when an operation runs past its deadline. */
export class TimeoutError extends ChainwireError<'ERR_TIMEOUT'> {
  constructor(message = 'The operation timed out', details: Record<string, unknown> = {}) {
    super('ERR_TIMEOUT', message, details)
  }
}

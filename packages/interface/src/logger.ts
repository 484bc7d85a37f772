/** A log method with pino's two call shapes: `log('msg')` and `log({ ctx }, 'msg')`. */
export interface LogFn {
  (msg: string, ...args: unknown[]): void
  (obj: object, msg?: string, ...args: unknown[]): void
}

/**
 * The pino-compatible subset of a logger that packages use; apps/node binds it to pino, and it defaults
 * to {@link noopLogger}.
 */
export interface Logger {
  trace: LogFn
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  /** A logger that adds `bindings` to every line (pino's `child`). */
  child(bindings: Record<string, unknown>): Logger
}

const noop = (): void => {}

/** A logger that discards everything; the default of every package. */
export const noopLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => noopLogger,
}

import { ChainwireError } from '@chainwire/interface'

/** The stable codes of the errors netsim throws. */
export type NetsimErrorCode =
  | 'ERR_SCENARIO_INVALID'
  | 'ERR_SCENARIO_FILE'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_SIMULATION_FAILED'
  | 'ERR_SIMULATION_ABORTED'
  | 'ERR_PUNCH_FAILED'

/**
 * The base of netsim's own errors: a stable `code` and structured `details`. Check with
 * `NetsimError.isInstance(err)` and switch on `err.code`. Bad options throw `@chainwire/interface`'s
 * `InvalidOptionsError` (`ERR_INVALID_OPTIONS`), as in every chainwire package.
 */
export class NetsimError<Code extends NetsimErrorCode = NetsimErrorCode> extends ChainwireError<Code> {}

/**
 * A scenario (object or file) that does not validate: `details.path` names the bad field in dotted form
 * (`links.latency.distribution`, `faults[2].at`), `details.reason` says what is wrong with it.
 */
export class ScenarioInvalidError extends NetsimError<'ERR_SCENARIO_INVALID'> {
  constructor(path: string, reason: string, details: Record<string, unknown> = {}) {
    super('ERR_SCENARIO_INVALID', `${path === '' ? 'scenario' : path}: ${reason}`, {
      ...details,
      path,
      reason,
    })
  }
}

/** A scenario file that cannot be read or parsed as JSON/YAML; `details.file` names it. */
export class ScenarioFileError extends NetsimError<'ERR_SCENARIO_FILE'> {
  constructor(
    message: string,
    details: { file: string; [key: string]: unknown },
    options?: { cause?: unknown },
  ) {
    super('ERR_SCENARIO_FILE', message, details, options)
  }
}

/** A call with an argument netsim cannot accept (a negative delay, an unknown node); `details.argument` names it. */
export class InvalidArgumentError extends NetsimError<'ERR_INVALID_ARGUMENT'> {
  constructor(message: string, details: { argument: string; [key: string]: unknown }) {
    super('ERR_INVALID_ARGUMENT', message, details)
  }
}

/** A simulation that could not run to its end (a node failed to start, a hook threw); the cause is attached. */
export class SimulationFailedError extends NetsimError<'ERR_SIMULATION_FAILED'> {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('ERR_SIMULATION_FAILED', message, details, options)
  }
}

/** A simulation stopped through its `AbortSignal` before the scenario's end. */
export class SimulationAbortedError extends NetsimError<'ERR_SIMULATION_ABORTED'> {
  constructor(atMs: number, options?: { cause?: unknown }) {
    super(
      'ERR_SIMULATION_ABORTED',
      `the simulation was aborted at ${atMs} ms of virtual time`,
      { atMs },
      options,
    )
  }
}

/**
 * A simulated punch port could not do what was asked: no address it can dial, a connect already running,
 * the port closed, or its NAT out of external ports.
 */
export class PunchFailedError extends NetsimError<'ERR_PUNCH_FAILED'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ERR_PUNCH_FAILED', message, details)
  }
}

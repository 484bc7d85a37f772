import type { Scenario, ScenarioInput } from './types'
import { normalizeScenario } from './validate'

/**
 * Checks a scenario written in TypeScript and fills in its defaults. Throws `ScenarioInvalidError`
 * (`ERR_SCENARIO_INVALID`, `details.path` the bad field) at once, so a typo fails before anything runs.
 */
export function defineScenario(input: ScenarioInput): Scenario {
  return normalizeScenario(input)
}

import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { ScenarioFileError, ScenarioInvalidError } from '../errors'
import type { Scenario } from './types'
import { normalizeScenario } from './validate'

/** The formats a scenario file may be written in. */
export type ScenarioFormat = 'json' | 'yaml'

/**
 * Parses scenario text (JSON or YAML) and validates it. Throws `ScenarioFileError` (`ERR_SCENARIO_FILE`) for
 * text that does not parse, `ScenarioInvalidError` (`ERR_SCENARIO_INVALID`) for a bad field.
 */
export function parseScenario(text: string, format: ScenarioFormat, file = '<text>'): Scenario {
  let data: unknown
  try {
    data = format === 'json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true, uniqueKeys: true })
  } catch (err) {
    const line = err instanceof YAMLParseError ? err.linePos?.[0]?.line : undefined
    throw new ScenarioFileError(
      `${file} is not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
      line === undefined ? { file } : { file, line },
      { cause: err },
    )
  }
  try {
    return normalizeScenario(data)
  } catch (err) {
    if (ScenarioInvalidError.isInstance(err)) {
      throw new ScenarioInvalidError(
        err.details.path as string,
        `${err.details.reason as string} (in ${file})`,
        {
          ...err.details,
          file,
        },
      )
    }
    throw err
  }
}

/** Reads and validates a scenario file: `.json`, or `.yaml` / `.yml`. */
export async function loadScenario(file: string): Promise<Scenario> {
  const ext = extname(file).toLowerCase()
  const format: ScenarioFormat | undefined =
    ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : undefined
  if (format === undefined) {
    throw new ScenarioFileError(`${file}: a scenario file ends in .json, .yaml or .yml`, { file })
  }
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ScenarioFileError(`cannot read ${file}: ${(err as Error).message}`, { file }, { cause: err })
  }
  return parseScenario(text, format, file)
}

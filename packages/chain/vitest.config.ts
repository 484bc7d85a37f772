import { defineProject, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

/**
 * Scale tests (`test/**\/*.scale.test.ts`, tens of seconds each) are left out of the ordinary run; run them
 * with `CHAINWIRE_SCALE=1 npx vitest run --project chain` (or the package's `test:scale` script).
 */
const scale = process.env.CHAINWIRE_SCALE === '1'
const config = mergeConfig(shared, defineProject({ test: { name: 'chain' } }))
config.test.include = scale ? ['test/**/*.scale.test.ts'] : ['test/**/*.test.ts']
config.test.exclude = scale ? ['**/node_modules/**'] : ['**/node_modules/**', 'test/**/*.scale.test.ts']

export default config

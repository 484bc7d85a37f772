import { defineConfig } from 'vitest/config'

/**
 * The vitest settings every chainwire package merges into its own `vitest.config.ts`.
 * The `@chainwire/source` condition makes `import '@chainwire/x'` resolve to the sibling's `src/index.ts`,
 * so a package's tests never need the others to be built.
 */
export const sourceConditions = ['@chainwire/source', 'import', 'module', 'node', 'default']

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@chainwire/source'] } },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})

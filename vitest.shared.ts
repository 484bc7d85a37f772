import { defineConfig } from 'vitest/config'

/**
 * The vitest settings every chainwire package merges into its own `vitest.config.ts`.
 * The `@chainwire/source` condition makes `import '@chainwire/x'` resolve to the sibling's `src/index.ts`,
 * so a package's tests never need the others to be built.
 */
export const sourceConditions = ['@chainwire/source', 'import', 'module', 'node', 'default']

/**
 * Scale runs (test files named `*.scale.test.ts`: large netsim networks, long chains) are left out of `pnpm test`, which
 * must stay under five minutes on a 2-core machine; `pnpm test:scale` (CHAINWIRE_SCALE=1) runs only them.
 */
const scale = process.env.CHAINWIRE_SCALE === '1'

/**
 * NAT lab runs (test files named `*.lab.test.ts`: real network namespaces, iptables NAT, coturn; root only) are
 * left out of `pnpm test` and `pnpm test:scale`; `pnpm test:lab` (CHAINWIRE_LAB=1) runs only them, and they
 * fail, not skip, when not root.
 */
const lab = process.env.CHAINWIRE_LAB === '1'

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@chainwire/source'] } },
  test: {
    environment: 'node',
    include: lab ? ['test/**/*.lab.test.ts'] : scale ? ['test/**/*.scale.test.ts'] : ['test/**/*.test.ts'],
    exclude:
      lab || scale
        ? ['**/node_modules/**']
        : ['**/node_modules/**', '**/*.scale.test.ts', '**/*.lab.test.ts'],
    passWithNoTests: scale,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})

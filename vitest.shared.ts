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

/**
 * Extra-large runs (test files named `*.xl.test.ts`: 1,000-node netsim networks with 1 MB blocks and sybils,
 * about half an hour of CPU on 2 cores) run only with `pnpm test:xl` (CHAINWIRE_XL=1): before a release and
 * when their package's propagation changes; CI's budget leaves them out, the benchmark runs the same scenarios.
 */
const xl = process.env.CHAINWIRE_XL === '1'

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@chainwire/source'] } },
  test: {
    environment: 'node',
    include: lab
      ? ['test/**/*.lab.test.ts']
      : xl
        ? ['test/**/*.xl.test.ts']
        : scale
          ? ['test/**/*.scale.test.ts']
          : ['test/**/*.test.ts'],
    exclude:
      lab || scale || xl
        ? ['**/node_modules/**']
        : ['**/node_modules/**', '**/*.scale.test.ts', '**/*.lab.test.ts', '**/*.xl.test.ts'],
    passWithNoTests: scale || xl,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})

import { defineConfig } from 'vitest/config'
import { SummaryReporter } from './tooling/testkit/src/summary-reporter.ts'

/** The whole suite: every package and app is a vitest project with its own `vitest.config.ts`. */
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tooling/*/vitest.config.ts'],
    reporters: ['default', new SummaryReporter()],
  },
})

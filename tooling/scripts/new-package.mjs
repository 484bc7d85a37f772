#!/usr/bin/env node
// Scaffolds packages/<name> with the workspace conventions: exports with the @chainwire/source condition,
// tsup (ESM + CJS + d.ts), a tsconfig extending the shared base and a vitest project.
// Usage: node tooling/scripts/new-package.mjs <name> "<description>" [dep ...]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [name, description, ...deps] = process.argv.slice(2)
if (!name || !description) {
  console.error('usage: new-package.mjs <name> "<description>" [@chainwire/dep ...]')
  process.exit(2)
}
const dir = join(new URL('../..', import.meta.url).pathname, 'packages', name)
if (existsSync(join(dir, 'package.json'))) {
  console.error(`packages/${name} exists`)
  process.exit(1)
}
mkdirSync(join(dir, 'src'), { recursive: true })
mkdirSync(join(dir, 'test'), { recursive: true })
const pkg = {
  name: `@chainwire/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  engines: { node: '>=20' },
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      '@chainwire/source': './src/index.ts',
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
  },
  files: ['dist', 'README.md'],
  publishConfig: { access: 'public' },
  scripts: { build: 'tsup', test: 'vitest run', typecheck: 'tsc -p tsconfig.json' },
  dependencies: Object.fromEntries(deps.map((d) => [d, 'workspace:^'])),
  devDependencies: { '@chainwire/testkit': 'workspace:*', '@chainwire/tsconfig': 'workspace:*' },
}
const write = (f, s) => writeFileSync(join(dir, f), s)
write('package.json', `${JSON.stringify(pkg, null, 2)}\n`)
write('tsconfig.json', '{\n  "extends": "@chainwire/tsconfig/base.json",\n  "include": ["src", "test"]\n}\n')
write(
  'tsup.config.ts',
  `import { packageConfig } from '../../tooling/tsconfig/tsup'

export default packageConfig()
`,
)
write(
  'vitest.config.ts',
  `import { defineProject, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

export default mergeConfig(shared, defineProject({ test: { name: '${name}' } }))
`,
)
console.log(`created packages/${name}`)

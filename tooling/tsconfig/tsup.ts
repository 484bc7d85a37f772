import { defineConfig, type Options } from 'tsup'

/**
 * The one tsup setup of every chainwire package: ESM + CJS + `.d.ts` for Node 20, `dist/` cleaned first, and
 * no source maps (maps without the sources they point at only grow the tarball; the sources are on GitHub).
 * A package's `tsup.config.ts` is `export default packageConfig()`, or names its extra entry points.
 */
export function packageConfig(
  entry: Record<string, string> = { index: 'src/index.ts' },
  extra: Options = {},
) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: false,
    clean: true,
    target: 'node20',
    ...extra,
  })
}

#!/usr/bin/env node
// What a user installs, checked as npm would ship it: every public package is packed with pnpm (so
// `workspace:` ranges become versions), then publint checks its package.json against the files it ships and
// @arethetypeswrong/cli checks that its types resolve for ESM and CJS consumers under node10, node16 and
// bundler resolution. Run after `pnpm build`; exits non-zero on any problem.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../..', import.meta.url).pathname
const bin = (name) => join(root, 'node_modules', '.bin', name)
const out = mkdtempSync(join(tmpdir(), 'chainwire-pack-'))
let failed = 0
try {
  for (const group of ['packages', 'apps']) {
    const base = join(root, group)
    if (!existsSync(base)) continue
    for (const entry of readdirSync(base).sort()) {
      const dir = join(base, entry)
      if (!existsSync(join(dir, 'package.json'))) continue
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      if (pkg.private === true) continue
      const before = new Set(readdirSync(out))
      execFileSync('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', out], { cwd: dir, stdio: 'pipe' })
      const tarball = readdirSync(out).find((f) => !before.has(f))
      for (const [what, cmd, args] of [
        ['publint', bin('publint'), ['run', join(out, tarball), '--strict']],
        ['attw', bin('attw'), [join(out, tarball), '--format', 'table-flipped', '--profile', 'node16']],
      ]) {
        try {
          execFileSync(cmd, args, { cwd: dir, stdio: 'pipe' })
          console.log(`ok   ${what} ${pkg.name}`)
        } catch (err) {
          failed++
          console.log(
            `FAIL ${what} ${pkg.name}\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`,
          )
        }
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}
process.exit(failed === 0 ? 0 : 1)

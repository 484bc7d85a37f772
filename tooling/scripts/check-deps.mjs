#!/usr/bin/env node
// Workspace check: fails when a package depends on or imports a chainwire package that DESIGN.md §2 does not
// allow (optional argument: the workspace root to check). Source files (src/) are held to the graph; tests may also use the private testkit and netsim.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = process.argv[2] ?? new URL('../..', import.meta.url).pathname
const leaves = ['interface', 'protocol-codec', 'peer-store', 'peer-scoring']
const services = [...leaves, 'network']
/** Who may import whom (DESIGN.md §2). Apps and tooling may import everything. */
export const allowed = {
  interface: [],
  'protocol-codec': ['interface'],
  'peer-store': ['interface'],
  'peer-scoring': ['interface'],
  network: leaves,
  discovery: services,
  'nat-traversal': services,
  relay: services,
  sync: services,
  chain: ['interface', 'protocol-codec'],
  netsim: services,
}
const testOnly = ['testkit', 'netsim']
/** What one package's tests may use besides: sync is proven against the chain that implements its SyncChain. */
const testExtra = { sync: ['chain'] }

function walk(dir, out = []) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (/\.(ts|mts|cts|js|mjs)$/.test(name)) out.push(p)
  }
  return out
}

const importRe = /(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)['"]@chainwire\/([a-z0-9-]+)/g
const problems = []
const pkgsDir = join(root, 'packages')
for (const name of existsSync(pkgsDir) ? readdirSync(pkgsDir) : []) {
  const dir = join(pkgsDir, name)
  if (!existsSync(join(dir, 'package.json'))) continue
  const ok = allowed[name]
  if (ok === undefined) {
    problems.push(
      `packages/${name}: not in the DESIGN.md §2 graph (add it to tooling/scripts/check-deps.mjs)`,
    )
    continue
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    const m = /^@chainwire\/(.+)$/.exec(dep)
    if (m && !ok.includes(m[1]))
      problems.push(`packages/${name}/package.json: depends on ${dep}, not allowed`)
  }
  for (const [sub, extra] of [
    ['src', []],
    ['test', [...testOnly, ...(testExtra[name] ?? []), name]],
  ]) {
    for (const file of walk(join(dir, sub))) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(importRe)) {
        const target = m[1]
        if (target === 'tsconfig') continue
        if (!ok.includes(target) && !extra.includes(target)) {
          problems.push(`${relative(root, file)}: imports @chainwire/${target}, not allowed for ${name}`)
        }
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`Import graph violations (DESIGN.md §2):\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log('import graph: ok (DESIGN.md §2)')

#!/usr/bin/env node
// Fails when source files of a package import each other in a circle, type-only imports included: a circle
// hides which file owns a contract (usually index.ts re-exporting what its implementation files import back).
// Types that implementation files share live in a file of their own (types.ts) that index.ts re-exports.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const root = process.argv[2] ?? new URL('../..', import.meta.url).pathname
const importRe =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"](\.{1,2}(?:\/[^'"]*)?)['"]/gm
const dynamicRe = /import\(\s*['"](\.{1,2}(?:\/[^'"]*)?)['"]\s*\)/g

function walk(dir, out = []) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (/\.(ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec)
  const candidates = [base, `${base}.ts`, `${base}.mts`, join(base, 'index.ts')]
  const noJs = base.replace(/\.js$/, '')
  candidates.push(`${noJs}.ts`)
  return candidates.find((c) => existsSync(c) && statSync(c).isFile())
}

/** Every elementary circle found by a depth-first search, each reported once (by its smallest file). */
function cycles(graph) {
  const found = new Map()
  const state = new Map()
  const stack = []
  const visit = (node) => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const circle = stack.slice(stack.indexOf(next))
        const key = [...circle].sort().join('|')
        if (!found.has(key)) found.set(key, circle)
      } else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node)
  return [...found.values()]
}

const problems = []
for (const group of ['packages', 'apps']) {
  const base = join(root, group)
  if (!existsSync(base)) continue
  for (const entry of readdirSync(base)) {
    const src = join(base, entry, 'src')
    const graph = new Map()
    for (const file of walk(src)) {
      const text = readFileSync(file, 'utf8')
      const deps = new Set()
      for (const re of [importRe, dynamicRe]) {
        for (const m of text.matchAll(re)) {
          const target = resolveImport(file, m[1])
          if (target !== undefined) deps.add(target)
        }
      }
      graph.set(file, deps)
    }
    for (const circle of cycles(graph)) {
      problems.push([...circle, circle[0]].map((f) => relative(root, f)).join(' -> '))
    }
  }
}
if (problems.length > 0) {
  console.error(`Import cycles (move the shared types into their own file):\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log('import cycles: none')

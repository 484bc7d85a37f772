import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const src = join(import.meta.dirname, '..', 'src')

/** Every module `file` loads at run time (type-only imports are erased), following relative imports. */
function runtimeImports(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen
  const text = readFileSync(file, 'utf8')
  const specifiers: string[] = []
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm))
    specifiers.push(m[1] as string)
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) specifiers.push(m[1] as string)
  seen.set(file, specifiers)
  for (const s of specifiers) if (s.startsWith('.')) runtimeImports(`${resolve(dirname(file), s)}.ts`, seen)
  return seen
}

describe('browser-ready modules', () => {
  it.each([
    'header/header.ts',
    'header/checks.ts',
    'header/pow.ts',
    'header/difficulty.ts',
    'merkle.ts',
    'header-chain/header-chain.ts',
  ])('%s loads no node: module, LevelDB or worker, directly or through its imports', (entry) => {
    const graph = runtimeImports(join(src, entry))
    const offending = [...graph].flatMap(([file, specs]) =>
      specs
        .filter((s) => s.startsWith('node:') || s === 'classic-level')
        .map((s) => `${file.slice(src.length)}: ${s}`),
    )
    expect(offending).toEqual([])
  })

  it('scans real import graphs (the header chain reaches over ten modules; the full chain reaches node:)', () => {
    expect(runtimeImports(join(src, 'header-chain/header-chain.ts')).size).toBeGreaterThan(10)
    const full = [...runtimeImports(join(src, 'index.ts')).values()].flat()
    expect(full).toContain('node:crypto')
    expect(full).toContain('classic-level')
  })
})

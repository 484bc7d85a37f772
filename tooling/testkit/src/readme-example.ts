import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Extracts the code block that follows the `<!-- example -->` marker in a package README, so a test can
 * run it and the documentation never rots.
 */
export function readmeExample(readmePath: string): string {
  const text = readFileSync(readmePath, 'utf8')
  const marker = text.indexOf('<!-- example -->')
  if (marker < 0) throw new Error(`${readmePath} has no <!-- example --> marker`)
  const match = /```(?:ts|typescript)\n([\s\S]*?)```/.exec(text.slice(marker))
  if (match === null) throw new Error(`${readmePath} has no ts code block after the example marker`)
  return match[1] as string
}

/**
 * Writes the README example of `packageDir` into a temporary module inside the package (so its imports
 * resolve like a user's would) and imports it; returns what the module exports.
 */
export async function runReadmeExample(packageDir: string): Promise<Record<string, unknown>> {
  const code = readmeExample(join(packageDir, 'README.md'))
  const dir = mkdtempSync(join(packageDir, 'test', '.readme-'))
  const file = join(dir, 'example.ts')
  writeFileSync(file, code)
  try {
    return (await import(/* @vite-ignore */ file)) as Record<string, unknown>
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

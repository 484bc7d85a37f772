/** Helpers of the process tests: the CLI from sources, API calls, polling. */
import { fileURLToPath } from 'node:url'

/** `chainwire-node` from the sources (tsx, the workspace's source condition). */
export const CLI = {
  file: process.execPath,
  args: [
    '--import',
    'tsx',
    '--conditions=@chainwire/source',
    fileURLToPath(new URL('../../src/cli.ts', import.meta.url)),
  ],
}

// biome-ignore lint/suspicious/noExplicitAny: API answers are checked by the tests field by field
export async function get(base: string, path: string): Promise<any> {
  const res = await fetch(`${base}${path}`)
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

export function post(base: string, path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  })
}

/** Polls `condition` every 250 ms until it holds; fails after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < end) {
    try {
      if (await condition()) return
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last === undefined ? '' : `: ${String(last)}`}`)
}

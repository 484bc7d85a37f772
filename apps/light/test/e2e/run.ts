/** Runs `chainwire-light` from source as child processes, collects their JSON lines, kills what is left. */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

const children: ChildProcess[] = []

/** Kills (SIGKILL) every process {@link cli} started that is still running. */
export function killChildren(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
}

export interface Run {
  child: ChildProcess
  events: Record<string, unknown>[]
  exit: Promise<number | null>
  stderr: () => string
}

/** Runs `chainwire-light` (from source) as a child process and collects its JSON lines. */
export function cli(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@chainwire/source', join('src', 'cli.ts'), ...args],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  )
  children.push(child)
  const events: Record<string, unknown>[] = []
  let buf = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString()
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (line.startsWith('{')) events.push(JSON.parse(line) as Record<string, unknown>)
    }
  })
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, events, exit, stderr: () => err }
}

export const has = (run: Run, event: string, pred: (e: Record<string, unknown>) => boolean = () => true) =>
  run.events.some((e) => e.event === event && pred(e))

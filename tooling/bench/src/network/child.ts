import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
/** The repository root, where `tsx` is installed. */
const root = resolve(here, '..', '..', '..', '..')
const workerFile = resolve(here, 'worker.ts')
/** The worker of the js-libp2p cases (`libp2p-worker.ts`), for `startWorker`'s `file`. */
export const LIBP2P_WORKER = resolve(here, 'libp2p-worker.ts')

/**
 * Extra node flags for the workers, for profiling: `BENCH_WORKER_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'`
 * (`{name}` in it becomes the worker's name).
 */
function extraFlags(name: string): string[] {
  const flags = process.env.BENCH_WORKER_FLAGS
  if (flags === undefined || flags.trim() === '') return []
  return flags
    .trim()
    .split(/\s+/)
    .map((f) => f.replaceAll('{name}', name.replace(/\W+/g, '-')))
}

/** The Node binary that runs the workers, and its version (`process.versions.node`). */
export interface WorkerNode {
  readonly path: string
  readonly version: string
}

/** The Node that runs this process: the workers' by default. */
export const currentNode: WorkerNode = { path: process.execPath, version: process.versions.node }

/**
 * The Node 24 binary of the npm package `node@24`, through `npx -y node@24` (fetched from the npm registry
 * into npx's cache the first time): `pnpm bench network --node24` runs the workers on it.
 */
export function node24(): WorkerNode {
  const out = execFileSync(
    'npx',
    ['-y', 'node@24', '-p', 'JSON.stringify([process.execPath, process.versions.node])'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const [path, version] = JSON.parse(out) as [string, string]
  if (!version.startsWith('24.')) throw new Error(`npx -y node@24 ran Node ${version}`)
  return { path, version }
}

/** A worker process (see `worker.ts`) and a typed way to call its operations. */
export interface Worker {
  readonly name: string
  readonly pid: number | undefined
  call<T>(op: string, args?: Record<string, unknown>): Promise<T>
  close(): Promise<void>
}

/**
 * Starts `file` (by default `worker.ts`; any file that calls `serveOps`) in its own process (`node
 * --expose-gc --import tsx --conditions=@chainwire/source`, plus `flags`) on `node` and resolves once it is
 * ready for commands.
 */
export async function startWorker(
  name: string,
  flags: readonly string[] = [],
  node: WorkerNode = currentNode,
  file: string = workerFile,
): Promise<Worker> {
  const child: ChildProcess = spawn(
    node.path,
    [...extraFlags(name), ...flags, '--expose-gc', '--import', 'tsx', '--conditions=@chainwire/source', file],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  )
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let nextId = 1
  let ready!: () => void
  const started = new Promise<void>((r) => {
    ready = r
  })
  child.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    if (msg.id === 0) {
      ready()
      return
    }
    const p = pending.get(msg.id)
    if (p === undefined) return
    pending.delete(msg.id)
    if (msg.ok) p.resolve(msg.result)
    else p.reject(new Error(`${name}: ${msg.error}`))
  })
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${name} exited with ${code}`))
    pending.clear()
  })
  await Promise.race([
    started,
    once(child, 'exit').then(() => {
      throw new Error(`${name} exited before it was ready`)
    }),
  ])
  return {
    name,
    pid: child.pid,
    call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolvePromise, reject) => {
        pending.set(id, { resolve: resolvePromise as (v: unknown) => void, reject })
        child.send({ id, op, args })
      })
    },
    async close(): Promise<void> {
      if (child.exitCode !== null) return
      const exited = once(child, 'exit')
      try {
        await Promise.race([
          new Promise<void>((resolvePromise, reject) => {
            const id = nextId++
            pending.set(id, { resolve: () => resolvePromise(), reject })
            child.send({ id, op: 'close', args: {} })
          }),
          exited,
        ])
      } catch {
        // exiting anyway
      }
      child.disconnect()
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
      await exited
      clearTimeout(timer)
    },
  }
}
